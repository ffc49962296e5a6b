// Split-k's rule (how many parts a GPU matmul is cut into) and its graph: a (parts, output) first stage, then a sum.
package dev.jtiny.runtime.schedule;

import dev.jtiny.runtime.engine.Devices;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Op;
import dev.jtiny.runtime.engine.Realizer;
import dev.jtiny.runtime.graph.LazyBuffer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReduceSplitTest {
    @AfterEach void reset() { Config.set("SPLITK", null); }

    @Test
    void matmulsTooSmallToFillTheGpuAreCutIntoParts() {
        int h200 = 132; // compute units: a group of 256 items x 64 outputs each = 2.2M outputs fill it
        assertEquals(8, ReduceSplit.splitKParts(new int[]{64, 8192, 1}, 8192, h200), "a 64-row matmul: 0.5M outputs");
        assertEquals(4, ReduceSplit.splitKParts(new int[]{1024, 1024, 1}, 1024, h200), "1M outputs, parts of 256");
        assertEquals(2, ReduceSplit.splitKParts(new int[]{2048, 1024, 1}, 4096, h200), "2M outputs");
        assertEquals(1, ReduceSplit.splitKParts(new int[]{4096, 4096, 1}, 4096, h200), "16M outputs fill it already");
        assertEquals(2, ReduceSplit.splitKParts(new int[]{1024, 1024, 1}, 512, h200), "no part shorter than 256");
        assertEquals(1, ReduceSplit.splitKParts(new int[]{256, 512, 1}, 8192, h200), "fewer than 2^18 outputs: grouped");
        assertEquals(1, ReduceSplit.splitKParts(new int[]{1 << 20, 1}, 8192, h200), "one wide axis: not tiled");
        assertEquals(1, ReduceSplit.splitKParts(new int[]{1024, 1024, 1}, 1024, 8), "a small GPU is full already");
        assertEquals(16, ReduceSplit.splitKParts(new int[]{256, 1024, 1}, 1 << 16, h200), "at most 16 parts");
    }

    @Test
    void theFirstStageReducesEachPartAndTheSecondSumsThem() {
        Config.set("SPLITK", "4");
        LazyBuffer a = SchedulerTest.buf(8, 1, 64), b = SchedulerTest.buf(1, 16, 64);
        LazyBuffer c = a.expand(8, 16, 64).alu(Op.MUL, b.expand(8, 16, 64)).reduce(Op.SUM, 2);
        assertArrayEquals(new int[]{8, 16, 1}, c.shape());
        List<Scheduler.Item> items = Scheduler.schedule(List.of(c), Devices::capabilities);
        assertEquals(2, items.size(), items::toString);
        Scheduler.KernelItem first = (Scheduler.KernelItem) items.getFirst(), second = (Scheduler.KernelItem) items.getLast();
        assertArrayEquals(new int[]{4, 8, 16, 1}, first.kernel().outShape(), "parts first, then the output");
        assertEquals("r_4_8_16_16", dev.jtiny.runtime.codegen.Linearizer.linearize(first.kernel()).name());
        assertEquals("r_8_16_4", dev.jtiny.runtime.codegen.Linearizer.linearize(second.kernel()).name());
        LazyBuffer out = c.contiguous();
        Realizer.realize(List.of(out));
        float[] got = (float[]) out.buffer().copyOut();
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 16; j++) {
                double want = 0;
                for (int k = 0; k < 64; k++) want += (double) (i * 64 + k) * (j * 64 + k);
                assertEquals(want, got[i * 16 + j], want * 1e-6, "element " + i + "," + j);
            }
        }
    }
}
