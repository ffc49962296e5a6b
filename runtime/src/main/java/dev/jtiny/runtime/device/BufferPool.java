// Freed device memory kept for reuse, keyed by exact byte size and bounded in total bytes.
// Device-agnostic: a device supplies the handle type and how to release one for good.
package dev.jtiny.runtime.device;

import dev.jtiny.runtime.Counters;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

public final class BufferPool<H> {
    private final long limitBytes;
    private final Consumer<H> release;
    // Access-ordered, so the first entry is the size class used least recently: evicted first.
    private final LinkedHashMap<Long, ArrayDeque<H>> bySize = new LinkedHashMap<>(16, 0.75f, true);
    private long pooledBytes;
    private int pooledCount;

    /** A pool holding at most {@code limitBytes}; {@code release} frees a handle for good. */
    public BufferPool(long limitBytes, Consumer<H> release) {
        this.limitBytes = limitBytes;
        this.release = release;
    }

    /** A pooled handle of exactly {@code bytes}, or null when none is pooled (counted: {@link Counters#newMemoryCount}). */
    public synchronized H take(long bytes) {
        ArrayDeque<H> q = bySize.get(bytes);
        if (q == null) {
            Counters.newMemory();
            return null;
        }
        H h = q.pollLast(); // the most recently freed one: likeliest still warm in caches
        if (q.isEmpty()) bySize.remove(bytes);
        pooledBytes -= bytes;
        pooledCount--;
        return h;
    }

    /**
     * Keeps a freed handle of {@code bytes} for reuse, first releasing the least recently used pooled handles
     * to stay within the limit; a handle larger than the whole limit is released at once.
     */
    public synchronized void give(long bytes, H handle) {
        if (bytes > limitBytes) {
            release.accept(handle);
            return;
        }
        while (pooledBytes + bytes > limitBytes) evictOne();
        bySize.computeIfAbsent(bytes, b -> new ArrayDeque<>()).addLast(handle);
        pooledBytes += bytes;
        pooledCount++;
    }

    /** Releases every pooled handle; returns the bytes released. */
    public synchronized long releaseAll() {
        long released = pooledBytes;
        var handles = bySize.values().stream().flatMap(ArrayDeque::stream).toList();
        bySize.clear();
        pooledBytes = 0;
        pooledCount = 0;
        handles.forEach(release);
        return released;
    }

    public synchronized long pooledBytes() { return pooledBytes; }

    public synchronized int pooledCount() { return pooledCount; }

    public long limitBytes() { return limitBytes; }

    private void evictOne() {
        Iterator<Map.Entry<Long, ArrayDeque<H>>> it = bySize.entrySet().iterator();
        Map.Entry<Long, ArrayDeque<H>> eldest = it.next();
        H h = eldest.getValue().pollFirst();
        pooledBytes -= eldest.getKey();
        pooledCount--;
        if (eldest.getValue().isEmpty()) it.remove();
        release.accept(h);
    }
}
