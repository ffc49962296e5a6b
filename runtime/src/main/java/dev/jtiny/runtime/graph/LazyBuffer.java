// A node of the lazy graph: either a base (an op over sources, later a buffer) or a view of a base.
package dev.jtiny.runtime.graph;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Op;
import dev.jtiny.runtime.view.ShapeTracker;
import dev.jtiny.runtime.view.View;

import java.util.Arrays;
import java.util.List;

/**
 * The runtime's graph. A base node holds an op, its sources and (once realized) a {@link Buffer}; a view node is a
 * {@link ShapeTracker} over a base, so movement ops never copy. Nodes are immutable but for the realized buffer and
 * whether the user can reach the node.
 *
 * <p>A realized node the user can reach ({@link #expose exposed}: a tensor of the user's own code holds it or a
 * view of it) or asked for keeps its buffer and drops its sources, so the graph behind a result can be collected.
 * A node only library code made and holds (the inside of a softmax, an ONNX model's activations, a backward pass's
 * gradients, an optimizer's update) keeps its sources, and gives its buffer back when the same computation runs
 * again (see {@code engine.Realizer}); if anything reads it after that, it is computed again. Eager code then reuses
 * the same device memory call after call, instead of taking new memory until the garbage collector finds the old
 * tensors.
 */
public final class LazyBuffer {
    public final String device;
    public final DType dtype;
    public final ShapeTracker st;
    public final LazyBuffer base;
    public final Op op;
    public final Object arg;
    /** The user-level op (e.g. "softmax") that created this node, for provenance in kernel names and logs. */
    public final String userOp;
    private volatile List<LazyBuffer> srcs;
    private volatile Buffer buffer;
    /** Set on a base once a tensor of the user's code can reach it (see the class comment); never cleared. */
    private volatile boolean exposed;

    private LazyBuffer(String device, DType dtype, ShapeTracker st, LazyBuffer base, Op op, Object arg,
                       List<LazyBuffer> srcs, String userOp) {
        this.device = device;
        this.dtype = dtype;
        this.st = st;
        this.base = base == null ? this : base;
        this.op = op;
        this.arg = arg;
        this.srcs = srcs;
        this.userOp = userOp;
    }

    /** Marks this node's base as reachable from the user's code: realizing it keeps its buffer. */
    public void expose() {
        LazyBuffer b = base;
        if (!b.exposed) b.exposed = true;
    }

    /** {@link #expose} unless library code is running ({@link UserOp#depth} above 0): for what an op returns. */
    public void exposeIfOutermost() {
        if (UserOp.depth() == 0) expose();
    }

    public boolean isExposed() { return base.exposed; }

    private static LazyBuffer newBase(String device, DType dtype, int[] shape, Op op, Object arg, List<LazyBuffer> srcs) {
        return new LazyBuffer(device, dtype, ShapeTracker.contiguous(shape), null, op, arg, srcs, UserOp.current());
    }

    // ---- creation ----

    /** A buffer filled from a host array (of the type {@link DType#newHostArray} gives), copied to the device when first needed. */
    public static LazyBuffer fromHost(Object hostArray, DType dtype, int[] shape, String device) {
        LazyBuffer lb = newBase(device, dtype, shape, Op.BUFFER, null, List.of());
        lb.pendingHost = hostArray;
        return lb;
    }

    /** A node over an existing buffer (e.g. the result of a copy or of a kernel run elsewhere). */
    public static LazyBuffer ofBuffer(Buffer buffer, int[] shape) {
        LazyBuffer lb = newBase(buffer.device.name(), buffer.dtype, shape, Op.BUFFER, null, List.of());
        lb.buffer = buffer;
        return lb;
    }

    /** A constant of the given shape: costs no memory and no kernel until something stores it. */
    public static LazyBuffer constant(double value, DType dtype, int[] shape, String device) {
        LazyBuffer c = new LazyBuffer(device, dtype, ShapeTracker.contiguous(), null, Op.CONST, cast(value, dtype),
                List.of(), UserOp.current());
        // The one value read at every index: what reshaping to ones and expanding gives, as one view.
        return shape.length == 0 ? c : c.view(new ShapeTracker(List.of(new View(shape.clone(), new int[shape.length], 0, null))));
    }

    private Object pendingHost;

    // ---- state ----

    public int[] shape() { return st.shape(); }
    public long numel() { return st.numel(); }
    public boolean isBase() { return base == this; }
    public List<LazyBuffer> srcs() { return srcs; }
    public Buffer buffer() { return base.buffer; }

    /** True when this node's base holds (or will hold on first use) memory and needs no kernel. */
    public boolean isRealized() { return base.buffer != null || base.pendingHost != null; }

    /** A constant value when this node is a view of a constant with no padding, else null. */
    public Double constValue() {
        if (base.op != Op.CONST) return null;
        for (View v : st.views()) if (v.mask() != null) return null;
        return (Double) base.arg;
    }

    /** Materializes the pending host copy of a BUFFER node onto its device. */
    public synchronized void ensureUploaded(Buffer target) {
        if (pendingHost != null) {
            target.copyIn(pendingHost);
            pendingHost = null;
        }
    }

    public Object pendingHost() { return pendingHost; }

    /** Gives this base its buffer for good: the sources are dropped. */
    public void setRealized(Buffer b) {
        this.buffer = b;
        this.srcs = List.of();
    }

    /**
     * Gives this base the buffer a kernel computed, keeping the sources until the realizer decides: {@link #keep}
     * (drop them) or, later, {@link #release} (give the buffer back).
     */
    public void setComputed(Buffer b) { this.buffer = b; }

    /** Whether this node can be computed again from its sources (it has some: a kernel's or a copy's output). */
    public boolean recomputable() { return !srcs.isEmpty(); }

    /** Keeps the computed buffer: the sources are dropped. */
    public void keep() { this.srcs = List.of(); }

    /** Gives the computed buffer back to its device's pool; the node is unrealized again and keeps its sources. */
    public void release() {
        Buffer b = buffer;
        buffer = null;
        if (b != null) b.close();
    }

    // ---- elementwise ----

    /** An elementwise op over this node and {@code others} (all of one shape): NEG(this), ADD(this, b), WHERE(this, a, b). */
    public LazyBuffer alu(Op op, LazyBuffer... others) {
        LazyBuffer[] in = new LazyBuffer[others.length + 1];
        in[0] = this;
        System.arraycopy(others, 0, in, 1, others.length);
        for (LazyBuffer s : in) {
            if (!Arrays.equals(s.shape(), in[0].shape())) {
                throw new IllegalArgumentException(op + ": shapes " + Arrays.toString(in[0].shape()) + " and "
                        + Arrays.toString(s.shape()) + " differ (broadcast first)");
            }
        }
        DType out = switch (op) {
            case CMPLT, CMPEQ -> DType.BOOL;
            case WHERE -> in[1].dtype;
            default -> in[0].dtype;
        };
        Double folded = fold(op, out, in);
        if (folded != null) return constant(folded, out, in[0].shape(), in[0].device);
        return newBase(in[0].device, out, in[0].shape(), op, null, List.of(in));
    }


    public LazyBuffer cast(DType to) {
        if (to == dtype) return this;
        Double c = constValue();
        if (c != null) return constant(c, to, shape(), device);
        return newBase(device, to, shape(), Op.CAST, to, List.of(this));
    }

    /** Constant folding: an op whose inputs are all constants is a constant. */
    private static Double fold(Op op, DType out, LazyBuffer[] in) {
        double[] v = new double[in.length];
        for (int i = 0; i < in.length; i++) {
            Double c = in[i].constValue();
            if (c == null) return null;
            v[i] = c;
        }
        double r = ScalarOps.apply(op, in[0].dtype, v);
        return cast(r, out);
    }

    /** {@code v} converted to {@code to}, as a kernel's cast converts it (see {@link DType#round}). */
    static double cast(double v, DType to) { return to.round(v); }

    // ---- reduce ----

    /**
     * Reduces the given axes to size 1 (keepdim). A long reduction into few outputs, or a GPU matmul too small to
     * fill the device, is split in two at schedule time, where the device is known (see the schedule package).
     */
    public LazyBuffer reduce(Op op, int... axes) {
        return axes.length == 0 ? this : reduceWhole(op, axes);
    }

    /** One reduction, as the schedule's splitter builds its stages: never split again. */
    public LazyBuffer reduceWhole(Op op, int... axes) {
        int[] shape = shape().clone();
        for (int a : axes) shape[a] = 1;
        return newBase(device, dtype, shape, op, axes.clone(), List.of(this));
    }

    // ---- rewriting: for schedule-time graph rewrites ----

    /** This base with other sources: the same shape, dtype, op and user op. */
    public LazyBuffer withSources(List<LazyBuffer> sources) {
        if (!isBase()) throw new IllegalStateException("withSources: " + this + " is a view; rebuild its base");
        return new LazyBuffer(device, dtype, st, null, op, arg, List.copyOf(sources), userOp);
    }

    /**
     * This view's shape tracker over {@code newBase}, which holds as many elements as this node's base, in the same
     * order (a contiguous buffer is read by flat index).
     */
    public LazyBuffer over(LazyBuffer newBase) {
        if (newBase.numel() != base.numel() || !newBase.isBase()) {
            throw new IllegalStateException("over: " + newBase + " cannot stand for " + base);
        }
        return new LazyBuffer(device, dtype, st, newBase, newBase.op, newBase.arg, null, newBase.userOp);
    }

    // ---- movement: never copies ----

    private LazyBuffer view(ShapeTracker nst) {
        if (nst.equals(st)) return this;
        return new LazyBuffer(device, dtype, nst, base, base.op, base.arg, null, base.userOp);
    }

    public LazyBuffer reshape(int... newShape) {
        if (View.numel(newShape) != numel()) {
            throw new IllegalArgumentException("reshape: cannot reshape " + Arrays.toString(shape()) + " ("
                    + numel() + " elements) to " + Arrays.toString(newShape) + " (" + View.numel(newShape) + " elements)");
        }
        return view(st.reshape(newShape));
    }

    /**
     * This node's base seen through {@code nst}: how a chain of movement ops worked out before, on a node with an
     * equal tracker, is applied again in one step. {@code nst} must be such a chain's result.
     */
    public LazyBuffer viewAs(ShapeTracker nst) { return view(nst); }

    public LazyBuffer permute(int... order) { return view(st.permute(order)); }
    public LazyBuffer expand(int... newShape) { return view(st.expand(newShape)); }
    public LazyBuffer shrink(int[][] ranges) { return view(st.shrink(ranges)); }
    public LazyBuffer pad(int[][] pads) { return view(st.pad(pads)); }
    public LazyBuffer flip(boolean[] axes) { return view(st.flip(axes)); }

    /** A node that is guaranteed its own contiguous buffer when realized. */
    public LazyBuffer contiguous() {
        // A pending CONTIGUOUS already makes its own whole buffer: another would copy it again (reading back an
        // unrealized x.contiguous() ran two copies).
        if ((isRealized() || base.op == Op.CONTIGUOUS) && st.isContiguous() && View.numel(base.shape()) == numel()) return this;
        return newBase(device, dtype, shape(), Op.CONTIGUOUS, null, List.of(this));
    }

    /** The same values on another device. */
    public LazyBuffer copyTo(String device) {
        if (device.equals(this.device)) return this;
        return new LazyBuffer(device, dtype, ShapeTracker.contiguous(shape()), null, Op.COPY, null,
                List.of(this.contiguous()), UserOp.current());
    }

    @Override public String toString() {
        return (isBase() ? op.name() : "view of " + base.op.name()) + Arrays.toString(shape()) + ":" + dtype + "@" + device;
    }
}
