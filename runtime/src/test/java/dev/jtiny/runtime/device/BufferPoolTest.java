// The size-keyed pool of freed buffers: exact-size reuse, the byte limit, least-recently-used eviction.
package dev.jtiny.runtime.device;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class BufferPoolTest {
    final List<String> released = new ArrayList<>();
    final BufferPool<String> pool = new BufferPool<>(100, released::add);

    @Test
    void reusesOnlyExactSizes() {
        pool.give(40, "a40");
        assertNull(pool.take(39));
        assertNull(pool.take(41));
        assertEquals("a40", pool.take(40));
        assertNull(pool.take(40));
        assertEquals(0, pool.pooledBytes());
        assertEquals(List.of(), released);
    }

    @Test
    void evictsLeastRecentlyUsedSizesToStayWithinTheLimit() {
        pool.give(30, "a30");
        pool.give(40, "b40");
        pool.give(30, "c30"); // touches size 30, so 40 is now the least recently used size
        assertEquals(100, pool.pooledBytes());
        pool.give(20, "d20");
        assertEquals(List.of("b40"), released);
        assertEquals(80, pool.pooledBytes());
        assertEquals(3, pool.pooledCount());
        assertEquals("c30", pool.take(30), "the most recently freed of a size comes back first");
    }

    @Test
    void aBufferLargerThanTheLimitIsReleasedAtOnce() {
        pool.give(10, "small");
        pool.give(101, "huge");
        assertEquals(List.of("huge"), released);
        assertEquals(10, pool.pooledBytes());
    }

    @Test
    void releaseAllEmptiesThePool() {
        pool.give(10, "a");
        pool.give(20, "b");
        pool.give(10, "c");
        assertEquals(40, pool.releaseAll());
        assertEquals(3, released.size());
        assertEquals(0, pool.pooledBytes());
        assertEquals(0, pool.pooledCount());
        assertNull(pool.take(10));
    }
}
