// Remembers how a graph of a given structure was lowered, so that running the same computation on new data binds and launches only.
package dev.jtiny.runtime.engine;

import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Settings;
import dev.jtiny.runtime.graph.LazyBuffer;
import dev.jtiny.runtime.schedule.Scheduler;
import dev.jtiny.runtime.device.Device;
import dev.jtiny.runtime.view.ShapeTracker;
import dev.jtiny.runtime.view.View;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A notebook re-runs the same cell, a training loop builds the same step, a model runs on the next input: each
 * builds a new graph whose structure — ops, arguments, views, dtypes, devices, which nodes are realized inputs —
 * is the same as last time. The schedule, the kernels' plans and the compiled programs depend on that structure
 * alone, so they are kept here by it, and a later graph of the same structure skips scheduling, optimising,
 * rendering and compiling. The structure is read in one walk of the unrealized part of the graph; realized nodes
 * are inputs, numbered in the order the walk meets them, and only their dtype, device and shape count. Settings
 * overridden at run time that can change a lowering (everything but {@link #DISPLAY_ONLY}) are part of the key.
 */
final class ScheduleCache {
    /** Settings that change what is printed or checked at launch, never what is scheduled or rendered. */
    static final Set<String> DISPLAY_ONLY = Set.of("DEBUG", "PROFILE", "DEVICE", "JIT", "CHECKNAN", "SCHEDULECACHE");
    /** Plans kept; the least recently used is dropped beyond this. */
    static final int CAPACITY = 1024;

    private ScheduleCache() {}

    /**
     * A reference to a node: a pending base of the walk by its position in {@link Walk#pending}, an input of the
     * walk, or a temporary, a base the schedule added (a split reduction's partial sums) by its number in the plan.
     */
    record Ref(int index, Kind kind) {
        enum Kind { PENDING, INPUT, TEMP }

        /** The walk's node this names; not for temporaries, which have no node. */
        LazyBuffer in(Walk w) {
            return switch (kind) {
                case PENDING -> w.pending().get(index);
                case INPUT -> w.inputs().get(index);
                case TEMP -> throw new IllegalStateException("temporary " + index + " has no node in the graph");
            };
        }

        /** The reference as one number for the key: pending bases from 0 up, inputs from -1 down. */
        int code() { return kind == Kind.INPUT ? -1 - index : index; }
    }

    /** One step of a plan, as the schedule gave it, with nodes named by {@link Ref}. */
    sealed interface Step {}

    /** A kernel: its output, its argument bases (1..n), and everything its launch needs. */
    record KernelStep(Ref out, List<Ref> inputs, Realizer.Lowered lowered) implements Step {}

    record CopyStep(Ref out, Ref src) implements Step {}

    /**
     * What a structure lowers to: its steps in order, how many are kernels, how many temporaries they use, and the
     * library-made nodes its last run computed (see {@code Realizer.settle}).
     */
    record Plan(List<Step> steps, int kernels, int temps, Internals internals) {
        Plan(List<Step> steps, int kernels, int temps) { this(steps, kernels, temps, new Internals()); }
    }

    /** The nodes a plan's last run computed that only library code holds, weakly: they are released on its next run. */
    static final class Internals {
        private List<java.lang.ref.WeakReference<LazyBuffer>> held = List.of();

        /** What the last run held; the plan holds nothing until {@link #hold} is called again. */
        List<java.lang.ref.WeakReference<LazyBuffer>> take() {
            List<java.lang.ref.WeakReference<LazyBuffer>> h = held;
            held = List.of();
            return h;
        }

        void hold(List<java.lang.ref.WeakReference<LazyBuffer>> nodes) { held = nodes; }
    }

    /**
     * The structure of the graph behind the outputs, and its nodes in the order the structure numbers them.
     * {@code pending} is in the scheduler's order (sources first), so a {@link Ref} means the same node in every
     * graph with this key; {@code refs} gives each node's.
     */
    record Walk(Key key, Plan plan, List<LazyBuffer> pending, List<LazyBuffer> inputs, Map<LazyBuffer, Ref> refs) {}

    /**
     * The structure as a flat run of ints (ops, dtypes and devices by number, views and arguments spelled out) beside
     * the lowering settings, with its hash computed once: hashing and comparing it is a pass over one array, where a
     * list of records and boxed numbers took a fifth of an eager training step's host time.
     */
    static final class Key {
        final int[] code;
        final int length;
        final List<Object> settings;
        final int codeHash, hash;

        Key(int[] code, int length, int codeHash, List<Object> settings) {
            this.code = code;
            this.length = length;
            this.settings = settings;
            this.codeHash = codeHash;
            this.hash = codeHash * 31 + settings.hashCode();
        }

        /** This key with a code array of its own (a walk writes into one it reuses). */
        Key kept() { return new Key(Arrays.copyOf(code, length), length, codeHash, settings); }

        @Override public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && Arrays.equals(k.code, 0, k.length, code, 0, length)
                    && (k.settings == settings || k.settings.equals(settings));
        }

        @Override public int hashCode() { return hash; }
    }

    /** A growing int array: the key's code as the walk writes it. */
    private static final class Code {
        int[] a = new int[4096];
        int n, hash = 1;

        void add(int v) {
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            a[n++] = v;
            hash = 31 * hash + v;
        }

        void reset() {
            n = 0;
            hash = 1;
        }

        void add(int[] vs) {
            add(vs.length);
            for (int v : vs) add(v);
        }

        void add(ShapeTracker st) {
            List<View> views = st.views();
            add(views.size());
            for (View v : views) {
                add(v.shape());
                for (int s : v.strides()) add(s);
                add(v.offset());
                int[][] mask = v.mask();
                if (mask == null) add(-1);
                else for (int[] m : mask) { add(m[0]); add(m[1]); }
            }
        }

        /** An op's argument: a constant by its bits, a dtype or reduction axes by value, anything else by its number. */
        void addArg(Object arg) {
            switch (arg) {
                case null -> add(0);
                case Double d -> {
                    long bits = Double.doubleToLongBits(d);
                    add(1);
                    add((int) bits);
                    add((int) (bits >>> 32));
                }
                case DType t -> { add(2); add(t.ordinal()); }
                case int[] axes -> { add(3); add(axes); }
                default -> { add(4); add(numberOf(arg)); }
            }
        }
    }

    /** Device names, user ops and other arguments by number, so that the key holds ints only. */
    private static final Map<Object, Integer> numbers = new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.util.concurrent.atomic.AtomicInteger lastNumber = new java.util.concurrent.atomic.AtomicInteger();

    private static int numberOf(Object o) {
        Integer n = numbers.get(o);
        return n != null ? n : numbers.computeIfAbsent(o, k -> lastNumber.incrementAndGet());
    }

    private static final Map<Key, Plan> plans = new LinkedHashMap<>(64, 0.75f, true) {
        @Override protected boolean removeEldestEntry(Map.Entry<Key, Plan> eldest) { return size() > CAPACITY; }
    };
    private static long settingsVersion = -1;
    private static List<Object> settings = List.of();

    /** SCHEDULECACHE=0 turns the cache off: every realize schedules and lowers its graph (for comparisons). */
    static boolean enabled() { return Settings.SCHEDULECACHE.getInt() > 0; }

    static synchronized Plan get(Key key) { return plans.get(key); }

    static synchronized void put(Key key, Plan plan) { plans.put(key, plan); }

    static synchronized void clear() { plans.clear(); }

    /** The code array walks write into, grown to the largest graph seen; a walk runs under the realizer's lock. */
    private static final Code scratch = new Code();
    private static int lastNodes = 64;

    /**
     * Walks the unrealized graph behind {@code outputs} in the scheduler's order and looks its structure up: the
     * walk carries the plan found, or (on a miss) the key to keep the new plan under.
     */
    static Walk walk(List<LazyBuffer> outputs) {
        List<LazyBuffer> pending = new ArrayList<>(lastNodes), inputs = new ArrayList<>();
        Map<LazyBuffer, Ref> refs = new IdentityHashMap<>(lastNodes * 2);
        Code code = scratch;
        code.reset();
        for (LazyBuffer o : outputs) code.add(visit(o.base, refs, pending, inputs, code).code());
        lastNodes = Math.max(64, pending.size() + inputs.size());
        Key probe = new Key(code.a, code.n, code.hash, settings());
        Plan plan = get(probe);
        return new Walk(plan != null ? null : probe.kept(), plan, pending, inputs, refs);
    }

    /** Numbers {@code b} and, first, its unrealized sources; adds each newly numbered node's parts to the key. */
    private static Ref visit(LazyBuffer b, Map<LazyBuffer, Ref> refs, List<LazyBuffer> pending, List<LazyBuffer> inputs,
                             Code code) {
        Ref known = refs.get(b);
        if (known != null) return known;
        if (b.isRealized()) {
            Ref r = new Ref(inputs.size(), Ref.Kind.INPUT);
            inputs.add(b);
            refs.put(b, r);
            code.add(-1);
            code.add(b.dtype.ordinal());
            code.add(numberOf(b.device));
            code.add(b.st);
            return r;
        }
        List<LazyBuffer> srcs = b.srcs();
        Ref[] srcRefs = new Ref[srcs.size()];
        for (int i = 0; i < srcRefs.length; i++) srcRefs[i] = visit(srcs.get(i).base, refs, pending, inputs, code);
        Ref r = new Ref(pending.size(), Ref.Kind.PENDING);
        pending.add(b);
        refs.put(b, r);
        code.add(-2);
        code.add(b.op.ordinal());
        code.add(b.dtype.ordinal());
        code.add(numberOf(b.device));
        code.add(b.st);
        code.addArg(b.arg);
        code.add(b.userOp == null ? 0 : numberOf(b.userOp));
        code.add(srcs.size());
        for (int i = 0; i < srcRefs.length; i++) {
            LazyBuffer src = srcs.get(i);
            code.add(srcRefs[i].code());
            if (src == src.base) code.add(-3); // the base itself: its tracker is in its own entry
            else code.add(src.st);
        }
        return r;
    }

    /** The run-time setting overrides that can change a lowering, read again only when one changed. */
    static synchronized List<Object> settings() {
        long v = Config.version();
        if (v != settingsVersion) {
            List<Object> s = new ArrayList<>();
            Config.overrides().forEach((k, val) -> { if (!DISPLAY_ONLY.contains(k)) Collections.addAll(s, k, val); });
            settings = List.copyOf(s);
            settingsVersion = v;
        }
        return settings;
    }

    /**
     * The plan of a schedule just run on {@code walk}'s graph, from its items, what each kernel was lowered to, and
     * the schedule's rewrite (a replaced base is named by the node it stands for; a base the rewrite added is a
     * temporary). Null where a step names a node the plan cannot name again, or an empty output: nothing is kept.
     */
    static Plan plan(Walk walk, List<Scheduler.Item> items, Map<Scheduler.Item, Realizer.Lowered> lowered,
                     Map<LazyBuffer, LazyBuffer> rewritten) {
        Map<LazyBuffer, Ref> refs = new IdentityHashMap<>(walk.refs());
        rewritten.forEach((was, now) -> {
            Ref r = walk.refs().get(was);
            if (r != null) refs.put(now, r);
        });
        List<Step> steps = new ArrayList<>(items.size());
        int kernels = 0, temps = 0;
        for (Scheduler.Item item : items) {
            switch (item) {
                case Scheduler.KernelItem k -> {
                    Realizer.Lowered l = lowered.get(item);
                    if (l == null) return null;
                    List<Ref> in = new ArrayList<>(k.inputs().size());
                    for (LazyBuffer b : k.inputs()) {
                        Ref r = refs.get(b);
                        if (r == null) return null;
                        in.add(r);
                    }
                    Ref out = refs.get(item.out());
                    if (out == null) {
                        out = new Ref(temps++, Ref.Kind.TEMP);
                        refs.put(item.out(), out);
                    }
                    steps.add(new KernelStep(out, List.copyOf(in), l));
                    kernels++;
                }
                case Scheduler.CopyItem c -> {
                    Ref out = refs.get(c.out()), src = refs.get(c.src().base);
                    if (out == null || src == null || out.kind() == Ref.Kind.TEMP || src.kind() == Ref.Kind.TEMP) return null;
                    steps.add(new CopyStep(out, src));
                }
            }
        }
        return new Plan(List.copyOf(steps), kernels, temps);
    }

    /** Whether every program of the plan belongs to the device now open under its name (a device may be reopened). */
    static boolean current(Plan plan) {
        for (Step s : plan.steps()) {
            if (s instanceof KernelStep k) {
                Device d = k.lowered().device();
                Device now;
                try {
                    now = Devices.get(d.name());
                } catch (RuntimeException gone) {
                    return false;
                }
                if (now != d) return false;
            }
        }
        return true;
    }
}
