// The tensor DSL: lazy tensors whose ops build a graph the runtime fuses into few kernels when a value is needed.
package dev.jtiny;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.engine.Devices;
import dev.jtiny.runtime.graph.LazyBuffer;
import dev.jtiny.runtime.Op;
import dev.jtiny.runtime.engine.Realizer;
import dev.jtiny.runtime.graph.UserOp;
import dev.jtiny.runtime.view.View;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * A tensor: shape, dtype, device and a node of the lazy graph. Ops return new tensors and compute nothing;
 * {@link #realize()}, {@link #toFloatArray()}, {@link #item()} and printing run the kernels. Ops follow tinygrad's
 * meanings in camelCase; every binary op takes a tensor or a scalar and broadcasts like numpy.
 */
public final class Tensor implements AutoCloseable {
    private static final double LOG2_E = 1.4426950408889634;
    private static final double LN_2 = 0.6931471805599453;
    private static SplittableRandom random = new SplittableRandom(0);

    /** The graph node; replaced (not mutated) by {@link #assign}. */
    LazyBuffer lb;

    // Autograd: a tensor that needs a gradient remembers its inputs and the rule that sends gradients back to them.
    private boolean requiresGrad;
    private Tensor grad;
    private Tensor[] parents;
    /** The inputs' and the output's graph nodes when this node was made: assign() may later point them elsewhere. */
    private LazyBuffer[] inputsAtCreation;
    private LazyBuffer outAtCreation;
    private Grad.Rule rule;
    private static final ThreadLocal<int[]> NO_GRAD = ThreadLocal.withInitial(() -> new int[1]);
    /** While a {@link Jit} captures, it hears of every assign: the tensors a step updates (its state). */
    static final ThreadLocal<java.util.function.BiConsumer<Tensor, LazyBuffer>> ON_ASSIGN = new ThreadLocal<>();

    Tensor(LazyBuffer lb) { this.lb = lb; }

    /** The result of a primitive over {@code in}: tracked for autograd when any input needs a gradient. */
    private static Tensor derived(LazyBuffer out, Grad.Rule rule, Tensor... in) {
        Tensor t = new Tensor(out);
        if (NO_GRAD.get()[0] == 0 && out.dtype.isFloat()) {
            for (Tensor p : in) {
                if (p.requiresGrad) {
                    t.requiresGrad = true;
                    t.parents = in;
                    t.rule = rule;
                    t.outAtCreation = out;
                    t.inputsAtCreation = new LazyBuffer[in.length];
                    for (int i = 0; i < in.length; i++) t.inputsAtCreation[i] = in[i].lb;
                    break;
                }
            }
        }
        return t;
    }

    /** The runtime node behind this tensor (for magics and tools). */
    public LazyBuffer lazyBuffer() { return lb; }

    private static <R> R op(String name, Supplier<R> body) {
        try (UserOp ignored = UserOp.enter(name)) {
            return body.get();
        }
    }

    // ================================================================ creation

    public static Tensor of(float... data) { return of(data, data.length); }

    public static Tensor of(float[] data, int... shape) {
        checkSize("of", data.length, shape);
        return fromHost(data.clone(), DType.FLOAT32, shape);
    }

    public static Tensor of(float[][] rows) {
        int n = rows.length, m = n == 0 ? 0 : rows[0].length;
        float[] flat = new float[n * m];
        for (int i = 0; i < n; i++) {
            if (rows[i].length != m) throw new IllegalArgumentException("of: row " + i + " has " + rows[i].length + " values, expected " + m + " like row 0");
            System.arraycopy(rows[i], 0, flat, i * m, m);
        }
        return fromHost(flat, DType.FLOAT32, new int[]{n, m});
    }

    public static Tensor of(float[][][] planes) {
        int a = planes.length, b = a == 0 ? 0 : planes[0].length, c = b == 0 ? 0 : planes[0][0].length;
        float[] flat = new float[a * b * c];
        for (int i = 0; i < a; i++) {
            if (planes[i].length != b) throw new IllegalArgumentException("of: plane " + i + " has " + planes[i].length + " rows, expected " + b);
            for (int j = 0; j < b; j++) {
                if (planes[i][j].length != c) throw new IllegalArgumentException("of: row [" + i + "][" + j + "] has " + planes[i][j].length + " values, expected " + c);
                System.arraycopy(planes[i][j], 0, flat, (i * b + j) * c, c);
            }
        }
        return fromHost(flat, DType.FLOAT32, new int[]{a, b, c});
    }

    public static Tensor of(double[] data, int... shape) {
        float[] f = new float[data.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) data[i];
        return of(f, shape);
    }

    /** Values converted to {@code dtype}: rounded to nearest for floats, truncated toward zero for integer types. */
    public static Tensor of(double[] data, DType dtype, int... shape) {
        checkSize("of", data.length, shape);
        Object host = dtype.newHostArray(data.length);
        for (int i = 0; i < data.length; i++) dtype.write(host, i, data[i]);
        return fromHost(host, dtype, shape);
    }

    public static Tensor of(float[] data, DType dtype, int... shape) {
        double[] d = new double[data.length];
        for (int i = 0; i < d.length; i++) d[i] = data[i];
        return of(d, dtype, shape);
    }

    /** float64 values (of(double[], shape) makes float32, the default dtype). */
    public static Tensor ofDoubles(double... data) { return ofDoubles(data, data.length); }

    public static Tensor ofDoubles(double[] data, int... shape) {
        checkSize("ofDoubles", data.length, shape);
        return fromHost(data.clone(), DType.FLOAT64, shape);
    }

    /** int64 values. */
    public static Tensor of(long[] data, int... shape) {
        checkSize("of", data.length, shape);
        return fromHost(data.clone(), DType.INT64, shape);
    }

    public static Tensor ofLongs(long... data) { return of(data, data.length); }

    /** int8 or uint8 values (for uint8 a byte holds 0..255: {@code (byte) 255} is 255), or bools (non-zero is true). */
    public static Tensor of(byte[] data, DType dtype, int... shape) {
        if (dtype != DType.INT8 && dtype != DType.UINT8 && dtype != DType.BOOL) {
            throw new IllegalArgumentException("of: byte[] data makes an int8, uint8 or bool tensor, not " + dtype
                    + "; convert with of(double[], dtype, shape) instead");
        }
        checkSize("of", data.length, shape);
        byte[] b = data.clone();
        if (dtype == DType.BOOL) for (int i = 0; i < b.length; i++) b[i] = (byte) (b[i] != 0 ? 1 : 0);
        return fromHost(b, dtype, shape);
    }

    /** float16 or bfloat16 values given as their 16-bit patterns (as files such as safetensors store them). */
    public static Tensor ofBits(short[] bits, DType dtype, int... shape) {
        if (dtype != DType.FLOAT16 && dtype != DType.BFLOAT16) {
            throw new IllegalArgumentException("ofBits: 16-bit patterns make a float16 or bfloat16 tensor, not " + dtype);
        }
        checkSize("ofBits", bits.length, shape);
        return fromHost(bits.clone(), dtype, shape);
    }

    public static Tensor of(int[] data, int... shape) {
        checkSize("of", data.length, shape);
        return fromHost(data.clone(), DType.INT32, shape);
    }

    public static Tensor ofInts(int... data) { return of(data, data.length); }

    public static Tensor of(boolean[] data, int... shape) {
        checkSize("of", data.length, shape);
        byte[] b = new byte[data.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (data[i] ? 1 : 0);
        return fromHost(b, DType.BOOL, shape);
    }

    /** A 0-dimensional tensor holding one value. */
    public static Tensor scalar(double value) { return full(new int[0], value); }

    private static void checkSize(String op, int n, int[] shape) {
        for (int s : shape) if (s < 0) throw new IllegalArgumentException(op + ": negative dimension in shape " + Arrays.toString(shape));
        if (View.numel(shape) != n) {
            throw new IllegalArgumentException(op + ": " + n + " values do not fill shape " + Arrays.toString(shape) + " (" + View.numel(shape) + " elements)");
        }
    }

    private static Tensor fromHost(Object data, DType dtype, int[] shape) {
        return new Tensor(LazyBuffer.fromHost(data, dtype, shape.clone(), Devices.defaultName()));
    }

    public static Tensor full(int[] shape, double value) { return full(shape, value, DType.FLOAT32); }

    public static Tensor full(int[] shape, double value, DType dtype) {
        checkShape("full", shape);
        return new Tensor(LazyBuffer.constant(value, dtype, shape.clone(), Devices.defaultName()));
    }

    /** A constant on a given device ("JAVA", "OPENCL:0", …): costs no memory or copy until something stores it. */
    public static Tensor full(int[] shape, double value, DType dtype, String device) {
        checkShape("full", shape);
        return new Tensor(LazyBuffer.constant(value, dtype, shape.clone(), Devices.canonical(device)));
    }

    public static Tensor zeros(int... shape) { return full(shape, 0); }
    public static Tensor ones(int... shape) { return full(shape, 1); }

    /** Integers 0, 1, …, n-1 (int32). */
    public static Tensor arange(int n) { return arange(0, n, 1); }

    /** Integers start, start+step, … below stop (int32). */
    public static Tensor arange(int start, int stop, int step) {
        if (step == 0) throw new IllegalArgumentException("arange: step must not be 0");
        int n = Math.max(0, (int) Math.ceil((stop - start) / (double) step));
        int[] values = new int[n];
        for (int i = 0; i < n; i++) values[i] = start + i * step;
        return of(values, n);
    }

    /** Floats start, start+step, … below stop (float32). */
    public static Tensor arange(double start, double stop, double step) {
        if (step == 0) throw new IllegalArgumentException("arange: step must not be 0");
        int n = Math.max(0, (int) Math.ceil((stop - start) / step));
        return op("arange", () -> arange(n).cast(DType.FLOAT32).mul(step).add(start));
    }

    /** {@code steps} evenly spaced floats from start to stop inclusive. */
    public static Tensor linspace(double start, double stop, int steps) {
        if (steps < 1) throw new IllegalArgumentException("linspace: steps must be at least 1, got " + steps);
        if (steps == 1) return full(new int[]{1}, start);
        double step = (stop - start) / (steps - 1);
        return op("linspace", () -> arange(steps).cast(DType.FLOAT32).mul(step).add(start));
    }

    public static Tensor eye(int n) { return eye(n, n); }

    /** n×m identity: ones where row == column. */
    public static Tensor eye(int n, int m) {
        return op("eye", () -> arange(n).reshape(n, 1).eq(arange(m).reshape(1, m)).cast(DType.FLOAT32));
    }

    public static void manualSeed(long seed) { random = new SplittableRandom(seed); }

    /** Uniform floats in [0, 1). */
    public static Tensor rand(int... shape) {
        checkShape("rand", shape);
        float[] d = new float[(int) View.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = (float) random.nextDouble();
        return fromHost(d, DType.FLOAT32, shape);
    }

    /** Standard normal floats. */
    public static Tensor randn(int... shape) {
        checkShape("randn", shape);
        float[] d = new float[(int) View.numel(shape)];
        for (int i = 0; i < d.length; i += 2) {
            // Box-Muller: two normals from two uniforms.
            double u1 = 1.0 - random.nextDouble(), u2 = random.nextDouble();
            double rr = Math.sqrt(-2 * Math.log(u1));
            d[i] = (float) (rr * Math.cos(2 * Math.PI * u2));
            if (i + 1 < d.length) d[i + 1] = (float) (rr * Math.sin(2 * Math.PI * u2));
        }
        return fromHost(d, DType.FLOAT32, shape);
    }

    private static void checkShape(String op, int[] shape) {
        for (int s : shape) if (s < 0) throw new IllegalArgumentException(op + ": negative dimension in shape " + Arrays.toString(shape));
    }

    // ================================================================ properties

    public int[] shape() { return lb.shape().clone(); }
    public int ndim() { return lb.shape().length; }
    public long numel() { return lb.numel(); }
    public DType dtype() { return lb.dtype; }
    public String device() { return lb.device; }
    public boolean isRealized() { return lb.isRealized(); }

    public int size(int axis) { return lb.shape()[axis(axis)]; }

    private int axis(int a) {
        int n = ndim();
        if (a < -n || a >= Math.max(n, 1)) {
            String op = UserOp.current();
            throw new IllegalArgumentException((op == null ? "" : op + ": ") + "axis " + a + " is out of range for a tensor of shape "
                    + Arrays.toString(shape()) + " (expected " + (n == 0 ? "0" : -n + " to " + (n - 1)) + ")");
        }
        return a < 0 ? a + n : a;
    }

    // ================================================================ autograd

    /** Marks this tensor as a leaf whose gradient {@link #backward} computes (float tensors only). Returns this. */
    public Tensor requiresGrad(boolean on) {
        if (on && !lb.dtype.isFloat()) {
            throw new IllegalArgumentException("requiresGrad: only float tensors (float32, float64, float16, bfloat16) have gradients, this one is " + lb.dtype);
        }
        if (on && parents != null) {
            throw new IllegalArgumentException("requiresGrad: this tensor is computed from others; call it on the leaf tensors (parameters) instead, or on detach()");
        }
        requiresGrad = on;
        return this;
    }

    public boolean requiresGrad() { return requiresGrad; }

    /** The accumulated gradient of a leaf after {@link #backward}, or null. Lazy, like every tensor. */
    public Tensor grad() { return grad; }

    /** Sets (or clears, with null) the accumulated gradient, e.g. to zero it between steps. */
    public void setGrad(Tensor g) {
        if (g != null && !Arrays.equals(g.lb.shape(), lb.shape())) {
            throw new IllegalArgumentException("setGrad: gradient shape " + Arrays.toString(g.shape()) + " differs from the tensor's " + Arrays.toString(shape()));
        }
        grad = g;
    }

    /** The same values, cut off from the graph: no gradient flows through it. */
    public Tensor detach() { return new Tensor(lb); }

    /**
     * Replaces this tensor's value with {@code value}'s (same shape), lazily, keeping the object: how optimizers
     * update parameters. The tensor stays a leaf and keeps requiresGrad.
     */
    public Tensor assign(Tensor value) {
        if (!Arrays.equals(value.lb.shape(), lb.shape())) {
            throw new IllegalArgumentException("assign: value shape " + Arrays.toString(value.shape()) + " differs from the tensor's " + Arrays.toString(shape()));
        }
        sameDevice("assign", value);
        java.util.function.BiConsumer<Tensor, LazyBuffer> hook = ON_ASSIGN.get();
        if (hook != null) hook.accept(this, lb);
        lb = value.cast(lb.dtype).lb;
        return this;
    }

    /** Within this scope no graph is recorded for gradients: {@code try (var g = Tensor.noGrad()) { ... }}. */
    public static AutoCloseable noGrad() {
        int[] depth = NO_GRAD.get();
        depth[0]++;
        return () -> depth[0]--;
    }

    /** Runs {@code body} without recording gradients and returns its result. */
    public static <R> R noGrad(Supplier<R> body) {
        int[] depth = NO_GRAD.get();
        depth[0]++;
        try {
            return body.get();
        } finally {
            depth[0]--;
        }
    }

    /**
     * Computes d(this)/d(leaf) for every leaf that requires a gradient and adds it to the leaf's {@link #grad()}.
     * This tensor must hold a single value (a loss). Calling it again (or on another loss sharing part of the graph)
     * adds the new gradients to the old ones, as accumulation should.
     */
    public void backward() {
        if (numel() != 1) {
            throw new IllegalArgumentException("backward: the tensor has shape " + Arrays.toString(shape())
                    + "; backward() needs a single value such as a loss (reduce it first, e.g. .sum() or .mean())");
        }
        if (!requiresGrad) {
            throw new IllegalStateException("backward: nothing in this tensor's graph requires a gradient; mark the leaves "
                    + "(parameters) with requiresGrad(true) before computing from them");
        }
        List<Tensor> order = new ArrayList<>();
        java.util.Set<Tensor> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        topo(this, seen, order);
        java.util.Map<Tensor, Tensor> grads = new java.util.IdentityHashMap<>();
        grads.put(this, onesLike().cast(lb.dtype.isFloat() ? lb.dtype : DType.FLOAT32));
        noGrad(() -> {
            for (int i = order.size() - 1; i >= 0; i--) {
                Tensor node = order.get(i);
                Tensor g = grads.remove(node);
                if (g == null) continue;
                if (node.parents == null) {
                    node.grad = node.grad == null ? g : node.grad.add(g);
                    continue;
                }
                Tensor[] in = new Tensor[node.parents.length];
                for (int k = 0; k < in.length; k++) in[k] = new Tensor(node.inputsAtCreation[k]);
                Tensor[] pg = node.rule.apply(g, new Tensor(node.outAtCreation), in);
                for (int k = 0; k < node.parents.length; k++) {
                    Tensor p = node.parents[k];
                    if (!p.requiresGrad || pg[k] == null) continue;
                    grads.merge(p, pg[k], Tensor::add);
                }
            }
            return null;
        });
        // The graph stays: a second backward (of this loss or of another sharing part of it) adds up correctly.
        // It is freed with the tensors, as soon as the loss and its intermediates are unreachable.
    }

    /** Nodes that need a gradient, inputs before the tensors made from them; iterative so deep graphs are fine. */
    private static void topo(Tensor root, java.util.Set<Tensor> seen, List<Tensor> order) {
        java.util.ArrayDeque<Object[]> stack = new java.util.ArrayDeque<>();
        stack.push(new Object[]{root, 0});
        seen.add(root);
        while (!stack.isEmpty()) {
            Object[] top = stack.peek();
            Tensor t = (Tensor) top[0];
            int next = (int) top[1];
            if (t.parents != null && next < t.parents.length) {
                top[1] = next + 1;
                Tensor p = t.parents[next];
                if (p.requiresGrad && seen.add(p)) stack.push(new Object[]{p, 0});
            } else {
                stack.pop();
                order.add(t);
            }
        }
    }

    // ================================================================ realize and read back

    /** Runs the kernels that compute this tensor now; returns this. */
    public Tensor realize() {
        Realizer.realize(List.of(lb));
        return this;
    }

    /** Realizes several tensors in one schedule (kernels they share run once). */
    public static void realize(Tensor... ts) {
        List<LazyBuffer> l = new ArrayList<>();
        for (Tensor t : ts) l.add(t.lb);
        Realizer.realize(l);
    }

    /**
     * Frees this tensor's device memory now instead of when it becomes unreachable (views of it share the memory
     * and are freed with it). Using the tensor afterwards is an error that says so.
     */
    @Override public void close() {
        var b = lb.buffer();
        if (b != null) b.close();
    }

    /** A tensor guaranteed to get a buffer of its own when realized (ends fusion here). */
    public Tensor contiguous() { return op("contiguous", () -> derived(lb.contiguous(), Grad.identity(), this)); }

    /** The same values on another device ("JAVA", "OPENCL:0", …). */
    public Tensor to(String device) {
        String d = Devices.canonical(device);
        if (d.equals(lb.device)) return this;
        Devices.get(d);
        return op("to", () -> derived(lb.copyTo(d), Grad.copy(), this));
    }

    private Object hostData() {
        LazyBuffer c = lb.contiguous();
        Realizer.realize(List.of(c));
        return c.buffer().copyOut();
    }

    /** All values, row-major, as floats (rounded to nearest from float64 and int64). */
    public float[] toFloatArray() {
        Object h = hostData();
        if (h instanceof float[] f) return f;
        float[] r = new float[java.lang.reflect.Array.getLength(h)];
        if (h instanceof long[] l) for (int k = 0; k < r.length; k++) r[k] = l[k];
        else for (int k = 0; k < r.length; k++) r[k] = (float) lb.dtype.read(h, k);
        return r;
    }

    /** All values, row-major, as ints (floats truncate toward zero, int64 keeps its low 32 bits). */
    public int[] toIntArray() {
        Object h = hostData();
        if (h instanceof int[] i) return i;
        int[] r = new int[java.lang.reflect.Array.getLength(h)];
        if (h instanceof long[] l) for (int k = 0; k < r.length; k++) r[k] = (int) l[k];
        else for (int k = 0; k < r.length; k++) r[k] = (int) lb.dtype.read(h, k);
        return r;
    }

    /** All values, row-major, as doubles (exact but for int64 beyond 2^53). */
    public double[] toDoubleArray() {
        Object h = hostData();
        if (h instanceof double[] d) return d;
        double[] r = new double[java.lang.reflect.Array.getLength(h)];
        for (int k = 0; k < r.length; k++) r[k] = lb.dtype.read(h, k);
        return r;
    }

    /** All values, row-major, as longs (floats truncate toward zero). */
    public long[] toLongArray() {
        Object h = hostData();
        if (h instanceof long[] l) return l;
        long[] r = new long[java.lang.reflect.Array.getLength(h)];
        for (int k = 0; k < r.length; k++) r[k] = lb.dtype.readLong(h, k);
        return r;
    }

    public boolean[] toBooleanArray() {
        Object h = hostData();
        boolean[] r = new boolean[java.lang.reflect.Array.getLength(h)];
        for (int i = 0; i < r.length; i++) r[i] = h instanceof long[] l ? l[i] != 0 : lb.dtype.read(h, i) != 0;
        return r;
    }

    /** The single value of a one-element tensor. */
    public float item() {
        if (numel() != 1) throw new IllegalArgumentException("item: the tensor has " + numel() + " elements (shape " + Arrays.toString(shape()) + "), expected exactly 1");
        return toFloatArray()[0];
    }

    /** Values and all: realizes the tensor. */
    @Override public String toString() { return TensorFormat.format(this); }

    /** Shape, dtype, device and whether it is computed yet, without computing anything. */
    public String describe() {
        return "Tensor(shape=" + Arrays.toString(shape()) + ", dtype=" + dtype() + ", device=" + device() + ", "
                + (isRealized() ? "realized" : "lazy") + ")";
    }

    // ================================================================ broadcasting and scalars

    private Tensor constLike(double v) { return new Tensor(LazyBuffer.constant(v, lb.dtype, lb.shape(), lb.device)); }

    /** A scalar as a tensor of this tensor's dtype (floats promote ints when the value has a fraction). */
    private Tensor scalarOperand(double v) {
        DType dt = lb.dtype;
        if (!dt.isFloat() && v != Math.rint(v)) dt = DType.FLOAT32;
        else if (dt == DType.BOOL && v != 0 && v != 1) dt = DType.INT32;
        return new Tensor(LazyBuffer.constant(v, dt, new int[0], lb.device));
    }

    /** Shapes broadcast from the right; sizes must match or be 1. */
    static int[] broadcastShape(String op, int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            int x = i - (n - a.length) >= 0 ? a[i - (n - a.length)] : 1;
            int y = i - (n - b.length) >= 0 ? b[i - (n - b.length)] : 1;
            if (x != y && x != 1 && y != 1) {
                throw new IllegalArgumentException(op + ": shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " cannot broadcast (dimension " + i + ": " + x + " vs " + y + ")");
            }
            r[i] = x == 1 ? y : x;
        }
        return r;
    }

    /** This tensor broadcast to {@code shape} (adding leading dimensions as needed). */
    public Tensor broadcastTo(int... shape) { return broadcastTo("broadcastTo", shape); }

    private Tensor broadcastTo(String op, int[] shape) {
        int[] s = lb.shape();
        if (Arrays.equals(s, shape)) return this;
        if (shape.length < s.length) throw new IllegalArgumentException(op + ": cannot broadcast " + Arrays.toString(s) + " to fewer dimensions " + Arrays.toString(shape));
        broadcastShape(op, s, shape);
        int[] padded = new int[shape.length];
        Arrays.fill(padded, 1);
        System.arraycopy(s, 0, padded, shape.length - s.length, s.length);
        for (int i = 0; i < shape.length; i++) {
            if (padded[i] != shape[i] && padded[i] != 1) {
                throw new IllegalArgumentException(op + ": cannot broadcast " + Arrays.toString(s) + " to " + Arrays.toString(shape)
                        + " (dimension " + i + " has size " + padded[i] + "; only size-1 dimensions broadcast)");
            }
        }
        Tensor r = derived(lb.reshape(padded), Grad.reshape(), this);
        return derived(r.lb.expand(shape.clone()), Grad.expand(), r);
    }

    private Tensor sameDevice(String op, Tensor o) {
        if (!o.lb.device.equals(lb.device)) {
            throw new IllegalArgumentException(op + ": operands are on different devices (" + lb.device + " and " + o.lb.device + "); move one with to(\"" + lb.device + "\")");
        }
        return o;
    }

    private Tensor binary(String name, Op op, Tensor o) {
        sameDevice(name, o);
        int[] shape = broadcastShape(name, lb.shape(), o.lb.shape());
        DType dt = DType.promote(lb.dtype, o.lb.dtype);
        Tensor a = this.cast(dt).broadcastTo(shape), b = o.cast(dt).broadcastTo(shape);
        return a.alu(op, b);
    }

    // ================================================================ elementwise

    public Tensor add(Tensor o) { return op("add", () -> binary("add", Op.ADD, o)); }
    public Tensor add(double v) { return op("add", () -> binary("add", Op.ADD, scalarOperand(v))); }
    public Tensor sub(Tensor o) {
        return op("sub", () -> {
            DType dt = DType.promote(lb.dtype, o.lb.dtype); // before negating: -x of a uint8 is not -x of an int32
            return cast(dt).binary("sub", Op.ADD, o.cast(dt).neg());
        });
    }
    public Tensor sub(double v) { return op("sub", () -> binary("sub", Op.ADD, scalarOperand(-v))); }
    public Tensor mul(Tensor o) { return op("mul", () -> binary("mul", Op.MUL, o)); }
    public Tensor mul(double v) { return op("mul", () -> binary("mul", Op.MUL, scalarOperand(v))); }

    /** True division; ints divide as float32, float16 and bfloat16 in float32 (rounded once, at the end). */
    public Tensor div(Tensor o) {
        return op("div", () -> {
            DType dt = DType.promote(floatType(lb.dtype), floatType(o.lb.dtype));
            Tensor a = this.cast(dt.computeType()), b = o.cast(dt.computeType());
            return a.binary("div", Op.MUL, b.alu(Op.RECIP)).cast(dt);
        });
    }

    public Tensor div(double v) { return op("div", () -> inFloat(x -> x.mul(1.0 / v))); }

    /** Integer division truncating toward zero (C's {@code /}, not Python's {@code //}); integer operands only. */
    public Tensor idiv(Tensor o) {
        return op("idiv", () -> {
            DType dt = DType.promote(lb.dtype, o.lb.dtype);
            if (!dt.isInt()) throw new IllegalArgumentException("idiv: needs integer operands, got " + lb.dtype + " and " + o.lb.dtype + "; use div for floats");
            return binary("idiv", Op.IDIV, o);
        });
    }

    /**
     * The remainder with the sign of the dividend (C's {@code %} and {@code fmod}): {@code x - trunc(x / y) * y}.
     * Integers use the integer remainder; floats compute it from a truncated quotient.
     */
    public Tensor fmod(Tensor o) {
        return op("fmod", () -> {
            DType dt = DType.promote(lb.dtype, o.lb.dtype);
            if (dt.isFloat()) return sub(div(o).trunc().mul(o));
            if (!dt.isInt()) throw new IllegalArgumentException("fmod: needs numeric operands, got " + lb.dtype + " and " + o.lb.dtype);
            return binary("fmod", Op.MOD, o);
        });
    }

    /** {@code v - this} and {@code v / this}, for scalars on the left. */
    public Tensor rsub(double v) { return op("sub", () -> neg().add(v)); }
    public Tensor rdiv(double v) { return op("div", () -> reciprocal().mul(v)); }

    public Tensor neg() {
        return op("neg", () -> lb.dtype == DType.BOOL ? alu(Op.NEG) : alu(Op.MUL, constLike(-1)));
    }

    private Tensor unaryFloat(Op op) { return inFloat(x -> x.alu(op)); }

    /** The float type an op on {@code t} gives: {@code t} itself for floats, float32 for integers and bools. */
    private static DType floatType(DType t) { return t.isFloat() ? t : DType.FLOAT32; }

    /**
     * {@code f} applied to this tensor in the type its float ops compute in (float64 in float64; float16, bfloat16
     * and non-floats in float32), with the result cast to {@link #floatType}: one rounding, at the end.
     */
    private Tensor inFloat(java.util.function.UnaryOperator<Tensor> f) {
        DType out = floatType(lb.dtype);
        return f.apply(cast(out.computeType())).cast(out);
    }

    /** An order-reversing map that cannot overflow: -x for floats, ~x for integers (bools: not). */
    private Tensor flipOrder() { return lb.dtype.isFloat() ? neg() : alu(Op.XOR, constLike(-1)); }

    /** An elementwise primitive over this tensor and others of the same shape. */
    private Tensor alu(Op op, Tensor... others) {
        Tensor[] in = new Tensor[others.length + 1];
        in[0] = this;
        System.arraycopy(others, 0, in, 1, others.length);
        LazyBuffer[] o = new LazyBuffer[others.length];
        for (int i = 0; i < o.length; i++) o[i] = others[i].lb;
        return derived(lb.alu(op, o), Grad.alu(op), in);
    }

    public Tensor exp2() { return op("exp2", () -> unaryFloat(Op.EXP2)); }
    public Tensor log2() { return op("log2", () -> unaryFloat(Op.LOG2)); }
    public Tensor exp() { return op("exp", () -> inFloat(x -> x.mul(LOG2_E).exp2())); }
    public Tensor log() { return op("log", () -> inFloat(x -> x.log2().mul(LN_2))); }
    public Tensor sqrt() { return op("sqrt", () -> unaryFloat(Op.SQRT)); }
    public Tensor rsqrt() { return op("rsqrt", () -> sqrt().reciprocal()); }
    public Tensor reciprocal() { return op("reciprocal", () -> unaryFloat(Op.RECIP)); }
    public Tensor sin() { return op("sin", () -> unaryFloat(Op.SIN)); }
    public Tensor cos() { return op("cos", () -> inFloat(x -> x.rsub(Math.PI / 2).sin())); }
    public Tensor tan() { return op("tan", () -> sin().div(cos())); }
    public Tensor sigmoid() { return op("sigmoid", () -> neg().exp().add(1).reciprocal()); }
    public Tensor tanh() { return op("tanh", () -> mul(2).sigmoid().mul(2).sub(1)); }
    public Tensor relu() { return op("relu", () -> maximum(0)); }
    public Tensor leakyRelu() { return leakyRelu(0.01); }
    public Tensor leakyRelu(double slope) { return op("leakyRelu", () -> lt(0).where(mul(slope), this)); }

    /** GELU, tanh approximation (as in GPT-2 and tinygrad). */
    public Tensor gelu() {
        return op("gelu", () -> mul(0.5).mul(mul(mul(this)).mul(0.044715).add(this).mul(Math.sqrt(2 / Math.PI)).tanh().add(1)));
    }

    public Tensor silu() { return op("silu", () -> mul(sigmoid())); }
    public Tensor square() { return op("square", () -> mul(this)); }
    public Tensor abs() { return op("abs", () -> lb.dtype == DType.BOOL || lb.dtype.isUnsigned() ? this : maximum(neg())); }

    /** -1, 0 or 1 with this tensor's dtype. */
    public Tensor sign() { return op("sign", () -> gt(0).cast(dtype()).sub(lt(0).cast(dtype()))); }

    public Tensor trunc() { return op("trunc", () -> lb.dtype.isFloat() ? alu(Op.TRUNC) : this); }
    public Tensor floor() { return op("floor", () -> { Tensor t = trunc(); return lt(t).where(t.sub(1), t); }); }
    public Tensor ceil() { return op("ceil", () -> { Tensor t = trunc(); return gt(t).where(t.add(1), t); }); }

    /** this ** exponent. Negative bases give real results for integer exponents and NaN otherwise, as in numpy. */
    public Tensor pow(double e) {
        return op("pow", () -> {
            if (e == 0) return derived(onesLike().lb, (g, out, in) -> new Tensor[]{g.mul(0)}, this);
            if (e == 1) return this;
            if (e == 2) return mul(this);
            if (e == 0.5) return sqrt();
            if (e == -1) return reciprocal();
            return inFloat(x -> x.pow(x.scalarOperand(e)));
        });
    }

    public Tensor pow(Tensor e) {
        return op("pow", () -> {
            DType dt = DType.promote(floatType(lb.dtype), floatType(e.lb.dtype));
            Tensor x = cast(dt.computeType()), y = e.cast(dt.computeType());
            Tensor mag = x.abs().log2().mul(y).exp2();
            Tensor isInt = y.eq(y.trunc());
            Tensor odd = y.sub(y.div(2).trunc().mul(2)).abs().eq(1);
            Tensor negative = x.lt(0).where(isInt.where(odd.where(mag.neg(), mag), x.scalarOperand(Double.NaN)), mag);
            return y.eq(0).where(1.0, negative).cast(dt);
        });
    }

    public Tensor maximum(Tensor o) { return op("maximum", () -> binary("maximum", Op.MAX, o)); }
    public Tensor maximum(double v) { return op("maximum", () -> binary("maximum", Op.MAX, scalarOperand(v))); }
    public Tensor minimum(Tensor o) {
        return op("minimum", () -> {
            DType dt = DType.promote(lb.dtype, o.lb.dtype);
            return cast(dt).flipOrder().maximum(o.cast(dt).flipOrder()).flipOrder();
        });
    }

    public Tensor minimum(double v) { return op("minimum", () -> minimum(scalarOperand(v))); }
    public Tensor clamp(double lo, double hi) { return op("clamp", () -> maximum(lo).minimum(hi)); }

    /** Elementwise choice: where this (bool) is true take {@code a}, else {@code b}. */
    public Tensor where(Tensor a, Tensor b) {
        return op("where", () -> {
            sameDevice("where", a);
            sameDevice("where", b);
            int[] shape = broadcastShape("where", broadcastShape("where", lb.shape(), a.lb.shape()), b.lb.shape());
            DType dt = DType.promote(a.lb.dtype, b.lb.dtype);
            Tensor c = cast(DType.BOOL).broadcastTo(shape);
            return c.alu(Op.WHERE, a.cast(dt).broadcastTo(shape), b.cast(dt).broadcastTo(shape));
        });
    }

    public Tensor where(double a, Tensor b) { return where(b.scalarOperand(a).cast(b.dtype()), b); }
    public Tensor where(Tensor a, double b) { return where(a, a.scalarOperand(b).cast(a.dtype())); }
    public Tensor where(double a, double b) { return where(scalarOperand(a).cast(DType.FLOAT32), scalarOperand(b).cast(DType.FLOAT32)); }

    public Tensor eq(Tensor o) { return op("eq", () -> binary("eq", Op.CMPEQ, o)); }
    public Tensor eq(double v) { return op("eq", () -> binary("eq", Op.CMPEQ, scalarOperand(v))); }
    public Tensor ne(Tensor o) { return op("ne", () -> eq(o).logicalNot()); }
    public Tensor ne(double v) { return op("ne", () -> eq(v).logicalNot()); }
    public Tensor lt(Tensor o) { return op("lt", () -> binary("lt", Op.CMPLT, o)); }
    public Tensor lt(double v) { return op("lt", () -> binary("lt", Op.CMPLT, scalarOperand(v))); }
    public Tensor gt(Tensor o) { return op("gt", () -> o.binary("gt", Op.CMPLT, this)); }
    public Tensor gt(double v) { return op("gt", () -> scalarOperand(v).binary("gt", Op.CMPLT, this)); }
    public Tensor le(Tensor o) { return op("le", () -> gt(o).logicalNot()); }
    public Tensor le(double v) { return op("le", () -> gt(v).logicalNot()); }
    public Tensor ge(Tensor o) { return op("ge", () -> lt(o).logicalNot()); }
    public Tensor ge(double v) { return op("ge", () -> lt(v).logicalNot()); }

    public Tensor logicalNot() { return op("logicalNot", () -> cast(DType.BOOL).alu(Op.NEG)); }
    public Tensor logicalAnd(Tensor o) { return op("logicalAnd", () -> cast(DType.BOOL).binary("logicalAnd", Op.MUL, o.cast(DType.BOOL))); }
    public Tensor logicalOr(Tensor o) { return op("logicalOr", () -> cast(DType.BOOL).binary("logicalOr", Op.ADD, o.cast(DType.BOOL))); }

    public Tensor cast(DType to) { return to == lb.dtype ? this : op("cast", () -> derived(lb.cast(to), Grad.cast(), this)); }
    public Tensor onesLike() { return new Tensor(LazyBuffer.constant(1, lb.dtype, lb.shape(), lb.device)); }
    public Tensor zerosLike() { return new Tensor(LazyBuffer.constant(0, lb.dtype, lb.shape(), lb.device)); }

    // ================================================================ reductions

    private int[] axes(int[] axes) {
        if (axes.length == 0) {
            int[] all = new int[ndim()];
            for (int i = 0; i < all.length; i++) all[i] = i;
            return all;
        }
        int[] r = new int[axes.length];
        for (int i = 0; i < axes.length; i++) r[i] = axis(axes[i]);
        if (Arrays.stream(r).distinct().count() != r.length) throw new IllegalArgumentException("reduce: repeated axis in " + Arrays.toString(axes));
        return r;
    }

    private Tensor reduce(Op op, int[] axes, boolean keepdim) {
        int[] ax = axes(axes);
        Tensor kept = derived(lb.reduce(op, ax), Grad.reduce(op, ax), this);
        if (keepdim) return kept;
        LazyBuffer r = kept.lb;
        int[] s = r.shape();
        int[] out = new int[s.length - ax.length];
        for (int i = 0, k = 0; i < s.length; i++) {
            int ii = i;
            if (Arrays.stream(ax).noneMatch(a -> a == ii)) out[k++] = s[i];
        }
        return derived(r.reshape(out), Grad.reshape(), kept);
    }

    /** Sums and products of bools, int8 and uint8 accumulate in int32 (as numpy's and torch's do in a wider int). */
    private Tensor sumInput() { return lb.dtype == DType.BOOL || lb.dtype.isInt() && lb.dtype.itemSize < 4 ? cast(DType.INT32) : this; }

    private Tensor maxInput() { return lb.dtype == DType.BOOL ? cast(DType.INT32) : this; }

    public Tensor sum(int... axes) { return op("sum", () -> sumInput().reduce(Op.SUM, axes, false)); }
    public Tensor sum(int axis, boolean keepdim) { return op("sum", () -> sumInput().reduce(Op.SUM, new int[]{axis}, keepdim)); }
    public Tensor sum(int[] axes, boolean keepdim) { return op("sum", () -> sumInput().reduce(Op.SUM, axes, keepdim)); }

    public Tensor prod(int... axes) { return op("prod", () -> sumInput().reduce(Op.PROD, axes, false)); }
    public Tensor prod(int axis, boolean keepdim) { return op("prod", () -> sumInput().reduce(Op.PROD, new int[]{axis}, keepdim)); }

    public Tensor max(int... axes) { return op("max", () -> maxInput().reduce(Op.RMAX, axes, false)); }
    public Tensor max(int axis, boolean keepdim) { return op("max", () -> maxInput().reduce(Op.RMAX, new int[]{axis}, keepdim)); }
    public Tensor max(int[] axes, boolean keepdim) { return op("max", () -> maxInput().reduce(Op.RMAX, axes, keepdim)); }

    public Tensor min(int... axes) { return op("min", () -> maxInput().flipOrder().max(axes).flipOrder()); }
    public Tensor min(int axis, boolean keepdim) { return op("min", () -> maxInput().flipOrder().max(axis, keepdim).flipOrder()); }

    private long count(int[] axes) {
        long n = 1;
        for (int a : axes(axes)) n *= lb.shape()[a];
        return n;
    }

    public Tensor mean(int... axes) { return op("mean", () -> sum(axes).div((double) Math.max(count(axes), 1))); }
    public Tensor mean(int axis, boolean keepdim) { return op("mean", () -> sum(axis, keepdim).div((double) Math.max(count(new int[]{axis}), 1))); }
    public Tensor mean(int[] axes, boolean keepdim) { return op("mean", () -> sum(axes, keepdim).div((double) Math.max(count(axes), 1))); }

    /** Variance with Bessel's correction (divides by n-1), as torch.var. */
    public Tensor var(int... axes) { return var(axes, false, 1); }
    public Tensor var(int axis, boolean keepdim) { return var(new int[]{axis}, keepdim, 1); }

    public Tensor var(int[] axes, boolean keepdim, int correction) {
        return op("var", () -> inFloat(x -> {
            Tensor d = x.sub(x.mean(axes, true));
            long n = count(axes);
            return d.mul(d).sum(axes, keepdim).div((double) Math.max(n - correction, 0));
        }));
    }

    public Tensor std(int... axes) { return op("std", () -> var(axes).sqrt()); }
    public Tensor std(int axis, boolean keepdim) { return op("std", () -> var(axis, keepdim).sqrt()); }

    public Tensor softmax() { return softmax(-1); }

    public Tensor softmax(int axis) {
        return op("softmax", () -> inFloat(x -> {
            Tensor e = x.sub(x.max(axis, true)).exp();
            return e.div(e.sum(axis, true));
        }));
    }

    public Tensor logSoftmax() { return logSoftmax(-1); }

    public Tensor logSoftmax(int axis) {
        return op("logSoftmax", () -> inFloat(x -> {
            Tensor shifted = x.sub(x.max(axis, true));
            return shifted.sub(shifted.exp().sum(axis, true).log());
        }));
    }

    public Tensor logsumexp(int axis) { return logsumexp(axis, false); }

    public Tensor logsumexp(int axis, boolean keepdim) {
        return op("logsumexp", () -> inFloat(x -> {
            Tensor m = x.max(axis, true);
            Tensor r = x.sub(m).exp().sum(axis, true).log().add(m);
            return keepdim ? r : r.squeeze(axis);
        }));
    }

    /** Index of the largest value over all elements (of the flattened tensor), int32. */
    public Tensor argmax() { return op("argmax", () -> flatten().argmax(0, false)); }

    /** Index of the first largest value along {@code axis}, int32. */
    public Tensor argmax(int axis) { return argmax(axis, false); }

    public Tensor argmax(int axis, boolean keepdim) {
        return op("argmax", () -> {
            int ax = axis(axis);
            int n = lb.shape()[ax];
            int[] s = new int[ndim()];
            Arrays.fill(s, 1);
            s[ax] = n;
            // Largest (n - i) among maxima picks the first maximum.
            Tensor rev = arange(n, 0, -1).reshape(s);
            Tensor isMax = eq(max(ax, true));
            Tensor best = isMax.cast(DType.INT32).mul(rev).max(ax, keepdim);
            return best.rsub(n).cast(DType.INT32);
        });
    }

    public Tensor argmin() { return op("argmin", () -> flatten().argmin(0, false)); }
    public Tensor argmin(int axis) { return argmin(axis, false); }
    public Tensor argmin(int axis, boolean keepdim) { return op("argmin", () -> neg().argmax(axis, keepdim)); }

    // ================================================================ movement (views: no copies)

    /** A new shape with the same elements; one dimension may be -1 (inferred). */
    public Tensor reshape(int... shape) {
        int[] s = shape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("reshape: only one dimension can be -1, got " + Arrays.toString(shape));
                infer = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException("reshape: negative dimension " + s[i] + " in " + Arrays.toString(shape));
            } else known *= s[i];
        }
        if (infer >= 0) {
            if (known == 0 || numel() % known != 0) {
                throw new IllegalArgumentException("reshape: cannot infer -1 in " + Arrays.toString(shape) + " for " + numel() + " elements of shape " + Arrays.toString(shape()));
            }
            s[infer] = (int) (numel() / known);
        }
        return derived(lb.reshape(s), Grad.reshape(), this);
    }

    public Tensor permute(int... order) {
        int n = ndim();
        if (order.length != n) throw new IllegalArgumentException("permute: order " + Arrays.toString(order) + " has " + order.length + " axes, the tensor has " + n + " (shape " + Arrays.toString(shape()) + ")");
        int[] o = new int[n];
        boolean[] seen = new boolean[n];
        for (int i = 0; i < n; i++) {
            o[i] = axis(order[i]);
            if (seen[o[i]]) throw new IllegalArgumentException("permute: axis " + order[i] + " repeats in " + Arrays.toString(order));
            seen[o[i]] = true;
        }
        return derived(lb.permute(o), Grad.permute(o), this);
    }

    /** Swaps the last two dimensions. */
    public Tensor transpose() { return transpose(-2, -1); }

    public Tensor transpose(int a, int b) {
        int[] o = new int[ndim()];
        for (int i = 0; i < o.length; i++) o[i] = i;
        int x = axis(a), y = axis(b);
        o[x] = y;
        o[y] = x;
        return permute(o);
    }

    /** Broadcasts to {@code shape}; -1 keeps a dimension. */
    public Tensor expand(int... shape) {
        int[] s = shape.clone();
        int off = s.length - ndim();
        if (off < 0) throw new IllegalArgumentException("expand: target " + Arrays.toString(shape) + " has fewer dimensions than " + Arrays.toString(shape()));
        for (int i = 0; i < s.length; i++) if (s[i] == -1) s[i] = lb.shape()[i - off];
        return broadcastTo("expand", s);
    }

    /** Pads with zeros: {@code pads[i] = {before, after}} for each dimension. */
    public Tensor pad(int[][] pads) {
        if (pads.length != ndim()) throw new IllegalArgumentException("pad: " + pads.length + " pairs for a tensor of " + ndim() + " dimensions (shape " + Arrays.toString(shape()) + ")");
        for (int[] p : pads) if (p.length != 2 || p[0] < 0 || p[1] < 0) throw new IllegalArgumentException("pad: each pair must be {before, after} with non-negative sizes, got " + Arrays.deepToString(pads));
        return derived(lb.pad(pads), Grad.pad(pads), this);
    }

    /** Pads with {@code value} instead of zeros. */
    public Tensor pad(int[][] pads, double value) {
        if (value == 0) return pad(pads);
        return op("pad", () -> {
            Tensor mask = new Tensor(LazyBuffer.constant(1, DType.BOOL, lb.shape(), lb.device)).pad(pads);
            return mask.where(pad(pads), value);
        });
    }

    /** Keeps {@code ranges[i] = {start, end}} of each dimension. */
    public Tensor shrink(int[][] ranges) {
        if (ranges.length != ndim()) throw new IllegalArgumentException("shrink: " + ranges.length + " ranges for a tensor of " + ndim() + " dimensions (shape " + Arrays.toString(shape()) + ")");
        for (int i = 0; i < ranges.length; i++) {
            int[] r = ranges[i];
            if (r.length != 2 || r[0] < 0 || r[1] > lb.shape()[i] || r[0] > r[1]) {
                throw new IllegalArgumentException("shrink: range " + Arrays.toString(r) + " does not fit dimension " + i + " of size " + lb.shape()[i]);
            }
        }
        return derived(lb.shrink(ranges), Grad.shrink(ranges), this);
    }

    /** Elements start, start+step, … below end of one axis (negative indices count from the end; step may be negative). */
    public Tensor slice(int axis, int start, int end, int step) {
        int ax = axis(axis), n = lb.shape()[ax];
        if (step == 0) throw new IllegalArgumentException("slice: step must not be 0");
        if (step < 0) {
            // Reverse, then slice forwards: x[a:b:-s] == flip(x)[n-1-a : n-1-b : s].
            int s = start < 0 ? start + n : Math.min(start, n - 1);
            int e = end < -n ? -1 : end < 0 ? end + n : end;
            return flip(ax).slice(ax, n - 1 - s, n - 1 - e, -step);
        }
        int s = Math.clamp(start < 0 ? start + n : start, 0, n);
        int e = Math.clamp(end < 0 ? end + n : end, 0, n);
        if (e < s) e = s;
        int[][] ranges = fullRanges();
        ranges[ax] = new int[]{s, e};
        Tensor t = shrink(ranges);
        if (step == 1 || e - s <= 1) return t;
        // Take every step-th element: pad to a multiple of step, split the axis in two, keep index 0 of the inner.
        int len = e - s, m = (len + step - 1) / step;
        int[][] pads = new int[ndim()][2];
        pads[ax][1] = m * step - len;
        int[] split = new int[ndim() + 1];
        for (int i = 0, k = 0; i < ndim(); i++) {
            if (i == ax) { split[k++] = m; split[k++] = step; }
            else split[k++] = lb.shape()[i];
        }
        Tensor two = t.pad(pads).reshape(split);
        int[][] keep = two.fullRanges();
        keep[ax + 1] = new int[]{0, 1};
        int[] out = lb.shape().clone();
        out[ax] = m;
        return two.shrink(keep).reshape(out);
    }

    public Tensor slice(int axis, int start, int end) { return slice(axis, start, end, 1); }

    private int[][] fullRanges() {
        int[][] r = new int[ndim()][];
        for (int i = 0; i < r.length; i++) r[i] = new int[]{0, lb.shape()[i]};
        return r;
    }

    /** Element i of the first axis, with that axis removed (negative i counts from the end). */
    public Tensor get(int i) {
        int n = lb.shape().length == 0 ? 0 : lb.shape()[0];
        int k = i < 0 ? i + n : i;
        if (k < 0 || k >= n) throw new IndexOutOfBoundsException("get: index " + i + " is out of range for dimension 0 of size " + n);
        return slice(0, k, k + 1).squeeze(0);
    }

    /** Indexes the leading axes, e.g. {@code x.get(1, 2)} is x[1][2]. */
    public Tensor get(int... idx) {
        Tensor t = this;
        for (int i : idx) t = t.get(i);
        return t;
    }

    public Tensor flip(int... axes) {
        boolean[] f = new boolean[ndim()];
        for (int a : axes) f[axis(a)] = true;
        int[] flipped = java.util.stream.IntStream.range(0, f.length).filter(i -> f[i]).toArray();
        return derived(lb.flip(f), Grad.flip(flipped), this);
    }

    public Tensor flatten() { return reshape(-1); }

    /** Merges dimensions from {@code start} on into one. */
    public Tensor flatten(int start) {
        int s = axis(start);
        int[] shape = new int[s + 1];
        System.arraycopy(lb.shape(), 0, shape, 0, s);
        shape[s] = -1;
        return reshape(shape);
    }

    /** Removes every dimension of size 1. */
    public Tensor squeeze() { return reshape(Arrays.stream(lb.shape()).filter(d -> d != 1).toArray()); }

    public Tensor squeeze(int axis) {
        int a = axis(axis);
        if (lb.shape()[a] != 1) return this;
        int[] s = new int[ndim() - 1];
        for (int i = 0, k = 0; i < ndim(); i++) if (i != a) s[k++] = lb.shape()[i];
        return reshape(s);
    }

    public Tensor unsqueeze(int axis) {
        int n = ndim() + 1;
        int a = axis < 0 ? axis + n : axis;
        if (a < 0 || a >= n) throw new IllegalArgumentException("unsqueeze: axis " + axis + " is out of range for " + ndim() + " dimensions");
        int[] s = new int[n];
        for (int i = 0, k = 0; i < n; i++) s[i] = i == a ? 1 : lb.shape()[k++];
        return reshape(s);
    }

    /** This tensor followed by {@code others} along an existing axis: each is padded into place and summed (one kernel). */
    public Tensor cat(int axis, Tensor... others) {
        Tensor[] ts = new Tensor[others.length + 1];
        ts[0] = this;
        System.arraycopy(others, 0, ts, 1, others.length);
        return op("cat", () -> {
            Tensor first = ts[0];
            int ax = first.axis(axis);
            int total = 0;
            for (Tensor t : ts) {
                if (t.ndim() != first.ndim()) throw new IllegalArgumentException("cat: shapes " + Arrays.toString(first.shape()) + " and " + Arrays.toString(t.shape()) + " have different numbers of dimensions");
                for (int i = 0; i < t.ndim(); i++) {
                    if (i != ax && t.lb.shape()[i] != first.lb.shape()[i]) {
                        throw new IllegalArgumentException("cat: shapes " + Arrays.toString(first.shape()) + " and " + Arrays.toString(t.shape()) + " differ in dimension " + i + " (only dimension " + ax + " may differ)");
                    }
                }
                first.sameDevice("cat", t);
                total += t.lb.shape()[ax];
            }
            DType dt = ts[0].dtype();
            for (Tensor t : ts) dt = DType.promote(dt, t.dtype());
            Tensor out = null;
            int at = 0;
            for (Tensor t : ts) {
                int[][] pads = new int[t.ndim()][2];
                pads[ax][0] = at;
                pads[ax][1] = total - at - t.lb.shape()[ax];
                at += t.lb.shape()[ax];
                Tensor p = t.cast(dt).pad(pads);
                out = out == null ? p : out.add(p);
            }
            return out;
        });
    }

    /** This tensor and {@code others} (all of one shape) joined along a new axis. */
    public Tensor stack(int axis, Tensor... others) {
        Tensor[] ts = new Tensor[others.length + 1];
        ts[0] = this;
        System.arraycopy(others, 0, ts, 1, others.length);
        return op("stack", () -> {
            Tensor[] u = new Tensor[ts.length];
            for (int i = 0; i < ts.length; i++) {
                if (!Arrays.equals(ts[i].lb.shape(), ts[0].lb.shape())) {
                    throw new IllegalArgumentException("stack: shapes " + Arrays.toString(ts[0].shape()) + " and " + Arrays.toString(ts[i].shape()) + " differ");
                }
                u[i] = ts[i].unsqueeze(axis);
            }
            return u[0].cat(axis, java.util.Arrays.copyOfRange(u, 1, u.length));
        });
    }

    /** Tiles the tensor {@code repeats[i]} times along each dimension (as torch.Tensor.repeat). */
    public Tensor repeat(int... repeats) {
        if (repeats.length < ndim()) throw new IllegalArgumentException("repeat: " + repeats.length + " repeat counts for " + ndim() + " dimensions");
        return op("repeat", () -> {
            Tensor t = this;
            while (t.ndim() < repeats.length) t = t.unsqueeze(0);
            int n = t.ndim();
            int[] inter = new int[2 * n], expanded = new int[2 * n], fin = new int[n];
            for (int i = 0; i < n; i++) {
                inter[2 * i] = 1;
                inter[2 * i + 1] = t.lb.shape()[i];
                expanded[2 * i] = repeats[i];
                expanded[2 * i + 1] = t.lb.shape()[i];
                fin[i] = repeats[i] * t.lb.shape()[i];
            }
            return t.reshape(inter).expand(expanded).reshape(fin);
        });
    }

    // ================================================================ matmul

    /** Matrix product with numpy's rules: 1-D operands are vectors, leading dimensions broadcast (batching). */
    public Tensor matmul(Tensor w) {
        return op("matmul", () -> {
            int n1 = ndim(), n2 = w.ndim();
            if (n1 == 0 || n2 == 0) throw new IllegalArgumentException("matmul: both operands need at least 1 dimension, got shapes " + Arrays.toString(shape()) + " and " + Arrays.toString(w.shape()));
            int k1 = lb.shape()[n1 - 1];
            int k2 = w.lb.shape()[Math.max(n2 - 2, 0)];
            if (k1 != k2) {
                throw new IllegalArgumentException("matmul: shapes " + shapeText(shape()) + " and " + shapeText(w.shape()) + " do not line up (" + k1 + " != " + k2 + ")");
            }
            sameDevice("matmul", w);
            int[] batchA = Arrays.copyOfRange(lb.shape(), 0, Math.max(n1 - 2, 0));
            int[] batchB = Arrays.copyOfRange(w.lb.shape(), 0, Math.max(n2 - 2, 0));
            try {
                broadcastShape("matmul", batchA, batchB);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("matmul: batch dimensions of " + shapeText(shape()) + " and " + shapeText(w.shape())
                        + " do not broadcast (" + shapeText(batchA) + " vs " + shapeText(batchB) + ")");
            }
            Tensor a = n1 == 1 ? unsqueeze(0) : this;
            Tensor b = n2 == 1 ? w.unsqueeze(1) : w;
            // (..., n, k) x (..., k, m): (..., n, 1, k) * (..., 1, m, k) summed over k.
            Tensor x = a.unsqueeze(-2);
            Tensor y = b.transpose(-1, -2).unsqueeze(-3);
            Tensor r = x.mul(y).sum(-1);
            if (n1 == 1) r = r.squeeze(-2);
            if (n2 == 1) r = r.squeeze(-1);
            return r;
        });
    }

    public Tensor dot(Tensor w) { return matmul(w); }

    // ================================================================ indexing with integer tensors

    /** Rows of one-hot floats for int32 class indices in [0, classes): shape (..., classes). */
    public Tensor oneHot(int classes) {
        if (lb.dtype != DType.INT32) throw new IllegalArgumentException("oneHot: indices must be int32, got " + lb.dtype);
        return op("oneHot", () -> {
            int[] row = new int[ndim() + 1];
            Arrays.fill(row, 1);
            row[ndim()] = classes;
            return unsqueeze(-1).eq(arange(classes).to(device()).reshape(row)).cast(DType.FLOAT32);
        });
    }

    /**
     * torch.gather: {@code out[i][j][k] = this[i][index[i][j][k]][k]} for {@code axis} 1, and so on. {@code index} is
     * int32 with this tensor's rank and sizes no larger than its own off the axis. Built as a masked sum over
     * the axis (no data-dependent loads), so it fuses, has a gradient, and costs one pass per index element.
     */
    public Tensor gather(int axis, Tensor index) {
        return op("gather", () -> {
            int a = axis(axis);
            checkIndex("gather", index);
            int[] xs = lb.shape(), is = index.lb.shape();
            if (is.length != xs.length) {
                throw new IllegalArgumentException("gather: index of shape " + Arrays.toString(is) + " must have the same rank as the input " + Arrays.toString(xs));
            }
            int[][] keep = new int[xs.length][];
            for (int d = 0; d < xs.length; d++) {
                if (d != a && is[d] > xs[d]) {
                    throw new IllegalArgumentException("gather: index of shape " + Arrays.toString(is) + " is larger than the input " + Arrays.toString(xs) + " in dimension " + d);
                }
                keep[d] = new int[]{0, d == a ? xs[d] : is[d]};
            }
            Tensor x = shrink(keep).unsqueeze(a);                       // (..., 1, S_a, ...)
            int[] ex = x.shape();
            ex[a] = is[a];
            Tensor hot = selector(index, a, xs[a]);                      // (..., I_a, S_a, ...) bool
            return hot.where(x.expand(ex), 0.0).sum(a + 1);
        });
    }

    /** Picks entries along {@code axis} at int32 positions {@code index} (1-D): numpy's take / index_select. */
    public Tensor take(int axis, Tensor index) {
        return op("take", () -> {
            int a = axis(axis);
            checkIndex("take", index);
            if (index.ndim() != 1) throw new IllegalArgumentException("take: index must be 1-D, got shape " + Arrays.toString(index.shape()));
            int n = index.shape()[0], size = lb.shape()[a];
            int[] hotShape = new int[ndim() + 1];
            Arrays.fill(hotShape, 1);
            hotShape[a] = n;
            hotShape[a + 1] = size;
            Tensor hot = index.reshape(n, 1).eq(arange(size).to(device()).reshape(1, size)).reshape(hotShape);
            Tensor x = unsqueeze(a);
            int[] ex = x.shape();
            ex[a] = n;
            int[] full = ex.clone();
            return hot.expand(full).where(x.expand(ex), 0.0).sum(a + 1);
        });
    }

    /** index (..., I_a, ...) compared against every position 0..size-1 on a new axis after {@code a}. */
    private static Tensor selector(Tensor index, int a, int size) {
        int[] is = index.shape();
        int[] pos = new int[is.length + 1];
        Arrays.fill(pos, 1);
        pos[a + 1] = size;
        Tensor positions = arange(size).to(index.device()).reshape(pos);
        return index.unsqueeze(a + 1).eq(positions);
    }

    private void checkIndex(String op, Tensor index) {
        if (index.dtype() != DType.INT32) throw new IllegalArgumentException(op + ": indices must be int32, got " + index.dtype());
        sameDevice(op, index);
    }

    // ================================================================ scans, masks, sorting

    /** Running sum along an axis (inclusive). A masked sum over a triangle: O(n^2) work per line, one kernel. */
    public Tensor cumsum(int axis) {
        return op("cumsum", () -> {
            int a = axis(axis);
            int n = lb.shape()[a];
            Tensor x = transpose(a, -1);                                 // (..., n)
            Tensor tri = arange(n).to(device()).reshape(n, 1).ge(arange(n).to(device()).reshape(1, n)); // [i, j]: j <= i
            int[] ex = x.unsqueeze(-2).shape();
            ex[ex.length - 2] = n;
            return tri.where(x.unsqueeze(-2).expand(ex), 0.0).sum(-1).transpose(a, -1);
        });
    }

    /** Keeps the upper triangle of the last two dimensions (j - i &gt;= k), zeroing the rest. */
    public Tensor triu(int k) { return op("triu", () -> triangle(k, true)); }

    /** Keeps the lower triangle of the last two dimensions (j - i &lt;= k), zeroing the rest. */
    public Tensor tril(int k) { return op("tril", () -> triangle(k, false)); }

    private Tensor triangle(int k, boolean upper) {
        if (ndim() < 2) throw new IllegalArgumentException((upper ? "triu" : "tril") + ": needs at least 2 dimensions, got shape " + Arrays.toString(shape()));
        int r = lb.shape()[ndim() - 2], c = lb.shape()[ndim() - 1];
        Tensor rows = arange(r).to(device()).reshape(r, 1), cols = arange(c).to(device()).reshape(1, c);
        Tensor diff = cols.sub(rows);                                    // j - i
        Tensor mask = upper ? diff.ge(k) : diff.le(k);
        return mask.where(this, zerosLike());
    }

    /**
     * Indices that sort the last axis (ascending, or descending); ties keep their order. Computed by ranking:
     * each element's rank counts the elements before it in sorted order, then the ranks are inverted; both are
     * O(n^2) comparisons per row in fused kernels, fine for rows up to a few thousand.
     */
    public Tensor argsort(boolean descending) {
        return op("argsort", () -> {
            int n = lb.shape()[ndim() - 1];
            Tensor x = descending ? neg() : this;
            Tensor xi = x.unsqueeze(-1), xj = x.unsqueeze(-2);          // [.., i, 1] and [.., 1, j]
            Tensor idx = arange(n).to(device());
            Tensor before = idx.reshape(1, n).lt(idx.reshape(n, 1));     // j < i
            Tensor rank = xj.lt(xi).logicalOr(xj.eq(xi).logicalAnd(before)).sum(-1); // (.., n) int
            // position p holds the i whose rank is p
            Tensor hit = rank.unsqueeze(-2).eq(idx.reshape(n, 1));       // [.., p, i]
            return hit.cast(DType.INT32).mul(idx.reshape(1, n)).sum(-1);
        });
    }

    public Tensor argsort() { return argsort(false); }

    /** Values sorted along the last axis. */
    public Tensor sort(boolean descending) { return op("sort", () -> gather(-1, argsort(descending))); }

    /** The k largest values along the last axis and their indices: {values, indices}. */
    public Tensor[] topk(int k) {
        int n = lb.shape()[ndim() - 1];
        if (k < 1 || k > n) throw new IllegalArgumentException("topk: k must be in [1, " + n + "], got " + k);
        Tensor order = argsort(true);
        int[][] keep = fullRanges();
        keep[ndim() - 1] = new int[]{0, k};
        Tensor idx = order.shrink(keep);
        return new Tensor[]{gather(-1, idx), idx};
    }

    // ================================================================ einsum and attention

    /**
     * Einstein summation over letters, e.g. {@code einsum("ij,jk->ik", a, b)} or {@code "bij,bjk->bik"}. Every
     * operand is laid out over all the letters, broadcast, multiplied and summed over the letters not in the
     * output: one fused reduction.
     */
    public static Tensor einsum(String formula, Tensor... operands) {
        return op("einsum", () -> {
            String f = formula.replace(" ", "");
            int arrow = f.indexOf("->");
            String lhs = arrow < 0 ? f : f.substring(0, arrow);
            String[] ins = lhs.split(",", -1);
            if (ins.length != operands.length) {
                throw new IllegalArgumentException("einsum: '" + formula + "' names " + ins.length + " operands, got " + operands.length);
            }
            String out;
            if (arrow >= 0) out = f.substring(arrow + 2);
            else {
                // Implicit output: letters that appear once, alphabetically.
                StringBuilder o = new StringBuilder();
                lhs.chars().filter(Character::isLetter).distinct().sorted()
                        .filter(ch -> lhs.chars().filter(x -> x == ch).count() == 1).forEach(ch -> o.append((char) ch));
                out = o.toString();
            }
            StringBuilder all = new StringBuilder(out);
            for (String in : ins) for (char ch : in.toCharArray()) if (all.indexOf(String.valueOf(ch)) < 0) all.append(ch);
            java.util.Map<Character, Integer> sizes = new java.util.HashMap<>();
            Tensor prod = null;
            for (int t = 0; t < ins.length; t++) {
                String in = ins[t];
                Tensor x = operands[t];
                if (in.length() != x.ndim()) {
                    throw new IllegalArgumentException("einsum: operand " + t + " ('" + in + "') has shape " + Arrays.toString(x.shape()) + " with " + x.ndim() + " dimensions");
                }
                if (in.chars().distinct().count() != in.length()) throw new IllegalArgumentException("einsum: repeated letter within operand " + t + " ('" + in + "') is not supported");
                for (int d = 0; d < in.length(); d++) {
                    char ch = in.charAt(d);
                    Integer prev = sizes.putIfAbsent(ch, x.shape()[d]);
                    if (prev != null && prev != x.shape()[d] && prev != 1 && x.shape()[d] != 1) {
                        throw new IllegalArgumentException("einsum: letter '" + ch + "' has size " + prev + " and " + x.shape()[d]);
                    }
                    if (prev != null && prev == 1) sizes.put(ch, x.shape()[d]);
                }
                // permute to the order of `all`, then insert size-1 dims for missing letters
                int[] order = in.chars().boxed().sorted(java.util.Comparator.comparingInt(ch -> all.indexOf(String.valueOf((char) (int) ch))))
                        .mapToInt(ch -> in.indexOf(ch)).toArray();
                Tensor p = x.permute(order);
                int[] shape = new int[all.length()];
                for (int d = 0; d < all.length(); d++) {
                    int at = in.indexOf(all.charAt(d));
                    shape[d] = at < 0 ? 1 : x.shape()[at];
                }
                p = p.reshape(shape);
                prod = prod == null ? p : prod.mul(p);
            }
            for (char ch : out.toCharArray()) if (!sizes.containsKey(ch)) throw new IllegalArgumentException("einsum: output letter '" + ch + "' appears in no operand");
            int[] full = new int[all.length()];
            for (int d = 0; d < all.length(); d++) full[d] = sizes.get(all.charAt(d));
            prod = prod.expand(full);
            int[] summed = java.util.stream.IntStream.range(out.length(), all.length()).toArray();
            return summed.length == 0 ? prod : prod.sum(summed);
        });
    }

    /** Zeroes a fraction p of the values and scales the rest by 1/(1-p) (use only while training). */
    public Tensor dropout(double p) {
        if (p < 0 || p >= 1) throw new IllegalArgumentException("dropout: p must be in [0, 1), got " + p);
        if (p == 0) return this;
        return op("dropout", () -> rand(shape()).to(device()).ge(p).where(mul(1 / (1 - p)), 0.0));
    }

    /**
     * softmax(q k^T / sqrt(d) + mask) v over the last two dimensions. {@code mask} (nullable) is a bool tensor
     * (true = attend) or a float tensor added to the scores; {@code causal} masks out later positions.
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal) {
        return op("scaledDotProductAttention", () -> {
            int d = q.shape()[q.ndim() - 1];
            Tensor scores = q.matmul(k.transpose()).div(Math.sqrt(d));
            if (causal) {
                int lq = scores.shape()[scores.ndim() - 2], lk = scores.shape()[scores.ndim() - 1];
                Tensor allowed = full(new int[]{lq, lk}, 1).to(q.device()).tril(lk - lq).cast(DType.BOOL);
                scores = allowed.where(scores, Double.NEGATIVE_INFINITY);
            }
            if (mask != null) scores = mask.dtype() == DType.BOOL ? mask.where(scores, Double.NEGATIVE_INFINITY) : scores.add(mask);
            return scores.softmax(-1).matmul(v);
        });
    }


    static String shapeText(int[] s) {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < s.length; i++) { if (i > 0) b.append(','); b.append(s[i]); }
        if (s.length == 1) b.append(',');
        return b.append(')').toString();
    }
}
