// The record of every kernel launch and copy: what magics and tests read to see what the runtime did.
package dev.jtiny.runtime;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

public final class KernelLog {
    private static final int CAPACITY = 10_000;
    // A ring: adding past the capacity drops the oldest entry without moving the others.
    private static final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private static final AtomicLong sequence = new AtomicLong();

    private KernelLog() {}

    /**
     * One launch. {@code seconds} is NaN when the launch was not timed (DEBUG &lt; 2); copies have kind "copy".
     *
     * @param seq running number of this launch in the process
     */
    public record Entry(long seq, String kind, String name, String device, int[] global, int[] local, double seconds,
                        long flops, long bytes, List<String> fusedOps, List<String> opts, String source, String graph,
                        String linear) {
        public double gflops() { return seconds > 0 ? flops / seconds * 1e-9 : Double.NaN; }
        public double gbps() { return seconds > 0 ? bytes / seconds * 1e-9 : Double.NaN; }
    }

    public static synchronized Entry add(String kind, String name, String device, int[] global, int[] local, double seconds,
                                  long flops, long bytes, List<String> fusedOps, List<String> opts, String source,
                                  String graph, String linear) {
        Entry e = new Entry(sequence.incrementAndGet(), kind, name, device, global, local, seconds, flops, bytes,
                fusedOps, opts, source, graph, linear);
        entries.add(e);
        if (entries.size() > CAPACITY) entries.pollFirst();
        return e;
    }

    /**
     * A launch replayed from a recording (a JIT): logged like {@code recorded}'s launch, with this run's time. Replays
     * log only while launches are timed ({@link Trace#timed()}), so that an untimed replay allocates nothing.
     */
    public static Entry replayed(Entry recorded, double seconds) {
        return add(recorded.kind(), recorded.name(), recorded.device(), recorded.global(), recorded.local(), seconds,
                recorded.flops(), recorded.bytes(), recorded.fusedOps(), recorded.opts(), recorded.source(), recorded.graph(),
                recorded.linear());
    }

    /** Every entry still held, oldest first. */
    public static synchronized List<Entry> entries() { return List.copyOf(entries); }

    /** Entries after the given sequence number (e.g. since a cell started). */
    public static synchronized List<Entry> since(long seq) {
        List<Entry> after = new java.util.ArrayList<>();
        var newestFirst = entries.descendingIterator();
        while (newestFirst.hasNext()) {
            Entry e = newestFirst.next();
            if (e.seq <= seq) break;
            after.add(e);
        }
        return List.copyOf(after.reversed());
    }

    /** The sequence number of the newest entry, to pass to {@link #since} later. */
    public static long mark() { return sequence.get(); }

    public static synchronized void clear() { entries.clear(); }

}
