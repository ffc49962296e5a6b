// Mini-batches over a data set of (x, y) rows: in order or shuffled with a seed, one permutation per epoch.
package dev.jtiny.data;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.HalfPrecision;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * Splits x and y along their first axis into batches of {@code batchSize} rows:
 * <pre>{@code
 * var batches = Batches.of(data.trainImages(), data.trainLabels(), 128).shuffle(42).dropLast(true);
 * for (int epoch = 0; epoch < 5; epoch++)
 *     for (var b : batches.epoch(epoch)) train(b.x(), b.y());
 * }</pre>
 * Each epoch visits every row exactly once (less the last, short batch with {@code dropLast}); a shuffled epoch's
 * order depends only on the seed and the epoch number, so a run can be repeated.
 *
 * <p>The rows are gathered on the host: {@link #of} reads x and y back once, and each batch is a new tensor built from
 * the chosen rows, then moved to x's (or y's) device. Gathering on the device needs indexing by an integer tensor,
 * which the DSL does not have yet; when it does, batches can be gathered where the data lives.
 */
public final class Batches {
    /** One batch: rows of x and the matching rows of y. */
    public record Batch(Tensor x, Tensor y) {}

    /** A tensor's values on the host, in its dtype's host array ({@link DType#newHostArray}), cut into rows. */
    private record Rows(Object data, DType dtype, int[] shape, int rowLength, String device) {
        static Rows of(Tensor t) {
            int[] s = t.shape();
            int rowLength = s[0] == 0 ? 0 : (int) (t.numel() / s[0]);
            DType d = t.dtype();
            Object data = switch (d) {
                case FLOAT32 -> t.toFloatArray();
                case FLOAT64 -> t.toDoubleArray();
                case INT32 -> t.toIntArray();
                case INT64 -> t.toLongArray();
                case FLOAT16, BFLOAT16 -> {
                    // A float holds every 16-bit float exactly, so rounding back gives the stored bits.
                    float[] f = t.toFloatArray();
                    short[] bits = new short[f.length];
                    for (int i = 0; i < f.length; i++) bits[i] = d == DType.FLOAT16 ? HalfPrecision.f16(f[i]) : HalfPrecision.bf16(f[i]);
                    yield bits;
                }
                case INT8, UINT8 -> {
                    int[] v = t.toIntArray();
                    byte[] b = new byte[v.length];
                    for (int i = 0; i < v.length; i++) b[i] = (byte) v[i]; // uint8 255 is the byte 0xFF
                    yield b;
                }
                case BOOL -> {
                    boolean[] v = t.toBooleanArray();
                    byte[] b = new byte[v.length];
                    for (int i = 0; i < v.length; i++) b[i] = (byte) (v[i] ? 1 : 0);
                    yield b;
                }
            };
            return new Rows(data, d, s, rowLength, t.device());
        }

        Tensor gather(int[] order, int from, int to) {
            int n = to - from;
            Object out = dtype.newHostArray(n * rowLength);
            for (int k = 0; k < n; k++) System.arraycopy(data, order[from + k] * rowLength, out, k * rowLength, rowLength);
            int[] batchShape = shape.clone();
            batchShape[0] = n;
            Tensor t = switch (dtype) {
                case FLOAT32 -> Tensor.of((float[]) out, batchShape);
                case FLOAT64 -> Tensor.ofDoubles((double[]) out, batchShape);
                case FLOAT16, BFLOAT16 -> Tensor.ofBits((short[]) out, dtype, batchShape);
                case INT32 -> Tensor.of((int[]) out, batchShape);
                case INT64 -> Tensor.of((long[]) out, batchShape);
                case INT8, UINT8, BOOL -> Tensor.of((byte[]) out, dtype, batchShape);
            };
            return t.to(device);
        }
    }

    private final Rows x, y;
    private final int batchSize;
    private final Long seed; // null: in order
    private final boolean dropLast;

    private Batches(Rows x, Rows y, int batchSize, Long seed, boolean dropLast) {
        this.x = x;
        this.y = y;
        this.batchSize = batchSize;
        this.seed = seed;
        this.dropLast = dropLast;
    }

    /** Batches of {@code batchSize} rows of x and y, in order, the last one shorter when the rows do not divide evenly. */
    public static Batches of(Tensor x, Tensor y, int batchSize) {
        if (batchSize <= 0) throw new IllegalArgumentException("Batches.of: batch size must be positive, got " + batchSize);
        if (x.ndim() == 0 || y.ndim() == 0) {
            throw new IllegalArgumentException("Batches.of: x and y need a first axis of rows; got shapes "
                    + Arrays.toString(x.shape()) + " and " + Arrays.toString(y.shape()));
        }
        if (x.shape()[0] != y.shape()[0]) {
            throw new IllegalArgumentException("Batches.of: x has " + x.shape()[0] + " rows (shape " + Arrays.toString(x.shape())
                    + ") but y has " + y.shape()[0] + " (shape " + Arrays.toString(y.shape()) + ")");
        }
        return new Batches(Rows.of(x), Rows.of(y), batchSize, null, false);
    }

    /** The same batches, with the rows in a new random order each epoch, chosen by {@code seed} and the epoch number. */
    public Batches shuffle(long seed) { return new Batches(x, y, batchSize, seed, dropLast); }

    /** The same batches, without the last one when it would be shorter than the batch size (or with it again). */
    public Batches dropLast(boolean drop) { return new Batches(x, y, batchSize, seed, drop); }

    /** Rows in the data set. */
    public int rows() { return x.shape[0]; }

    public int batchSize() { return batchSize; }

    /** Batches per epoch. */
    public int size() {
        int n = rows();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** The batches of epoch {@code epoch} (0, 1, …); iterating twice gives the same batches. */
    public Iterable<Batch> epoch(int epoch) {
        return () -> new Iterator<>() {
            final int[] order = order(epoch);
            final int count = size();
            int next = 0;

            @Override public boolean hasNext() { return next < count; }

            @Override public Batch next() {
                if (!hasNext()) throw new NoSuchElementException("epoch " + epoch + " has " + count + " batches");
                int from = next * batchSize, to = Math.min(from + batchSize, order.length);
                next++;
                return new Batch(x.gather(order, from, to), y.gather(order, from, to));
            }
        };
    }

    /** The row order of an epoch: 0..n-1, or a Fisher-Yates shuffle seeded by (seed, epoch). */
    int[] order(int epoch) {
        int n = rows();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        if (seed == null) return order;
        // Hashing the seed once and stepping by an odd constant gives each epoch its own, unrelated stream.
        long epochSeed = new SplittableRandom(seed).nextLong() + epoch * 0x9E3779B97F4A7C15L;
        SplittableRandom r = new SplittableRandom(epochSeed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
