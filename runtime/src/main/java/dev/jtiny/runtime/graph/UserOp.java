// Which user-level op is being built right now, so graph nodes remember it (provenance for kernel logs).
package dev.jtiny.runtime.graph;

public final class UserOp implements AutoCloseable {
    private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();
    private final boolean outermost;

    private UserOp(String name) {
        outermost = CURRENT.get() == null;
        if (outermost) CURRENT.set(name);
    }

    /** Marks nodes created until close() as made by {@code name}; nested calls keep the outermost name. */
    public static UserOp enter(String name) { return new UserOp(name); }

    public static String current() { return CURRENT.get(); }

    @Override public void close() { if (outermost) CURRENT.remove(); }
}
