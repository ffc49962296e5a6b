// The scheduler's cuts (how many kernels, which buffers they read) and the input graphs it builds, on the JAVA
// device without launching anything; and the linearized statements of a small reduction.
package dev.jtiny.runtime.schedule;

import dev.jtiny.runtime.device.Capabilities;
import dev.jtiny.runtime.engine.Devices;
import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Op;
import dev.jtiny.runtime.graph.LazyBuffer;
import dev.jtiny.runtime.graph.UserOp;
import dev.jtiny.runtime.schedule.Scheduler.CopyItem;
import dev.jtiny.runtime.schedule.Scheduler.Item;
import dev.jtiny.runtime.schedule.Scheduler.KernelItem;
import dev.jtiny.runtime.codegen.KNode;
import dev.jtiny.runtime.codegen.LinearKernel;
import dev.jtiny.runtime.codegen.Linearizer;
import dev.jtiny.runtime.codegen.UOp;
import dev.jtiny.runtime.view.Expr;
import dev.jtiny.runtime.view.ExprEval;
import dev.jtiny.runtime.view.ShapeTracker;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SchedulerTest {
    static final String DEV = "JAVA";

    static LazyBuffer buf(int... shape) {
        float[] data = new float[(int) ShapeTracker.contiguous(shape).numel()];
        for (int i = 0; i < data.length; i++) data[i] = i;
        return LazyBuffer.fromHost(data, DType.FLOAT32, shape, DEV);
    }

    static List<Item> schedule(LazyBuffer out) { return Scheduler.schedule(List.of(out), Devices::capabilities); }

    static KernelItem only(List<Item> items) {
        assertEquals(1, items.size(), "kernels: " + items);
        return assertInstanceOf(KernelItem.class, items.getFirst());
    }

    static KNode.Load load(KNode n, int arg) {
        KNode.Load l = assertInstanceOf(KNode.Load.class, n);
        assertEquals(arg, l.arg(), "argument index of " + n);
        return l;
    }

    static KNode.Alu alu(KNode n, Op op) {
        KNode.Alu a = assertInstanceOf(KNode.Alu.class, n, "expected " + op);
        assertEquals(op, a.op());
        return a;
    }

    @Test
    void realizedInputsNeedNoKernel() {
        assertEquals(List.of(), schedule(buf(3, 4)));
        assertEquals(List.of(), schedule(buf(3, 4).permute(1, 0)), "a view of a realized buffer costs nothing");
    }

    @Test
    void elementwiseChainIsOneKernelWithLoadsNumberedInFirstUseOrder() {
        LazyBuffer a = buf(3, 4), b = buf(3, 4);
        LazyBuffer out = a.alu(Op.MUL, b).alu(Op.ADD, a).alu(Op.NEG);
        KernelItem k = only(schedule(out));
        assertSame(out, k.out());
        assertEquals(List.of(a, b), k.inputs());
        KNode.Alu neg = alu(k.kernel().root(), Op.NEG);
        KNode.Alu add = alu(neg.src().getFirst(), Op.ADD);
        KNode.Alu mul = alu(add.src().get(0), Op.MUL);
        load(mul.src().get(0), 1);
        load(mul.src().get(1), 2);
        load(add.src().get(1), 1);
        assertArrayEquals(new int[]{3, 4}, k.kernel().outShape());
        assertEquals(List.of(DType.FLOAT32, DType.FLOAT32, DType.FLOAT32), k.kernel().argTypes());
    }

    @Test
    void aViewOfARealizedBufferIsALoadThroughThatView() {
        LazyBuffer a = buf(4, 3), b = buf(3, 4);
        LazyBuffer out = a.permute(1, 0).alu(Op.ADD, b);
        KernelItem k = only(schedule(out));
        KNode.Alu add = alu(k.kernel().root(), Op.ADD);
        KNode.Load t = load(add.src().get(0), 1);
        assertEquals(a.permute(1, 0).st, t.st());
        assertTrue(load(add.src().get(1), 2).st().isContiguous());
        assertEquals(List.of(a, b), k.inputs());
    }

    @Test
    void constantsAreInlinedAndFolded() {
        LazyBuffer a = buf(3, 4);
        LazyBuffer two = LazyBuffer.constant(2.0, DType.FLOAT32, new int[]{3, 4}, DEV);
        KernelItem k = only(schedule(a.alu(Op.MUL, two)));
        KNode.Alu mul = alu(k.kernel().root(), Op.MUL);
        load(mul.src().get(0), 1);
        assertEquals(2.0, assertInstanceOf(KNode.Const.class, mul.src().get(1)).value());
        assertEquals(List.of(a), k.inputs(), "a constant is no argument");

        LazyBuffer six = two.alu(Op.MUL, LazyBuffer.constant(3.0, DType.FLOAT32, new int[]{3, 4}, DEV));
        assertEquals(6.0, six.constValue());
        KernelItem c = only(schedule(six));
        assertEquals(6.0, assertInstanceOf(KNode.Const.class, c.kernel().root()).value());
        assertEquals(List.of(), c.inputs());
    }

    @Test
    void sumThenAddOfAnotherBufferIsOneKernel() {
        LazyBuffer a = buf(3, 4), b = buf(3, 1);
        LazyBuffer out = a.reduce(Op.SUM, 1).alu(Op.ADD, b);
        KernelItem k = only(schedule(out));
        KNode.Alu add = alu(k.kernel().root(), Op.ADD);
        KNode.Reduce sum = assertInstanceOf(KNode.Reduce.class, add.src().get(0));
        assertEquals(Op.SUM, sum.op());
        assertArrayEquals(new int[]{1}, sum.axes());
        assertArrayEquals(new int[]{3, 1}, sum.shape());
        load(sum.src(), 1);
        load(add.src().get(1), 2);
        assertEquals(List.of(a, b), k.inputs());
        assertArrayEquals(new int[]{3, 1}, k.kernel().outShape());
    }

    @Test
    void elementwiseInputsFuseIntoTheReduce() {
        LazyBuffer a = buf(3, 4), b = buf(3, 4);
        KernelItem k = only(schedule(a.alu(Op.MUL, b).reduce(Op.SUM, 0, 1)));
        KNode.Reduce sum = assertInstanceOf(KNode.Reduce.class, k.kernel().root());
        KNode.Alu mul = alu(sum.src(), Op.MUL);
        load(mul.src().get(0), 1);
        load(mul.src().get(1), 2);
    }

    @Test
    void aReduceBroadcastBackEndsTheKernel() {
        LazyBuffer a = buf(3, 4);
        LazyBuffer s = a.reduce(Op.SUM, 1);
        LazyBuffer out = a.alu(Op.ADD, s.expand(3, 4).alu(Op.NEG));
        List<Item> items = schedule(out);
        assertEquals(2, items.size(), items.toString());
        KernelItem first = assertInstanceOf(KernelItem.class, items.get(0));
        KernelItem second = assertInstanceOf(KernelItem.class, items.get(1));
        assertSame(s, first.out());
        assertInstanceOf(KNode.Reduce.class, first.kernel().root());
        assertSame(out, second.out());
        assertTrue(second.inputs().contains(s), "the second kernel reads the first one's output");
        assertEquals(List.of(a, s), second.inputs());
        KNode.Alu add = alu(second.kernel().root(), Op.ADD);
        load(add.src().get(0), 1);
        KNode.Load sLoad = load(alu(add.src().get(1), Op.NEG).src().getFirst(), 2);
        assertEquals(s.expand(3, 4).st, sLoad.st(), "the reduced value is read broadcast");
        assertFalse(sLoad.st().isInjective());
    }

    @Test
    void aReduceReadTwiceGetsItsOwnBuffer() {
        LazyBuffer a = buf(3, 4);
        LazyBuffer s = a.reduce(Op.SUM, 1);
        List<Item> items = schedule(s.alu(Op.MUL, s.alu(Op.NEG)));
        assertEquals(2, items.size(), items.toString());
        assertSame(s, items.get(0).out());
    }

    @Test
    void aReduceOfAReduceFuses() {
        LazyBuffer a = buf(3, 4);
        KernelItem k = only(schedule(a.reduce(Op.SUM, 1).reduce(Op.RMAX, 0)));
        KNode.Reduce outer = assertInstanceOf(KNode.Reduce.class, k.kernel().root());
        assertEquals(Op.RMAX, outer.op());
        KNode.Reduce inner = assertInstanceOf(KNode.Reduce.class, outer.src());
        assertEquals(Op.SUM, inner.op());
        load(inner.src(), 1);
    }

    @Test
    void parallelReducesOverTheSameInputFuse() {
        LazyBuffer a = buf(3, 4);
        KernelItem k = only(schedule(a.reduce(Op.SUM, 1).alu(Op.ADD, a.reduce(Op.RMAX, 1))));
        KNode.Alu add = alu(k.kernel().root(), Op.ADD);
        assertEquals(Op.SUM, assertInstanceOf(KNode.Reduce.class, add.src().get(0)).op());
        assertEquals(Op.RMAX, assertInstanceOf(KNode.Reduce.class, add.src().get(1)).op());
    }

    @Test
    void contiguousGetsAKernelOfItsOwn() {
        LazyBuffer a = buf(3, 4);
        LazyBuffer c = a.alu(Op.NEG).contiguous();
        LazyBuffer out = c.alu(Op.ADD, c);
        List<Item> items = schedule(out);
        assertEquals(2, items.size(), items.toString());
        KernelItem first = (KernelItem) items.get(0), second = (KernelItem) items.get(1);
        assertSame(c, first.out());
        load(alu(first.kernel().root(), Op.NEG).src().getFirst(), 1);
        assertEquals(List.of(a), first.inputs());
        KNode.Alu add = alu(second.kernel().root(), Op.ADD);
        load(add.src().get(0), 1);
        load(add.src().get(1), 1);
        assertEquals(List.of(c), second.inputs(), "one argument for a buffer read twice");

        KernelItem copy = only(schedule(a.permute(1, 0).contiguous()));
        KNode.Load l = load(copy.kernel().root(), 1);
        assertEquals(a.permute(1, 0).st, l.st());
        assertSame(a, a.contiguous(), "a realized contiguous buffer is its own contiguous()");
    }

    @Test
    void aSharedElementwiseNodeIsBuiltOnce() {
        LazyBuffer a = buf(3, 4);
        LazyBuffer n = a.alu(Op.EXP2);
        KernelItem k = only(schedule(n.alu(Op.ADD, n)));
        KNode.Alu add = alu(k.kernel().root(), Op.ADD);
        assertSame(add.src().get(0), add.src().get(1));
    }

    @Test
    void aMovedComputedValueIsInlinedThroughAView() {
        LazyBuffer a = buf(3, 4), b = buf(4, 3);
        LazyBuffer moved = a.alu(Op.NEG).permute(1, 0);
        KernelItem k = only(schedule(moved.alu(Op.ADD, b)));
        KNode.Alu add = alu(k.kernel().root(), Op.ADD);
        KNode.ViewOf v = assertInstanceOf(KNode.ViewOf.class, add.src().get(0));
        assertEquals(moved.st, v.st());
        load(alu(v.src(), Op.NEG).src().getFirst(), 1);
        load(add.src().get(1), 2);

        KernelItem base = only(schedule(moved));
        assertSame(moved.base, base.out(), "scheduling a view realizes its base");
    }

    @Test
    void copyIsAnItemOfItsOwn() {
        LazyBuffer a = buf(3, 4);
        LazyBuffer onOther = a.alu(Op.NEG).copyTo("OPENCL:0");
        List<Item> items = schedule(onOther);
        assertEquals(2, items.size(), items.toString());
        KernelItem neg = assertInstanceOf(KernelItem.class, items.get(0));
        CopyItem copy = assertInstanceOf(CopyItem.class, items.get(1));
        assertSame(onOther, copy.out());
        assertSame(neg.out(), copy.src().base);
    }

    @Test
    void userOpsNameWhatTheKernelFused() {
        LazyBuffer a = buf(3, 4);
        LazyBuffer out;
        try (var u = UserOp.enter("relu")) {
            out = a.alu(Op.MAX, LazyBuffer.constant(0, DType.FLOAT32, new int[]{3, 4}, DEV));
        }
        try (var u = UserOp.enter("sum")) {
            out = out.reduce(Op.SUM, 1);
        }
        assertEquals(List.of("relu", "sum"), only(schedule(out)).kernel().fusedOps(), "in graph order: producers first");
    }

    // ---- linearizer ----

    @Test
    void linearizedSumIsALoopThatAccumulatesThenOneStore() {
        LazyBuffer a = buf(3, 4);
        KernelItem k = only(schedule(a.reduce(Op.SUM, 1)));
        LinearKernel lk = Linearizer.linearize(k.kernel());
        assertEquals("r_3_4", lk.name());
        assertEquals(3, lk.global());
        Expr gidx = Expr.var("gidx", 0, 2);
        Expr ridx = Expr.var("ridx0", 0, 3);
        List<UOp> want = List.of(
                new UOp.DefineVar("acc0", DType.FLOAT32, 0.0, false),
                new UOp.Loop("ridx0", 4),
                new UOp.Load("val1", DType.FLOAT32, 1, Expr.add(Expr.mul(gidx, 4), ridx), Expr.TRUE, false),
                new UOp.Accumulate("acc0", DType.FLOAT32, Op.ADD, "val1", false),
                new UOp.End(),
                new UOp.Store(0, DType.FLOAT32, gidx, "acc0", false));
        assertEquals(want, lk.uops(), lk.listing());
        assertEquals("((gidx*4)+ridx0)", ((UOp.Load) lk.uops().get(2)).index().render());
        assertEquals(12, lk.flops(), "one add per element summed");
    }

    @Test
    void linearizedElementwiseKernel() {
        LazyBuffer a = buf(3, 4), b = buf(4, 3);
        KernelItem k = only(schedule(a.alu(Op.MUL, b.permute(1, 0))));
        LinearKernel lk = Linearizer.linearize(k.kernel());
        assertEquals("E_3_4", lk.name());
        assertEquals(12, lk.global());
        List<UOp> u = lk.uops();
        assertEquals(4, u.size(), lk.listing());
        UOp.Load la = assertInstanceOf(UOp.Load.class, u.get(0));
        UOp.Load lb = assertInstanceOf(UOp.Load.class, u.get(1));
        assertEquals("gidx", la.index().render(), "a contiguous read is indexed by the work item itself");
        assertEquals("((gidx/4)+((gidx%4)*3))", lb.index().render(), "the transpose's strides over the unravelled index");
        UOp.Alu mul = assertInstanceOf(UOp.Alu.class, u.get(2));
        assertEquals(Op.MUL, mul.op());
        assertEquals(List.of(la.out(), lb.out()), mul.args());
        assertEquals(new UOp.Store(0, DType.FLOAT32, Expr.var("gidx", 0, 11), mul.out(), false), u.get(3));
    }

    @Test
    void aFlattenedComputedValueIsReadAtTheWorkItemIndex() {
        // The view unravels gidx over (3,4,5) and the contiguous load flattens it again: that should cancel out.
        LazyBuffer a = buf(3, 4, 5), b = buf(60);
        LinearKernel lk = Linearizer.linearize(only(schedule(a.alu(Op.NEG).reshape(60).alu(Op.ADD, b))).kernel());
        UOp.Load first = assertInstanceOf(UOp.Load.class, lk.uops().getFirst(), lk.listing());
        assertEquals(1, first.arg());
        assertEquals("gidx", first.index().render(), lk.listing());
    }

    @Test
    void linearizedPaddingOfAComputedValueIsGuarded() {
        LazyBuffer a = buf(3, 4), b = buf(4, 4);
        LazyBuffer padded = a.alu(Op.NEG).pad(new int[][]{{1, 0}, {0, 0}});
        LinearKernel lk = Linearizer.linearize(only(schedule(padded.alu(Op.ADD, b))).kernel());
        List<Class<?>> kinds = lk.uops().stream().<Class<?>>map(Object::getClass).toList();
        assertEquals(List.of(UOp.DefineVar.class, UOp.If.class, UOp.Load.class, UOp.Alu.class, UOp.Assign.class,
                UOp.End.class, UOp.Load.class, UOp.Alu.class, UOp.Store.class), kinds, lk.listing());
        Expr guard = ((UOp.If) lk.uops().get(1)).cond();
        Expr inside = ((UOp.Load) lk.uops().get(2)).index();
        for (long g = 0; g < 16; g++) {
            Map<String, Long> env = Map.of("gidx", g);
            assertEquals(g >= 4 ? 1 : 0, ExprEval.eval(guard, env), "guard " + guard.render() + " at " + g);
            if (g >= 4) assertEquals(g - 4, ExprEval.eval(inside, env), "the guarded read is shifted back one row: " + inside.render());
        }
    }

    /** A device that is never opened: the scheduler only reads what it is told the device can do. */
    private static final Capabilities BIG_GPU = new Capabilities(true, 132, true, 1, true, false, false),
            CPU = new Capabilities(false, 8, false, 8, true, false, false);

    @Test
    void theGraphNeverOpensADeviceAndTheScheduleSplitsForTheDeviceItIsTold() {
        int n = 1 << 20;
        LazyBuffer x = LazyBuffer.fromHost(new float[n], DType.FLOAT32, new int[]{n}, "NOWHERE:7");
        LazyBuffer sum = x.reduce(Op.SUM, 0);
        assertEquals(Op.SUM, sum.op, "building the graph splits nothing: the device is not known yet");
        assertSame(x, sum.srcs().getFirst());
        java.util.function.Function<String, Capabilities> gpu = name -> {
            assertEquals("NOWHERE:7", name);
            return BIG_GPU;
        };
        List<Item> onGpu = Scheduler.schedule(List.of(sum), gpu), onCpu = Scheduler.schedule(List.of(sum), d -> CPU);
        // GPUs read each partial strided (neighbouring threads, neighbouring addresses), and 2^16 partials are
        // long enough to split again; CPUs read each partial contiguously.
        assertEquals(List.of("[1, 65536]", "[1, 4096]", "[1]"), outShapes(onGpu), "GPU: partials of 16 twice, then their sum");
        assertEquals(List.of("[256, 1]", "[1]"), outShapes(onCpu), "CPU: 256 partials of 4096, then their sum");
        assertEquals(Op.SUM, sum.op, "scheduling leaves the given graph as it was");
        assertNull(sum.buffer());
    }

    @Test
    void aCpuWithVectorLanesGetsAMatmulsSharedOperandPackedAGpuDoesNot() {
        LazyBuffer a = LazyBuffer.fromHost(new float[128 * 512], DType.FLOAT32, new int[]{128, 1, 512}, "NOWHERE:7");
        LazyBuffer b = LazyBuffer.fromHost(new float[512 * 1024], DType.FLOAT32, new int[]{512, 1024}, "NOWHERE:7");
        // (128, 1024, 512): A broadcast over columns, B (k, n) read transposed and broadcast over rows.
        LazyBuffer prod = a.expand(128, 1024, 512).alu(Op.MUL, b.permute(1, 0).reshape(1, 1024, 512).expand(128, 1024, 512));
        LazyBuffer c = prod.reduce(Op.SUM, 2);
        assertEquals(List.of("[64, 512, 16]", "[128, 1024, 1]"), outShapes(Scheduler.schedule(List.of(c), d -> CPU)),
                "B copied into 64 panels of 512 rows x 16 columns, then the matmul");
        assertEquals(List.of("[128, 1024, 1]"), outShapes(Scheduler.schedule(List.of(c), d -> BIG_GPU)), "GPUs stage tiles instead");
        assertEquals(Op.MUL, c.srcs().getFirst().op, "the given graph is left as built");
    }

    private static List<String> outShapes(List<Item> items) {
        return items.stream().map(i -> java.util.Arrays.toString(((KernelItem) i).kernel().outShape())).toList();
    }
}
