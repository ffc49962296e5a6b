// The schedule cache: a graph whose structure was lowered before is launched from its plan, with the same kernels
// and the right values, and any change of structure (shape, dtype, device, constant, aliasing, setting) lowers anew.
package dev.jtiny;

import dev.jtiny.Reference.Nd;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Counters;
import dev.jtiny.runtime.KernelLog;
import dev.jtiny.runtime.Trace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

import static dev.jtiny.Reference.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScheduleCacheTest {
    @AfterEach void reset() {
        for (String k : List.of("DEVICE", "DEBUG", "GROUPREDUCE")) Config.set(k, null);
        Trace.to(System.out);
    }

    private static float[] data(long seed, int n) { return Reference.gaussian(new Random(seed), n, 1); }

    /** Realizes {@code f(x, w)} on fresh tensors; returns {kernels launched, schedule-cache hits} for that realize. */
    private static long[] run(Function<Tensor[], Tensor> f, Tensor[] in, Nd expected, String what) {
        Tensor y = f.apply(in);
        long k0 = Counters.kernelCount(), h0 = Counters.scheduleCacheHitCount();
        y.realize();
        long[] counts = {Counters.kernelCount() - k0, Counters.scheduleCacheHitCount() - h0};
        assertClose(what, expected, y, 1e-5, 1e-5);
        return counts;
    }

    /** A linear layer with bias and ReLU, then a softmax over its rows: four kernels, reductions and broadcasts. */
    private static Tensor layer(Tensor[] in) { return in[0].matmul(in[1]).add(in[2]).relu().softmax(1); }

    private static Nd layerRef(float[] x, float[] w, float[] b, int n, int k, int m) {
        Nd h = Nd.of(x, n, k).matmul(Nd.of(w, k, m)).zip(Nd.of(b, 1, m).expand(n, m), Double::sum).map(v -> Math.max(v, 0));
        return h.softmax(1);
    }

    @OnEachDevice
    void theSameStructureOnNewDataIsLaunchedFromItsPlanWithTheRightValues(String device) {
        Reference.use(device);
        int n = 6, k = 20, m = 12;
        long[] first = null;
        for (int call = 0; call < 3; call++) {
            float[] x = data(10 + call, n * k), w = data(20 + call, k * m), b = data(30 + call, m);
            Tensor[] in = {Tensor.of(x, n, k), Tensor.of(w, k, m), Tensor.of(b, m)};
            long[] counts = run(ScheduleCacheTest::layer, in, layerRef(x, w, b, n, k, m), device + " call " + call);
            if (call == 0) first = counts;
            else {
                assertEquals(first[0], counts[0], "the plan launches as many kernels as the schedule did");
                assertEquals(1, counts[1], "call " + call + " is a schedule cache hit");
            }
        }
    }

    @OnEachDevice
    void aSplitReductionsPartialSumsAreTemporariesOfThePlan(String device) {
        Reference.use(device);
        int n = 1 << 17; // long enough to be split in two on every device: partial sums, then their sum
        for (int call = 0; call < 3; call++) {
            float[] x = data(40 + call, n);
            Tensor t = Tensor.of(x, n);
            Tensor total = t.sum().add(1), rows = t.reshape(4, n / 4).max(1);
            long k0 = Counters.kernelCount(), h0 = Counters.scheduleCacheHitCount();
            Tensor.realize(total, rows);
            assertTrue(Counters.kernelCount() - k0 >= 3, "the sum is split: " + (Counters.kernelCount() - k0) + " kernels");
            assertEquals(call == 0 ? 0 : 1, Counters.scheduleCacheHitCount() - h0, "call " + call);
            assertClose(device + " sum, call " + call, Nd.of(x, n).sum(new int[]{0}, false).map(v -> v + 1), total, 1e-4, 1e-4);
            assertClose(device + " row max, call " + call, Nd.of(x, 4, n / 4).max(new int[]{1}, false), rows, 0, 0);
        }
    }

    @Test
    void debugOneSaysWhenTheScheduleCameFromTheCache() {
        Reference.use("JAVA");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Trace.to(new PrintStream(buf, true, StandardCharsets.UTF_8));
        Config.set("DEBUG", "1");
        for (int call = 0; call < 2; call++) Tensor.of(data(call, 64), 8, 8).exp().sum(1).realize();
        Config.set("DEBUG", null);
        List<String> lines = buf.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("scheduled")).toList();
        assertEquals(2, lines.size(), lines::toString);
        assertTrue(!lines.get(0).contains("cache hit") && lines.get(1).matches("scheduled 1 kernel in .* ms \\(schedule cache hit\\)"),
                lines::toString);
    }

    @Test
    void shapesDtypesConstantsAndAliasingEachLowerAnew() {
        Reference.use("JAVA");
        float[] a = data(1, 24), c = data(2, 24);
        // Warm: x * 3 + y over (4, 6) float32.
        Nd ref = Nd.of(a, 4, 6).zip(Nd.of(c, 4, 6), (p, q) -> p * 3 + q);
        run(in -> in[0].mul(3).add(in[1]), new Tensor[] {Tensor.of(a, 4, 6), Tensor.of(c, 4, 6)}, ref, "warm");
        assertEquals(1, run(in -> in[0].mul(3).add(in[1]), new Tensor[] {Tensor.of(a, 4, 6), Tensor.of(c, 4, 6)}, ref, "again")[1]);
        // Another shape with the same element count.
        assertEquals(0, run(in -> in[0].mul(3).add(in[1]), new Tensor[] {Tensor.of(a, 6, 4), Tensor.of(c, 6, 4)},
                Nd.of(a, 6, 4).zip(Nd.of(c, 6, 4), (p, q) -> p * 3 + q), "(6, 4)")[1]);
        // Another constant: kernels bake constants in.
        assertEquals(0, run(in -> in[0].mul(5).add(in[1]), new Tensor[] {Tensor.of(a, 4, 6), Tensor.of(c, 4, 6)},
                Nd.of(a, 4, 6).zip(Nd.of(c, 4, 6), (p, q) -> p * 5 + q), "times 5")[1]);
        // The same input twice is one kernel argument, not two.
        assertEquals(0, run(in -> in[0].mul(3).add(in[0]), new Tensor[] {Tensor.of(a, 4, 6)},
                Nd.of(a, 4, 6).map(p -> p * 4), "x * 3 + x")[1]);
        // Another dtype: float64 inputs.
        Tensor a64 = Tensor.of(a, 4, 6).cast(dev.jtiny.runtime.DType.FLOAT64).realize();
        Tensor c64 = Tensor.of(c, 4, 6).cast(dev.jtiny.runtime.DType.FLOAT64).realize();
        assertEquals(0, run(in -> in[0].mul(3).add(in[1]), new Tensor[] {a64, c64}, ref, "float64")[1]);
        // A view of an input instead of the input: a transposed read.
        Nd t = Nd.of(a, 6, 4).permute(1, 0).zip(Nd.of(c, 4, 6), (p, q) -> p * 3 + q);
        assertEquals(0, run(in -> in[0].permute(1, 0).mul(3).add(in[1]), new Tensor[] {Tensor.of(a, 6, 4), Tensor.of(c, 4, 6)}, t, "transposed")[1]);
    }

    @Test
    void anInputThatIsRealizedOneTimeAndPendingTheNextIsAnotherStructure() {
        Reference.use("JAVA");
        float[] a = data(3, 32);
        Nd ref = Nd.of(a, 4, 8).map(Math::exp).sum(new int[] {1}, false);
        run(in -> in[0].exp().sum(1), new Tensor[] {Tensor.of(a, 4, 8)}, ref, "exp then sum");
        // The same ops, but exp is realized first: the sum's input is a buffer now, one kernel instead of one fused.
        Tensor e = Tensor.of(a, 4, 8).exp().realize();
        long[] counts = run(in -> in[0].sum(1), new Tensor[] {e}, ref, "sum of a realized exp");
        assertEquals(1, counts[0]);
        assertEquals(0, counts[1]);
        assertClose("the exp kept its value", Nd.of(a, 4, 8).map(Math::exp), e, 1e-6, 1e-6);
    }

    @Test
    void aChangedSettingThatChangesTheLoweringIsAMiss() {
        Reference.use("OPENCL:0");
        float[] a = data(4, 256 * 64);
        Nd ref = Nd.of(a, 64, 256).sum(new int[] {1}, false);
        run(in -> in[0].sum(1), new Tensor[] {Tensor.of(a, 64, 256)}, ref, "plain");
        Config.set("GROUPREDUCE", "1");
        KernelLog.clear();
        long[] grouped = run(in -> in[0].sum(1), new Tensor[] {Tensor.of(a, 64, 256)}, ref, "grouped");
        assertEquals(0, grouped[1], "GROUPREDUCE=1 lowers the reduction again");
        assertTrue(KernelLog.entries().stream().anyMatch(en -> en.local() != null), "the grouped kernel runs in work-groups");
        assertEquals(1, run(in -> in[0].sum(1), new Tensor[] {Tensor.of(a, 64, 256)}, ref, "grouped again")[1]);
    }
}
