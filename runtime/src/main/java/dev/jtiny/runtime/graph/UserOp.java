// Which user-level op is being built right now, so graph nodes remember it (provenance for kernel logs), and how
// deep in library code the thread is (what decides whether a node is exposed to the user, see LazyBuffer#expose).
package dev.jtiny.runtime.graph;

public final class UserOp implements AutoCloseable {
    /**
     * The name and the scope depth on this thread, in a holder that stays in place: every op enters and leaves a
     * scope, and setting and removing a thread-local each time showed in eager code's profile.
     */
    private static final class State {
        String name;
        int depth;
    }

    private static final ThreadLocal<State> CURRENT = ThreadLocal.withInitial(State::new);
    private final State state;
    private final boolean set;
    private final String previous;

    private UserOp(String name, boolean replace, boolean names) {
        state = CURRENT.get();
        previous = state.name;
        set = names && (replace || previous == null);
        if (set) state.name = name;
        state.depth++;
    }

    /** Marks nodes created until close() as made by {@code name}; nested calls keep the outermost name. */
    public static UserOp enter(String name) { return new UserOp(name, false, true); }

    /** Marks nodes created until close() as made by {@code name} (may be null), whatever is being built around it. */
    public static UserOp as(String name) { return new UserOp(name, true, true); }

    /**
     * Library code (a backward pass, an optimizer's update, a model's run) whose intermediate tensors the caller never
     * sees: nodes made inside are not exposed unless the code says so. Names nothing.
     */
    public static UserOp internal() { return new UserOp(null, false, false); }

    public static String current() { return CURRENT.get().name; }

    /** How many scopes are open on this thread: 0 in the user's own code. */
    public static int depth() { return CURRENT.get().depth; }

    @Override public void close() {
        state.depth--;
        if (set) state.name = previous;
    }
}
