// Which user-level op is being built right now, so graph nodes remember it (provenance for kernel logs).
package dev.jtiny.runtime.graph;

public final class UserOp implements AutoCloseable {
    private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();
    private final boolean set;
    private final String previous;

    private UserOp(String name, boolean replace) {
        previous = CURRENT.get();
        set = replace || previous == null;
        if (set) CURRENT.set(name);
    }

    /** Marks nodes created until close() as made by {@code name}; nested calls keep the outermost name. */
    public static UserOp enter(String name) { return new UserOp(name, false); }

    /** Marks nodes created until close() as made by {@code name} (may be null), whatever is being built around it. */
    public static UserOp as(String name) { return new UserOp(name, true); }

    public static String current() { return CURRENT.get(); }

    @Override public void close() {
        if (!set) return;
        if (previous == null) CURRENT.remove();
        else CURRENT.set(previous);
    }
}
