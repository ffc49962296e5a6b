// Scheduler.plan: the same items as schedule, each with the graph bases it computes; nothing is realized.
package dev.jtiny.runtime.schedule;

import dev.jtiny.runtime.engine.Devices;
import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Op;
import dev.jtiny.runtime.graph.LazyBuffer;
import dev.jtiny.runtime.schedule.Scheduler.KernelItem;
import dev.jtiny.runtime.schedule.Scheduler.Step;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SchedulerPlanTest {
    @Test
    void eachKernelListsTheBasesFusedIntoIt() {
        LazyBuffer a = SchedulerTest.buf(4, 8);
        LazyBuffer two = LazyBuffer.constant(2, DType.FLOAT32, new int[]{4, 8}, SchedulerTest.DEV);
        LazyBuffer mul = a.alu(Op.MUL, two);
        LazyBuffer sum = mul.reduce(Op.SUM, 1);
        // Broadcasting the sum back ends the first kernel: the subtraction is a second one.
        LazyBuffer out = mul.alu(Op.ADD, sum.expand(4, 8).alu(Op.NEG));

        List<Step> plan = Scheduler.plan(List.of(out), Devices::capabilities);
        assertEquals(Scheduler.schedule(List.of(out), Devices::capabilities).size(), plan.size());
        assertEquals(2, plan.size());
        Step first = plan.get(0), second = plan.get(1);
        assertSame(sum, first.item().out());
        assertEquals(List.of(two.base, mul, sum), first.nodes(), "constant, product and sum, sources first");
        KernelItem k2 = assertInstanceOf(KernelItem.class, second.item());
        assertEquals(List.of(a, sum), k2.inputs());
        assertTrue(second.nodes().contains(mul), "the product is recomputed in the second kernel: " + second.nodes());
        assertSame(out, second.nodes().getLast());
        assertFalse(second.nodes().contains(sum), "the sum is an input of the second kernel, not part of it");
        assertFalse(out.isRealized(), "a plan realizes nothing");
        assertFalse(sum.isRealized());
    }
}
