// The register-tile micro-kernel of every CPU matmul and convolution: compiled once, warmed when the device opens.
package dev.jtiny.runtime.device.java;

import dev.jtiny.runtime.codegen.JavaRenderer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A tiled kernel on {@code JAVA} (a matmul, a linear layer, a convolution's windows times its weights) calls
 * {@link #tile} once per register tile for the reduction's loop, and keeps only the index math and its epilogue in
 * its own generated class. The Vector API is fast only once HotSpot's C2 has compiled the code using it; a fresh
 * generated class runs interpreted and then through C1 for its first hundreds of milliseconds, where each vector
 * operation is an allocation. This one class is shared by every tiled kernel, so it is compiled once per process,
 * and {@link #warm} has it compiled before the first matmul needs it.
 *
 * <p>A tile is {@code rows} rows by {@code vecs} vectors of columns: C's segment (r, v) of one vector at
 * {@code c0 + r*cRow + v*cVec} gets the sum over {@code p < k} of A's element {@code a0 + r*aRow + p} times
 * B's vector at {@code b0 + v*bVec + p*bK}. It is computed eight or six rows at a time where the columns are two
 * vectors, then four rows at a time (by up to two vectors on AVX2, whose sixteen registers then keep the
 * accumulators, a row of B and a broadcast of A with one to spare; by up to three where there are 32), then row by
 * row.
 * A's rows are contiguous in k, the layout of nearly every matmul and of a convolution's weights: as a constant
 * stride, HotSpot drops the bounds checks of its loads (10-15% faster than a stride passed in).
 */
public final class Gemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int W = S.length();

    private Gemm() {}

    /** Vector lanes of a segment: the species every Java vector kernel uses. */
    public static int lanes() { return W; }

    /** Writes the tile's sums into {@code c} (see the class comment); {@code vecs} of any count, in groups of up to three (two on AVX2). */
    public static void tile(int rows, int vecs, int k, float[] a, int a0, int aRow,
                            float[] b, int b0, int bVec, int bK, float[] c, int c0, int cRow, int cVec) {
        for (int v = 0; v < vecs; ) {
            int n = vecs - v == 4 ? 2 : Math.min(THREE_VECTORS ? 3 : 2, vecs - v);
            int bv = b0 + v * bVec, cv = c0 + v * cVec, r = 0;
            // Eight rows share each load of B where the registers hold them (AVX-512's 32): B's panel, too large for
            // L1 on long rows, is then streamed once per tile rather than twice (2048 matmul: 94 -> 70 ms).
            for (; n == 2 && EIGHT_ROWS && r + 8 <= rows; r += 8) rows8x2(k, a, a0 + r * aRow, aRow, b, bv, bVec, bK, c, cv + r * cRow, cRow, cVec);
            // Six rows by two vectors: twelve sums, B's two vectors and a broadcast in AVX2's sixteen registers; a
            // 6-row tile (the tile heuristic's pick where rows divide by six) otherwise streamed B three times.
            // B packed in panels of two vectors (a matmul's packed weight, a convolution's windows) is read at a
            // constant step, which lets HotSpot drop its loads' bounds checks: 79 -> 96 GFLOPS on one AVX2 core.
            boolean packed = n == 2 && bVec == W && bK == 2 * W;
            for (; n == 2 && r + 6 <= rows; r += 6) {
                if (packed) rows6x2Packed(k, a, a0 + r * aRow, aRow, b, bv, c, cv + r * cRow, cRow, cVec);
                else rows6x2(k, a, a0 + r * aRow, aRow, b, bv, bVec, bK, c, cv + r * cRow, cRow, cVec);
            }
            for (; r + 4 <= rows; r += 4) {
                int ar = a0 + r * aRow, cr = cv + r * cRow;
                switch (n) {
                    case 1 -> rows4x1(k, a, ar, aRow, b, bv, bK, c, cr, cRow);
                    case 2 -> {
                        if (packed) rows4x2Packed(k, a, ar, aRow, b, bv, c, cr, cRow, cVec);
                        else rows4x2(k, a, ar, aRow, b, bv, bVec, bK, c, cr, cRow, cVec);
                    }
                    default -> rows4x3(k, a, ar, aRow, b, bv, bVec, bK, c, cr, cRow, cVec);
                }
            }
            for (; r < rows; r++) row(n, k, a, a0 + r * aRow, b, bv, bVec, bK, c, cv + r * cRow, cVec);
            v += n;
        }
    }

    /** Eight rows by two vectors where the registers hold them (32 of them: AVX-512, ARM), as the tile heuristic says. */
    private static final boolean EIGHT_ROWS = JavaRenderer.tileFitsRegisters(8, 2, W);
    /** Four rows by three vectors where the registers hold them; on AVX2 three vectors are two and one (no spills). */
    private static final boolean THREE_VECTORS = JavaRenderer.tileFitsRegisters(4, 3, W);

    private static void rows8x2(int k, float[] a, int a0, int aRow, float[] b, int b0, int bVec, int bK,
                                float[] c, int c0, int cRow, int cVec) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00,
                c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        int a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow, a4 = a3 + aRow, a5 = a4 + aRow, a6 = a5 + aRow, a7 = a6 + aRow,
                b1 = b0 + bVec;
        for (int p = 0; p < k; p++) {
            int pb = p * bK;
            FloatVector y0 = FloatVector.fromArray(S, b, b0 + pb), y1 = FloatVector.fromArray(S, b, b1 + pb);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(y0, c00);
            c01 = x.fma(y1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(y0, c10);
            c11 = x.fma(y1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(y0, c20);
            c21 = x.fma(y1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(y0, c30);
            c31 = x.fma(y1, c31);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(y0, c40);
            c41 = x.fma(y1, c41);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(y0, c50);
            c51 = x.fma(y1, c51);
            x = FloatVector.broadcast(S, a[a6 + p]);
            c60 = x.fma(y0, c60);
            c61 = x.fma(y1, c61);
            x = FloatVector.broadcast(S, a[a7 + p]);
            c70 = x.fma(y0, c70);
            c71 = x.fma(y1, c71);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + cVec);
        c10.intoArray(c, c0 + 1 * cRow);
        c11.intoArray(c, c0 + 1 * cRow + cVec);
        c20.intoArray(c, c0 + 2 * cRow);
        c21.intoArray(c, c0 + 2 * cRow + cVec);
        c30.intoArray(c, c0 + 3 * cRow);
        c31.intoArray(c, c0 + 3 * cRow + cVec);
        c40.intoArray(c, c0 + 4 * cRow);
        c41.intoArray(c, c0 + 4 * cRow + cVec);
        c50.intoArray(c, c0 + 5 * cRow);
        c51.intoArray(c, c0 + 5 * cRow + cVec);
        c60.intoArray(c, c0 + 6 * cRow);
        c61.intoArray(c, c0 + 6 * cRow + cVec);
        c70.intoArray(c, c0 + 7 * cRow);
        c71.intoArray(c, c0 + 7 * cRow + cVec);
    }

    private static void rows6x2(int k, float[] a, int a0, int aRow, float[] b, int b0, int bVec, int bK,
                                float[] c, int c0, int cRow, int cVec) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00,
                c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        int a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow, a4 = a3 + aRow, a5 = a4 + aRow, b1 = b0 + bVec;
        for (int p = 0; p < k; p++) {
            int pb = p * bK;
            FloatVector y0 = FloatVector.fromArray(S, b, b0 + pb), y1 = FloatVector.fromArray(S, b, b1 + pb);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(y0, c00);
            c01 = x.fma(y1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(y0, c10);
            c11 = x.fma(y1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(y0, c20);
            c21 = x.fma(y1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(y0, c30);
            c31 = x.fma(y1, c31);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(y0, c40);
            c41 = x.fma(y1, c41);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(y0, c50);
            c51 = x.fma(y1, c51);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + cVec);
        c10.intoArray(c, c0 + cRow);
        c11.intoArray(c, c0 + cRow + cVec);
        c20.intoArray(c, c0 + 2 * cRow);
        c21.intoArray(c, c0 + 2 * cRow + cVec);
        c30.intoArray(c, c0 + 3 * cRow);
        c31.intoArray(c, c0 + 3 * cRow + cVec);
        c40.intoArray(c, c0 + 4 * cRow);
        c41.intoArray(c, c0 + 4 * cRow + cVec);
        c50.intoArray(c, c0 + 5 * cRow);
        c51.intoArray(c, c0 + 5 * cRow + cVec);
    }

    /** {@link #rows6x2} for B in panels of two vectors: its step in k is the constant 2W. */
    private static void rows6x2Packed(int k, float[] a, int a0, int aRow, float[] b, int b0, float[] c, int c0, int cRow, int cVec) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00,
                c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        int a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow, a4 = a3 + aRow, a5 = a4 + aRow;
        for (int p = 0; p < k; p++) {
            int pb = b0 + p * (2 * W);
            FloatVector y0 = FloatVector.fromArray(S, b, pb), y1 = FloatVector.fromArray(S, b, pb + W);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(y0, c00);
            c01 = x.fma(y1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(y0, c10);
            c11 = x.fma(y1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(y0, c20);
            c21 = x.fma(y1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(y0, c30);
            c31 = x.fma(y1, c31);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(y0, c40);
            c41 = x.fma(y1, c41);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(y0, c50);
            c51 = x.fma(y1, c51);
        }
        store2(c, c0, cVec, c00, c01);
        store2(c, c0 + cRow, cVec, c10, c11);
        store2(c, c0 + 2 * cRow, cVec, c20, c21);
        store2(c, c0 + 3 * cRow, cVec, c30, c31);
        store2(c, c0 + 4 * cRow, cVec, c40, c41);
        store2(c, c0 + 5 * cRow, cVec, c50, c51);
    }

    /** {@link #rows4x2} for B in panels of two vectors: its step in k is the constant 2W. */
    private static void rows4x2Packed(int k, float[] a, int a0, int aRow, float[] b, int b0, float[] c, int c0, int cRow, int cVec) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        int a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow;
        for (int p = 0; p < k; p++) {
            int pb = b0 + p * (2 * W);
            FloatVector y0 = FloatVector.fromArray(S, b, pb), y1 = FloatVector.fromArray(S, b, pb + W);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(y0, c00);
            c01 = x.fma(y1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(y0, c10);
            c11 = x.fma(y1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(y0, c20);
            c21 = x.fma(y1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(y0, c30);
            c31 = x.fma(y1, c31);
        }
        store2(c, c0, cVec, c00, c01);
        store2(c, c0 + cRow, cVec, c10, c11);
        store2(c, c0 + 2 * cRow, cVec, c20, c21);
        store2(c, c0 + 3 * cRow, cVec, c30, c31);
    }

    private static void store2(float[] c, int at, int cVec, FloatVector v0, FloatVector v1) {
        v0.intoArray(c, at);
        v1.intoArray(c, at + cVec);
    }

    private static void rows4x1(int k, float[] a, int a0, int aRow, float[] b, int b0, int bK, float[] c, int c0, int cRow) {
        FloatVector c0v = FloatVector.zero(S), c1v = c0v, c2v = c0v, c3v = c0v;
        int a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow;
        for (int p = 0; p < k; p++) {
            FloatVector y = FloatVector.fromArray(S, b, b0 + p * bK);
            c0v = FloatVector.broadcast(S, a[a0 + p]).fma(y, c0v);
            c1v = FloatVector.broadcast(S, a[a1 + p]).fma(y, c1v);
            c2v = FloatVector.broadcast(S, a[a2 + p]).fma(y, c2v);
            c3v = FloatVector.broadcast(S, a[a3 + p]).fma(y, c3v);
        }
        c0v.intoArray(c, c0);
        c1v.intoArray(c, c0 + cRow);
        c2v.intoArray(c, c0 + 2 * cRow);
        c3v.intoArray(c, c0 + 3 * cRow);
    }

    private static void rows4x2(int k, float[] a, int a0, int aRow, float[] b, int b0, int bVec, int bK,
                                float[] c, int c0, int cRow, int cVec) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        int a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow, b1 = b0 + bVec;
        for (int p = 0; p < k; p++) {
            int pb = p * bK;
            FloatVector y0 = FloatVector.fromArray(S, b, b0 + pb), y1 = FloatVector.fromArray(S, b, b1 + pb);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(y0, c00);
            c01 = x.fma(y1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(y0, c10);
            c11 = x.fma(y1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(y0, c20);
            c21 = x.fma(y1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(y0, c30);
            c31 = x.fma(y1, c31);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + cVec);
        c10.intoArray(c, c0 + cRow);
        c11.intoArray(c, c0 + cRow + cVec);
        c20.intoArray(c, c0 + 2 * cRow);
        c21.intoArray(c, c0 + 2 * cRow + cVec);
        c30.intoArray(c, c0 + 3 * cRow);
        c31.intoArray(c, c0 + 3 * cRow + cVec);
    }

    private static void rows4x3(int k, float[] a, int a0, int aRow, float[] b, int b0, int bVec, int bK,
                                float[] c, int c0, int cRow, int cVec) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00,
                c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
        int a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow, b1 = b0 + bVec, b2 = b1 + bVec;
        for (int p = 0; p < k; p++) {
            int pb = p * bK;
            FloatVector y0 = FloatVector.fromArray(S, b, b0 + pb), y1 = FloatVector.fromArray(S, b, b1 + pb),
                    y2 = FloatVector.fromArray(S, b, b2 + pb);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(y0, c00);
            c01 = x.fma(y1, c01);
            c02 = x.fma(y2, c02);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(y0, c10);
            c11 = x.fma(y1, c11);
            c12 = x.fma(y2, c12);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(y0, c20);
            c21 = x.fma(y1, c21);
            c22 = x.fma(y2, c22);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(y0, c30);
            c31 = x.fma(y1, c31);
            c32 = x.fma(y2, c32);
        }
        int r1 = c0 + cRow, r2 = c0 + 2 * cRow, r3 = c0 + 3 * cRow;
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + cVec);
        c02.intoArray(c, c0 + 2 * cVec);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + cVec);
        c12.intoArray(c, r1 + 2 * cVec);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + cVec);
        c22.intoArray(c, r2 + 2 * cVec);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + cVec);
        c32.intoArray(c, r3 + 2 * cVec);
    }

    /**
     * One row of {@code n} (1 to 3) vectors: the rows a tile has beyond a multiple of four. Always three sums (the
     * unused ones read the first vector again): one row's loop waits on its fused multiply-adds' latency, so the
     * extra ones cost nothing and one loop serves every width.
     */
    private static void row(int n, int k, float[] a, int a0, float[] b, int b0, int bVec, int bK, float[] c, int c0, int cVec) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0;
        int b1 = n > 1 ? bVec : 0, b2 = n > 2 ? 2 * bVec : 0;
        for (int p = 0; p < k; p++) {
            int ib = b0 + p * bK;
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            s0 = x.fma(FloatVector.fromArray(S, b, ib), s0);
            s1 = x.fma(FloatVector.fromArray(S, b, ib + b1), s1);
            s2 = x.fma(FloatVector.fromArray(S, b, ib + b2), s2);
        }
        s0.intoArray(c, c0);
        if (n > 1) s1.intoArray(c, c0 + cVec);
        if (n > 2) s2.intoArray(c, c0 + 2 * cVec);
    }

    /**
     * Runs every shape of {@link #tile} on small arrays until HotSpot has compiled it with C2, so that the first
     * matmul of a session runs at full speed. On a daemon thread when the device opens: a few hundred milliseconds
     * of one core, once per process.
     */
    static void warm() {
        // Long enough rows that HotSpot's profile sees loops of realistic length (it unrolls less for short ones).
        int k = 128, n = 4 * W;
        float[] a = new float[8 * k], b = new float[k * n], c = new float[8 * n];
        for (int i = 0; i < a.length; i++) a[i] = i % 7;
        for (int i = 0; i < b.length; i++) b[i] = i % 5;
        for (int i = 0; i < 3_000; i++) {
            tile(5, 1, k, a, 0, k, b, 0, W, n, c, 0, n, W);
            tile(5, 2, k, a, 0, k, b, 0, W, n, c, 0, n, W);
            tile(6, 2, k, a, 0, k, b, 0, W, n, c, 0, n, W);
            tile(6, 2, k, a, 0, k, b, 0, W, 2 * W, c, 0, n, W); // B in panels of two vectors
            tile(4, 2, k, a, 0, k, b, 0, W, 2 * W, c, 0, n, W);
            if (EIGHT_ROWS) tile(8, 2, k, a, 0, k, b, 0, W, n, c, 0, n, W);
            tile(5, 3, k, a, 0, k, b, 0, W, n, c, 0, n, W);
        }
    }
}
