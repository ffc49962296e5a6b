// The tensor DSL: lazy tensors whose ops build a graph the runtime fuses into few kernels when a value is needed.
package dev.jtiny;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.engine.Devices;
import dev.jtiny.runtime.engine.Realizer;
import dev.jtiny.runtime.graph.LazyBuffer;
import dev.jtiny.runtime.graph.UserOp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * A tensor: shape, dtype, device and a node of the lazy graph. Ops return new tensors and compute nothing;
 * {@link #realize()}, {@link #toFloatArray()}, {@link #item()} and printing run the kernels. Ops follow tinygrad's
 * meanings in camelCase; every binary op takes a tensor or a scalar and broadcasts like numpy.
 */
public final class Tensor implements AutoCloseable {
    // This class is the public face: each op family lives in a file of its own (Creation, Rng, Elementwise,
    // Reductions, Movement, Indexing, Compositions), the autograd tape in Autograd and reading values in Readback.

    /** The graph node; replaced (not mutated) by {@link #assign}. */
    LazyBuffer lb;

    // Autograd state, kept by Autograd: a leaf's flag and gradient, and for a computed tensor how it was made.
    boolean requiresGrad;
    Tensor grad;
    Autograd.Node made;

    /** A tensor over {@code lb}; made in the user's own code (no op or library scope open), it exposes the node. */
    Tensor(LazyBuffer lb) {
        this.lb = lb;
        lb.exposeIfOutermost();
    }

    /** The runtime node behind this tensor (for magics and tools). */
    public LazyBuffer lazyBuffer() { return lb; }

    /**
     * This tensor's data through {@code st}, the tracker a chain of movement ops gave before on a tensor whose
     * tracker equals this one's: the chain applied in one step (how {@code nn.Conv} reuses its window views). No
     * gradient flows through it, so a tensor that tracks one is refused.
     */
    public Tensor viewAs(dev.jtiny.runtime.view.ShapeTracker st) {
        if (requiresGrad) throw new IllegalStateException("viewAs: this tensor tracks a gradient, which a remembered view does not carry; use the movement ops");
        return new Tensor(lb.viewAs(st));
    }

    /** Runs {@code body} as the user-level op {@code name}: the nodes it makes carry that name into kernel provenance. */
    static Tensor op(String name, Supplier<Tensor> body) {
        Tensor result;
        try (UserOp ignored = UserOp.enter(name)) {
            result = body.get();
        }
        // What the op hands back is the caller's, exposed when that is the user's code; what it made inside is not.
        result.lb.exposeIfOutermost();
        return result;
    }

    // ================================================================ creation

    public static Tensor of(float... data) { return of(data, data.length); }
    public static Tensor of(float[] data, int... shape) { return Creation.of(data, shape); }
    public static Tensor of(float[][] rows) { return Creation.of(rows); }
    public static Tensor of(float[][][] planes) { return Creation.of(planes); }
    public static Tensor of(double[] data, int... shape) { return Creation.of(data, shape); }

    /** Values converted to {@code dtype}: rounded to nearest for floats, truncated toward zero for integer types. */
    public static Tensor of(double[] data, DType dtype, int... shape) { return Creation.of(data, dtype, shape); }

    public static Tensor of(float[] data, DType dtype, int... shape) { return Creation.of(data, dtype, shape); }

    /** float64 values (of(double[], shape) makes float32, the default dtype). */
    public static Tensor ofDoubles(double... data) { return ofDoubles(data, data.length); }

    public static Tensor ofDoubles(double[] data, int... shape) { return Creation.ofDoubles(data, shape); }

    /** int64 values. */
    public static Tensor of(long[] data, int... shape) { return Creation.of(data, shape); }

    public static Tensor ofLongs(long... data) { return of(data, data.length); }

    /** int8 or uint8 values (for uint8 a byte holds 0..255: {@code (byte) 255} is 255), or bools (non-zero is true). */
    public static Tensor of(byte[] data, DType dtype, int... shape) { return Creation.of(data, dtype, shape); }

    /** float16 or bfloat16 values given as their 16-bit patterns (as files such as safetensors store them). */
    public static Tensor ofBits(short[] bits, DType dtype, int... shape) { return Creation.ofBits(bits, dtype, shape); }

    public static Tensor of(int[] data, int... shape) { return Creation.of(data, shape); }
    public static Tensor ofInts(int... data) { return of(data, data.length); }
    public static Tensor of(boolean[] data, int... shape) { return Creation.of(data, shape); }

    /** A 0-dimensional tensor holding one value. */
    public static Tensor scalar(double value) { return full(new int[0], value); }

    public static Tensor full(int[] shape, double value) { return full(shape, value, DType.FLOAT32); }
    public static Tensor full(int[] shape, double value, DType dtype) { return Creation.full(shape, value, dtype); }

    /** A constant on a given device ("JAVA", "OPENCL:0", …): costs no memory or copy until something stores it. */
    public static Tensor full(int[] shape, double value, DType dtype, String device) { return Creation.full(shape, value, dtype, device); }

    public static Tensor zeros(int... shape) { return full(shape, 0); }
    public static Tensor ones(int... shape) { return full(shape, 1); }

    /** Integers 0, 1, …, n-1 (int32). */
    public static Tensor arange(int n) { return arange(0, n, 1); }

    /** Integers start, start+step, … below stop (int32). */
    public static Tensor arange(int start, int stop, int step) { return Creation.arange(start, stop, step); }

    /** Floats start, start+step, … below stop (float32). */
    public static Tensor arange(double start, double stop, double step) { return Creation.arange(start, stop, step); }

    /** {@code steps} evenly spaced floats from start to stop inclusive. */
    public static Tensor linspace(double start, double stop, int steps) { return Creation.linspace(start, stop, steps); }

    public static Tensor eye(int n) { return eye(n, n); }

    /** n×m identity: ones where row == column. */
    public static Tensor eye(int n, int m) { return Creation.eye(n, m); }

    public static void manualSeed(long seed) { Rng.manualSeed(seed); }

    /** Uniform floats in [0, 1). */
    public static Tensor rand(int... shape) { return Rng.rand(shape); }

    /** Standard normal floats. */
    public static Tensor randn(int... shape) { return Rng.randn(shape); }

    // ================================================================ properties

    public int[] shape() { return lb.shape().clone(); }
    public int ndim() { return lb.shape().length; }
    public long numel() { return lb.numel(); }
    public DType dtype() { return lb.dtype; }
    public String device() { return lb.device; }
    public boolean isRealized() { return lb.isRealized(); }

    public int size(int axis) { return lb.shape()[axis(axis)]; }

    /** {@code a} as an index into the shape (negative counts from the end); the error names the op being run. */
    int axis(int a) {
        int n = ndim();
        if (a < -n || a >= Math.max(n, 1)) {
            String op = UserOp.current();
            throw new IllegalArgumentException((op == null ? "" : op + ": ") + "axis " + a + " is out of range for a tensor of shape "
                    + Arrays.toString(shape()) + " (expected " + (n == 0 ? "0" : -n + " to " + (n - 1)) + ")");
        }
        return a < 0 ? a + n : a;
    }

    /** {@code o}, after checking it lives on this tensor's device: ops never move data behind the user's back. */
    Tensor sameDevice(String op, Tensor o) {
        if (!o.lb.device.equals(lb.device)) {
            throw new IllegalArgumentException(op + ": operands are on different devices (" + lb.device + " and " + o.lb.device + "); move one with to(\"" + lb.device + "\")");
        }
        return o;
    }

    /** A shape as Python writes a tuple, {@code (3,4)} or {@code (5,)}: how users coming from numpy read shapes in errors. */
    static String shapeText(int[] s) {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < s.length; i++) { if (i > 0) b.append(','); b.append(s[i]); }
        if (s.length == 1) b.append(',');
        return b.append(')').toString();
    }

    // ================================================================ autograd

    /** Marks this tensor as a leaf whose gradient {@link #backward} computes (float tensors only). Returns this. */
    public Tensor requiresGrad(boolean on) { return Autograd.requiresGrad(this, on); }

    public boolean requiresGrad() { return requiresGrad; }

    /** The accumulated gradient of a leaf after {@link #backward}, or null. Lazy, like every tensor. */
    public Tensor grad() { return grad; }

    /** Sets (or clears, with null) the accumulated gradient, e.g. to zero it between steps. */
    public void setGrad(Tensor g) { Autograd.setGrad(this, g); }

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
        BiConsumer<Tensor, LazyBuffer> hook = Jit.ON_ASSIGN.get();
        if (hook != null) hook.accept(this, lb);
        lb = value.cast(lb.dtype).lb;
        lb.expose(); // this tensor, whoever holds it, now stands for the value
        return this;
    }

    /** Within this scope no graph is recorded for gradients: {@code try (var g = Tensor.noGrad()) { ... }}. */
    public static AutoCloseable noGrad() { return Autograd.noGrad(); }

    /** Runs {@code body} without recording gradients and returns its result. */
    public static <R> R noGrad(Supplier<R> body) { return Autograd.noGrad(body); }

    /**
     * Computes d(this)/d(leaf) for every leaf that requires a gradient and adds it to the leaf's {@link #grad()}.
     * This tensor must hold a single value (a loss). Calling it again (or on another loss sharing part of the graph)
     * adds the new gradients to the old ones, as accumulation should.
     */
    public void backward() { Autograd.backward(this); }

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
    public Tensor contiguous() { return op("contiguous", () -> Autograd.derived(lb.contiguous(), Grad.identity(), this)); }

    /** The same values on another device ("JAVA", "OPENCL:0", …). */
    public Tensor to(String device) {
        String d = Devices.canonical(device);
        if (d.equals(lb.device)) return this;
        Devices.get(d);
        return op("to", () -> Autograd.derived(lb.copyTo(d), Grad.copy(), this));
    }

    /** All values, row-major, as floats (rounded to nearest from float64 and int64). */
    public float[] toFloatArray() { return Readback.read(this, float[].class); }

    /** All values, row-major, as ints (floats truncate toward zero, int64 keeps its low 32 bits). */
    public int[] toIntArray() { return Readback.read(this, int[].class); }

    /** All values, row-major, as doubles (exact but for int64 beyond 2^53). */
    public double[] toDoubleArray() { return Readback.read(this, double[].class); }

    /** All values, row-major, as longs (floats truncate toward zero). */
    public long[] toLongArray() { return Readback.read(this, long[].class); }

    public boolean[] toBooleanArray() { return Readback.read(this, boolean[].class); }

    /** The single value of a one-element tensor. */
    public float item() { return Readback.item(this); }

    /** Values and all: realizes the tensor. */
    @Override public String toString() { return TensorFormat.format(this); }

    /** Shape, dtype, device and whether it is computed yet, without computing anything. */
    public String describe() {
        return "Tensor(shape=" + Arrays.toString(shape()) + ", dtype=" + dtype() + ", device=" + device() + ", "
                + (isRealized() ? "realized" : "lazy") + ")";
    }

    // ================================================================ elementwise

    /** This tensor broadcast to {@code shape} (adding leading dimensions as needed). */
    public Tensor broadcastTo(int... shape) { return Movement.broadcastTo(this, "broadcastTo", shape); }

    public Tensor add(Tensor o) { return Elementwise.add(this, o); }
    public Tensor add(double v) { return Elementwise.add(this, v); }
    public Tensor sub(Tensor o) { return Elementwise.sub(this, o); }
    public Tensor sub(double v) { return Elementwise.sub(this, v); }
    public Tensor mul(Tensor o) { return Elementwise.mul(this, o); }
    public Tensor mul(double v) { return Elementwise.mul(this, v); }

    /** True division; ints divide as float32, float16 and bfloat16 in float32 (rounded once, at the end). */
    public Tensor div(Tensor o) { return Elementwise.div(this, o); }

    public Tensor div(double v) { return Elementwise.div(this, v); }

    /** Integer division truncating toward zero (C's {@code /}, not Python's {@code //}); integer operands only. */
    public Tensor idiv(Tensor o) { return Elementwise.idiv(this, o); }

    /**
     * The remainder with the sign of the dividend (C's {@code %} and {@code fmod}): {@code x - trunc(x / y) * y}.
     * Integers use the integer remainder; floats compute it from a truncated quotient.
     */
    public Tensor fmod(Tensor o) { return Elementwise.fmod(this, o); }

    /** {@code v - this} and {@code v / this}, for scalars on the left. */
    public Tensor rsub(double v) { return Elementwise.rsub(this, v); }
    public Tensor rdiv(double v) { return Elementwise.rdiv(this, v); }

    public Tensor neg() { return Elementwise.neg(this); }
    public Tensor exp2() { return Elementwise.exp2(this); }
    public Tensor log2() { return Elementwise.log2(this); }
    public Tensor exp() { return Elementwise.exp(this); }
    public Tensor log() { return Elementwise.log(this); }
    public Tensor sqrt() { return Elementwise.sqrt(this); }
    public Tensor rsqrt() { return Elementwise.rsqrt(this); }
    public Tensor reciprocal() { return Elementwise.reciprocal(this); }
    public Tensor sin() { return Elementwise.sin(this); }
    public Tensor cos() { return Elementwise.cos(this); }
    public Tensor tan() { return Elementwise.tan(this); }
    public Tensor sigmoid() { return Elementwise.sigmoid(this); }
    public Tensor tanh() { return Elementwise.tanh(this); }
    public Tensor relu() { return Elementwise.relu(this); }
    public Tensor leakyRelu() { return leakyRelu(0.01); }
    public Tensor leakyRelu(double slope) { return Elementwise.leakyRelu(this, slope); }

    /** GELU, tanh approximation (as in GPT-2 and tinygrad). */
    public Tensor gelu() { return Elementwise.gelu(this); }

    public Tensor silu() { return Elementwise.silu(this); }
    public Tensor square() { return Elementwise.square(this); }
    public Tensor abs() { return Elementwise.abs(this); }

    /** -1, 0 or 1 with this tensor's dtype. */
    public Tensor sign() { return Elementwise.sign(this); }

    public Tensor trunc() { return Elementwise.trunc(this); }
    public Tensor floor() { return Elementwise.floor(this); }
    public Tensor ceil() { return Elementwise.ceil(this); }

    /** this ** exponent. Negative bases give real results for integer exponents and NaN otherwise, as in numpy. */
    public Tensor pow(double e) { return Elementwise.pow(this, e); }

    public Tensor pow(Tensor e) { return Elementwise.pow(this, e); }

    public Tensor maximum(Tensor o) { return Elementwise.maximum(this, o); }
    public Tensor maximum(double v) { return Elementwise.maximum(this, v); }
    public Tensor minimum(Tensor o) { return Elementwise.minimum(this, o); }
    public Tensor minimum(double v) { return Elementwise.minimum(this, v); }
    public Tensor clamp(double lo, double hi) { return Elementwise.clamp(this, lo, hi); }

    /** Elementwise choice: where this (bool) is true take {@code a}, else {@code b}. */
    public Tensor where(Tensor a, Tensor b) { return Elementwise.where(this, a, b); }

    public Tensor where(double a, Tensor b) { return Elementwise.where(this, a, b); }
    public Tensor where(Tensor a, double b) { return Elementwise.where(this, a, b); }
    public Tensor where(double a, double b) { return Elementwise.where(this, a, b); }

    public Tensor eq(Tensor o) { return Elementwise.eq(this, o); }
    public Tensor eq(double v) { return Elementwise.eq(this, v); }
    public Tensor ne(Tensor o) { return Elementwise.ne(this, o); }
    public Tensor ne(double v) { return Elementwise.ne(this, v); }
    public Tensor lt(Tensor o) { return Elementwise.lt(this, o); }
    public Tensor lt(double v) { return Elementwise.lt(this, v); }
    public Tensor gt(Tensor o) { return Elementwise.gt(this, o); }
    public Tensor gt(double v) { return Elementwise.gt(this, v); }
    public Tensor le(Tensor o) { return Elementwise.le(this, o); }
    public Tensor le(double v) { return Elementwise.le(this, v); }
    public Tensor ge(Tensor o) { return Elementwise.ge(this, o); }
    public Tensor ge(double v) { return Elementwise.ge(this, v); }

    public Tensor logicalNot() { return Elementwise.logicalNot(this); }
    public Tensor logicalAnd(Tensor o) { return Elementwise.logicalAnd(this, o); }
    public Tensor logicalOr(Tensor o) { return Elementwise.logicalOr(this, o); }

    public Tensor cast(DType to) { return Elementwise.cast(this, to); }
    public Tensor onesLike() { return Elementwise.constLike(this, 1); }
    public Tensor zerosLike() { return Elementwise.constLike(this, 0); }

    // ================================================================ reductions

    public Tensor sum(int... axes) { return Reductions.sum(this, axes, false); }
    public Tensor sum(int axis, boolean keepdim) { return Reductions.sum(this, new int[]{axis}, keepdim); }
    public Tensor sum(int[] axes, boolean keepdim) { return Reductions.sum(this, axes, keepdim); }

    public Tensor prod(int... axes) { return Reductions.prod(this, axes, false); }
    public Tensor prod(int axis, boolean keepdim) { return Reductions.prod(this, new int[]{axis}, keepdim); }

    public Tensor max(int... axes) { return Reductions.max(this, axes, false); }
    public Tensor max(int axis, boolean keepdim) { return Reductions.max(this, new int[]{axis}, keepdim); }
    public Tensor max(int[] axes, boolean keepdim) { return Reductions.max(this, axes, keepdim); }

    public Tensor min(int... axes) { return Reductions.min(this, axes); }
    public Tensor min(int axis, boolean keepdim) { return Reductions.min(this, axis, keepdim); }

    public Tensor mean(int... axes) { return Reductions.mean(this, axes); }
    public Tensor mean(int axis, boolean keepdim) { return Reductions.mean(this, axis, keepdim); }
    public Tensor mean(int[] axes, boolean keepdim) { return Reductions.mean(this, axes, keepdim); }

    /** Variance with Bessel's correction (divides by n-1), as torch.var. */
    public Tensor var(int... axes) { return var(axes, false, 1); }
    public Tensor var(int axis, boolean keepdim) { return var(new int[]{axis}, keepdim, 1); }
    public Tensor var(int[] axes, boolean keepdim, int correction) { return Reductions.var(this, axes, keepdim, correction); }

    public Tensor std(int... axes) { return Reductions.std(this, axes); }
    public Tensor std(int axis, boolean keepdim) { return Reductions.std(this, axis, keepdim); }

    /** Index of the largest value over all elements (of the flattened tensor), int32. */
    public Tensor argmax() { return Reductions.argmax(this); }

    /** Index of the first largest value along {@code axis}, int32. */
    public Tensor argmax(int axis) { return argmax(axis, false); }

    public Tensor argmax(int axis, boolean keepdim) { return Reductions.argmax(this, axis, keepdim); }

    public Tensor argmin() { return Reductions.argmin(this); }
    public Tensor argmin(int axis) { return argmin(axis, false); }
    public Tensor argmin(int axis, boolean keepdim) { return Reductions.argmin(this, axis, keepdim); }

    // ================================================================ softmax and kin

    public Tensor softmax() { return softmax(-1); }
    public Tensor softmax(int axis) { return Compositions.softmax(this, axis); }

    public Tensor logSoftmax() { return logSoftmax(-1); }
    public Tensor logSoftmax(int axis) { return Compositions.logSoftmax(this, axis); }

    public Tensor logsumexp(int axis) { return logsumexp(axis, false); }
    public Tensor logsumexp(int axis, boolean keepdim) { return Compositions.logsumexp(this, axis, keepdim); }

    // ================================================================ movement (views: no copies)

    /** A new shape with the same elements; one dimension may be -1 (inferred). */
    public Tensor reshape(int... shape) { return Movement.reshape(this, shape); }

    public Tensor permute(int... order) { return Movement.permute(this, order); }

    /** Swaps the last two dimensions. */
    public Tensor transpose() { return transpose(-2, -1); }

    public Tensor transpose(int a, int b) { return Movement.transpose(this, a, b); }

    /** Broadcasts to {@code shape}; -1 keeps a dimension. */
    public Tensor expand(int... shape) { return Movement.expand(this, shape); }

    /** Pads with zeros: {@code pads[i] = {before, after}} for each dimension. */
    public Tensor pad(int[][] pads) { return Movement.pad(this, pads); }

    /** Pads with {@code value} instead of zeros. */
    public Tensor pad(int[][] pads, double value) { return Movement.pad(this, pads, value); }

    /** Keeps {@code ranges[i] = {start, end}} of each dimension. */
    public Tensor shrink(int[][] ranges) { return Movement.shrink(this, ranges); }

    /** Elements start, start+step, … below end of one axis (negative indices count from the end; step may be negative). */
    public Tensor slice(int axis, int start, int end, int step) { return Movement.slice(this, axis, start, end, step); }

    public Tensor slice(int axis, int start, int end) { return slice(axis, start, end, 1); }

    /** Element i of the first axis, with that axis removed (negative i counts from the end). */
    public Tensor get(int i) { return Movement.get(this, i); }

    /** Indexes the leading axes, e.g. {@code x.get(1, 2)} is x[1][2]. */
    public Tensor get(int... idx) {
        Tensor t = this;
        for (int i : idx) t = t.get(i);
        return t;
    }

    public Tensor flip(int... axes) { return Movement.flip(this, axes); }

    public Tensor flatten() { return reshape(-1); }

    /** Merges dimensions from {@code start} on into one. */
    public Tensor flatten(int start) { return Movement.flatten(this, start); }

    /** Removes every dimension of size 1. */
    public Tensor squeeze() { return Movement.squeeze(this); }

    public Tensor squeeze(int axis) { return Movement.squeeze(this, axis); }
    public Tensor unsqueeze(int axis) { return Movement.unsqueeze(this, axis); }

    /** This tensor followed by {@code others} along an existing axis: each is padded into place and summed (one kernel). */
    public Tensor cat(int axis, Tensor... others) { return Movement.cat(this, axis, others); }

    /** This tensor and {@code others} (all of one shape) joined along a new axis. */
    public Tensor stack(int axis, Tensor... others) { return Movement.stack(this, axis, others); }

    /** Tiles the tensor {@code repeats[i]} times along each dimension (as torch.Tensor.repeat). */
    public Tensor repeat(int... repeats) { return Movement.repeat(this, repeats); }

    // ================================================================ matmul

    /** Matrix product with numpy's rules: 1-D operands are vectors, leading dimensions broadcast (batching). */
    public Tensor matmul(Tensor w) { return Compositions.matmul(this, w); }

    public Tensor dot(Tensor w) { return matmul(w); }

    // ================================================================ indexing with integer tensors

    /** Rows of one-hot floats for int32 class indices in [0, classes): shape (..., classes). */
    public Tensor oneHot(int classes) { return Indexing.oneHot(this, classes); }

    /**
     * torch.gather: {@code out[i][j][k] = this[i][index[i][j][k]][k]} for {@code axis} 1, and so on. {@code index} is
     * int32 with this tensor's rank and sizes no larger than its own off the axis. Built as a masked sum over
     * the axis (no data-dependent loads), so it fuses, has a gradient, and costs one pass per index element.
     */
    public Tensor gather(int axis, Tensor index) { return Indexing.gather(this, axis, index); }

    /** Picks entries along {@code axis} at int32 positions {@code index} (1-D): numpy's take / index_select. */
    public Tensor take(int axis, Tensor index) { return Indexing.take(this, axis, index); }

    // ================================================================ scans, masks, sorting

    /** Running sum along an axis (inclusive). A masked sum over a triangle: O(n^2) work per line, one kernel. */
    public Tensor cumsum(int axis) { return Indexing.cumsum(this, axis); }

    /** Keeps the upper triangle of the last two dimensions (j - i &gt;= k), zeroing the rest. */
    public Tensor triu(int k) { return Indexing.triu(this, k); }

    /** Keeps the lower triangle of the last two dimensions (j - i &lt;= k), zeroing the rest. */
    public Tensor tril(int k) { return Indexing.tril(this, k); }

    /**
     * Indices that sort the last axis (ascending, or descending); ties keep their order. Computed by ranking:
     * each element's rank counts the elements before it in sorted order, then the ranks are inverted; both are
     * O(n^2) comparisons per row in fused kernels, fine for rows up to a few thousand.
     */
    public Tensor argsort(boolean descending) { return Indexing.argsort(this, descending); }

    public Tensor argsort() { return argsort(false); }

    /** Values sorted along the last axis. */
    public Tensor sort(boolean descending) { return Indexing.sort(this, descending); }

    /** The k largest values along the last axis and their indices: {values, indices}. */
    public Tensor[] topk(int k) { return Indexing.topk(this, k); }

    // ================================================================ einsum and attention

    /**
     * Einstein summation over letters, e.g. {@code einsum("ij,jk->ik", a, b)} or {@code "bij,bjk->bik"}. Every
     * operand is laid out over all the letters, broadcast, multiplied and summed over the letters not in the
     * output: one fused reduction.
     */
    public static Tensor einsum(String formula, Tensor... operands) { return Compositions.einsum(formula, operands); }

    /** Zeroes a fraction p of the values and scales the rest by 1/(1-p) (use only while training). */
    public Tensor dropout(double p) { return Compositions.dropout(this, p); }

    /**
     * softmax(q k^T / sqrt(d) + mask) v over the last two dimensions. {@code mask} (nullable) is a bool tensor
     * (true = attend) or a float tensor added to the scores; {@code causal} masks out later positions.
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal) {
        return Compositions.scaledDotProductAttention(q, k, v, mask, causal);
    }
}
