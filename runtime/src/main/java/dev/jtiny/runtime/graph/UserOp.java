// Which user-level op is being built right now, so graph nodes remember it (provenance for kernel logs).
package dev.jtiny.runtime.graph;

public final class UserOp implements AutoCloseable {
    /**
     * The name on this thread, in a holder that stays in place: every op enters and leaves a scope, and setting and
     * removing a thread-local each time showed in eager code's profile.
     */
    private static final ThreadLocal<String[]> CURRENT = ThreadLocal.withInitial(() -> new String[1]);
    private final String[] holder;
    private final boolean set;
    private final String previous;

    private UserOp(String name, boolean replace) {
        holder = CURRENT.get();
        previous = holder[0];
        set = replace || previous == null;
        if (set) holder[0] = name;
    }

    /** Marks nodes created until close() as made by {@code name}; nested calls keep the outermost name. */
    public static UserOp enter(String name) { return new UserOp(name, false); }

    /** Marks nodes created until close() as made by {@code name} (may be null), whatever is being built around it. */
    public static UserOp as(String name) { return new UserOp(name, true); }

    public static String current() { return CURRENT.get()[0]; }

    @Override public void close() {
        if (set) holder[0] = previous;
    }
}
