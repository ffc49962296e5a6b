// Batches: every row once per epoch, x and y rows kept together, seeded orders that repeat, drop-last.
package dev.jtiny.data;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.DType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class BatchesTest {
    /** Row i of x is [i*10, i*10+1, i*10+2] (shape [n, 3]); y[i] = i. */
    private static Tensor x(int n) {
        float[] d = new float[n * 3];
        for (int i = 0; i < d.length; i++) d[i] = (i / 3) * 10 + i % 3;
        return Tensor.of(d, n, 3);
    }

    private static Tensor y(int n) {
        int[] d = new int[n];
        for (int i = 0; i < n; i++) d[i] = i;
        return Tensor.of(d, n);
    }

    /** The y values of each batch of an epoch, checking that every x row matches its y. */
    private static List<int[]> epoch(Batches b, int epoch) {
        List<int[]> out = new ArrayList<>();
        for (Batches.Batch batch : b.epoch(epoch)) {
            int[] ys = batch.y().toIntArray();
            float[] xs = batch.x().toFloatArray();
            assertArrayEquals(new int[]{ys.length, 3}, batch.x().shape());
            assertArrayEquals(new int[]{ys.length}, batch.y().shape());
            for (int k = 0; k < ys.length; k++) {
                assertArrayEquals(new float[]{ys[k] * 10, ys[k] * 10 + 1, ys[k] * 10 + 2}, Arrays.copyOfRange(xs, 3 * k, 3 * k + 3), "row of y=" + ys[k]);
            }
            out.add(ys);
        }
        return out;
    }

    private static int[] flat(List<int[]> batches) {
        return batches.stream().flatMapToInt(Arrays::stream).toArray();
    }

    @Test
    void inOrderBatchesWithAShortLastOne() {
        Batches b = Batches.of(x(10), y(10), 4);
        assertEquals(3, b.size());
        assertEquals(10, b.rows());
        List<int[]> e = epoch(b, 0);
        assertArrayEquals(new int[]{0, 1, 2, 3}, e.get(0));
        assertArrayEquals(new int[]{4, 5, 6, 7}, e.get(1));
        assertArrayEquals(new int[]{8, 9}, e.get(2));
        assertArrayEquals(flat(e), flat(epoch(b, 5)), "in order, every epoch is the same");
    }

    @Test
    void shuffledEpochsVisitEveryRowExactlyOnce() {
        int n = 103;
        Batches b = Batches.of(x(n), y(n), 16).shuffle(42);
        assertEquals(7, b.size());
        for (int epoch = 0; epoch < 4; epoch++) {
            List<int[]> e = epoch(b, epoch);
            for (int i = 0; i < e.size() - 1; i++) assertEquals(16, e.get(i).length);
            assertEquals(103 - 6 * 16, e.getLast().length);
            int[] seen = flat(e);
            assertFalse(Arrays.equals(seen, flat(epoch(Batches.of(x(n), y(n), 16), 0))), "shuffled, not in order");
            int[] sorted = seen.clone();
            Arrays.sort(sorted);
            assertArrayEquals(y(n).toIntArray(), sorted, "epoch " + epoch + " has every row exactly once");
        }
    }

    @Test
    void theSeedAndEpochDecideTheOrder() {
        int n = 50;
        Batches a = Batches.of(x(n), y(n), 7).shuffle(1234);
        Batches again = Batches.of(x(n), y(n), 7).shuffle(1234);
        assertArrayEquals(flat(epoch(a, 0)), flat(epoch(again, 0)), "same seed, same epoch: same order");
        assertArrayEquals(flat(epoch(a, 3)), flat(epoch(again, 3)));
        assertArrayEquals(flat(epoch(a, 2)), flat(epoch(a, 2)), "iterating an epoch twice gives the same batches");
        assertFalse(Arrays.equals(flat(epoch(a, 0)), flat(epoch(a, 1))), "each epoch has its own order");
        assertFalse(Arrays.equals(flat(epoch(a, 0)), flat(epoch(Batches.of(x(n), y(n), 7).shuffle(1235), 0))), "another seed, another order");
        assertArrayEquals(a.order(0), Batches.of(x(n), y(n), 50).shuffle(1234).order(0), "the order does not depend on the batch size");
    }

    @Test
    void dropLastLeavesOutTheShortBatch() {
        Batches b = Batches.of(x(10), y(10), 4).shuffle(7).dropLast(true);
        assertEquals(2, b.size());
        List<int[]> e = epoch(b, 0);
        assertEquals(2, e.size());
        assertTrue(e.stream().allMatch(r -> r.length == 4));
        int[] kept = flat(e);
        assertArrayEquals(Arrays.copyOf(b.order(0), 8), kept, "the first 8 rows of the epoch's order");
        assertEquals(3, b.dropLast(false).size());
        assertEquals(2, Batches.of(x(8), y(8), 4).dropLast(true).size(), "nothing dropped when the rows divide evenly");
        assertEquals(0, Batches.of(x(3), y(3), 4).dropLast(true).size());
    }

    @Test
    void batchesKeepDtypesAndTrailingShapes() {
        Tensor images = Tensor.arange(2 * 5 * 3).reshape(5, 2, 3).cast(DType.FLOAT32).div(100);
        Tensor mask = Tensor.of(new boolean[]{true, false, true, true, false}, 5);
        Batches.Batch first = Batches.of(images, mask, 2).epoch(0).iterator().next();
        assertArrayEquals(new int[]{2, 2, 3}, first.x().shape());
        assertEquals(DType.BOOL, first.y().dtype());
        assertArrayEquals(new boolean[]{true, false}, first.y().toBooleanArray());
        assertArrayEquals(new float[]{0, .01f, .02f, .03f, .04f, .05f, .06f, .07f, .08f, .09f, .10f, .11f}, first.x().toFloatArray(), 1e-7f);
        assertEquals(images.device(), first.x().device());
    }

    @Test
    void everyDtypeIsGatheredBitForBit() {
        // Rows in reverse order: each batch must hold exactly the rows the order names, in every dtype's host form.
        short[] half = {0x3C00, (short) 0xC000, 0x0001, 0x7BFF, (short) 0xFC00, 0x03FF};
        short[] brain = {0x3F80, (short) 0xC049, 0x0001, 0x7F7F, (short) 0xFF80, 0x007F};
        List<Tensor> all = List.of(
                Tensor.of(new float[]{1.5f, -0f, Float.MIN_VALUE, 3, 4, 5}, 3, 2),
                Tensor.ofDoubles(new double[]{0.1, -1.0 / 3, Double.MIN_VALUE, 1e300, -0.0, 7}, 3, 2),
                Tensor.ofBits(half, DType.FLOAT16, 3, 2),
                Tensor.ofBits(brain, DType.BFLOAT16, 3, 2),
                Tensor.of(new int[]{Integer.MIN_VALUE, -1, 0, 1, 2, Integer.MAX_VALUE}, 3, 2),
                Tensor.of(new long[]{Long.MIN_VALUE, (1L << 53) + 1, -1, 0, 42, Long.MAX_VALUE}, 3, 2),
                Tensor.of(new byte[]{-128, -1, 0, 1, 2, 127}, DType.INT8, 3, 2),
                Tensor.of(new byte[]{0, 1, (byte) 128, (byte) 200, (byte) 254, (byte) 255}, DType.UINT8, 3, 2),
                Tensor.of(new boolean[]{true, false, false, true, true, true}, 3, 2));
        for (int i = 0; i < all.size(); i++) {
            Tensor x = all.get(i), y = all.get((i + 1) % all.size()).reshape(3, 1, 2);
            Batches b = Batches.of(x, y, 2).shuffle(5);
            int[] order = b.order(1);
            long[] xs = values(x), ys = values(y);
            int from = 0;
            for (Batches.Batch batch : b.epoch(1)) {
                int n = batch.x().shape()[0];
                assertEquals(x.dtype(), batch.x().dtype());
                assertEquals(y.dtype(), batch.y().dtype());
                assertArrayEquals(new int[]{n, 2}, batch.x().shape());
                assertArrayEquals(new int[]{n, 1, 2}, batch.y().shape());
                long[] bx = values(batch.x()), by = values(batch.y());
                for (int k = 0; k < n; k++) {
                    int row = order[from + k];
                    assertArrayEquals(Arrays.copyOfRange(xs, 2 * row, 2 * row + 2), Arrays.copyOfRange(bx, 2 * k, 2 * k + 2), x.dtype() + " x row " + row);
                    assertArrayEquals(Arrays.copyOfRange(ys, 2 * row, 2 * row + 2), Arrays.copyOfRange(by, 2 * k, 2 * k + 2), y.dtype() + " y row " + row);
                }
                from += n;
            }
            assertEquals(3, from);
        }
    }

    /** Each value exactly: a float's bits (as a double, which holds every float dtype), an integer's value. */
    private static long[] values(Tensor t) {
        if (!t.dtype().isFloat()) return t.toLongArray();
        return Arrays.stream(t.toDoubleArray()).mapToLong(Double::doubleToRawLongBits).toArray();
    }

    @Test
    void badArgumentsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Batches.of(x(4), y(5), 2));
        assertEquals("Batches.of: x has 4 rows (shape [4, 3]) but y has 5 (shape [5])", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Batches.of(x(4), y(4), 0));
        assertEquals("Batches.of: batch size must be positive, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Batches.of(Tensor.of(new float[]{1}, new int[0]), y(1), 1));
        assertTrue(e.getMessage().contains("first axis of rows"), e.getMessage());
    }
}
