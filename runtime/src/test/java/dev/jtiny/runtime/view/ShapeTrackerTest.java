// Movement ops and their compositions through a stack of views, checked at every index against a brute-force
// nd-array; plus which trackers are contiguous and which read each base element at most once.
package dev.jtiny.runtime.view;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class ShapeTrackerTest {

    /** A tracker and the reference array it should index, moved in lockstep. */
    record Both(ShapeTracker st, NdModel ref, String ops) {
        static Both of(int... shape) {
            return new Both(ShapeTracker.contiguous(shape), NdModel.base(shape), "base" + Arrays.toString(shape));
        }
        Both reshape(int... s) { return new Both(st.reshape(s), ref.reshape(s), ops + ".reshape" + Arrays.toString(s)); }
        Both permute(int... o) { return new Both(st.permute(o), ref.permute(o), ops + ".permute" + Arrays.toString(o)); }
        Both expand(int... s) { return new Both(st.expand(s), ref.expand(s), ops + ".expand" + Arrays.toString(s)); }
        Both pad(int[][] p) { return new Both(st.pad(p), ref.pad(p), ops + ".pad" + Arrays.deepToString(p)); }
        Both shrink(int[][] r) { return new Both(st.shrink(r), ref.shrink(r), ops + ".shrink" + Arrays.deepToString(r)); }
        Both flip(boolean... a) { return new Both(st.flip(a), ref.flip(a), ops + ".flip" + Arrays.toString(a)); }

        Both check() {
            ref.check(st.shape(), st::expr, ops + " " + st.views());
            return this;
        }
    }

    static int[][] r(int... v) {
        int[][] out = new int[v.length / 2][];
        for (int i = 0; i < out.length; i++) out[i] = new int[]{v[2 * i], v[2 * i + 1]};
        return out;
    }

    // ---- each movement op ----

    @Test
    void contiguousReshapeStaysOneContiguousView() {
        Both b = Both.of(2, 3, 4);
        for (int[] s : new int[][]{{6, 4}, {24}, {4, 1, 6}, {1, 2, 12, 1}, {2, 3, 4}}) {
            Both r = b.reshape(s).check();
            assertEquals(1, r.st().views().size(), r.ops());
            assertTrue(r.st().isContiguous(), r.ops());
        }
    }

    @Test
    void reshapeOfATransposeNeedsASecondView() {
        Both t = Both.of(3, 4).permute(1, 0).check();
        assertNull(t.st().top().reshape(new int[]{12}), "no single view flattens a transpose");
        Both flat = t.reshape(12).check();
        assertEquals(2, flat.st().views().size());
        Both again = flat.reshape(2, 6).check();
        assertEquals(2, again.st().views().size(), "a reshape of the contiguous top view does not stack a third");
        t.reshape(2, 2, 3).check();
        t.reshape(4, 3, 1).check();
    }

    @Test
    void reshapeThatOnlySplitsOrMergesChainedStridesStaysOneView() {
        Both p = Both.of(2, 3, 4).permute(1, 0, 2);
        Both split = p.reshape(3, 2, 2, 2).check();
        assertEquals(1, split.st().views().size(), split.ops());
        Both units = p.reshape(3, 1, 2, 4, 1).check();
        assertEquals(1, units.st().views().size(), units.ops());
        Both merged = Both.of(4, 3, 2).permute(2, 0, 1).reshape(2, 12).check();
        assertEquals(1, merged.st().views().size(), "the last two dims still chain: " + merged.st().views());
    }

    @Test
    void permute() {
        Both.of(2, 3, 4).permute(2, 0, 1).check();
        Both.of(2, 3, 4).permute(1, 2, 0).permute(2, 0, 1).check();
        Both.of(5, 1, 3).permute(1, 2, 0).check();
    }

    @Test
    void expand() {
        Both.of(3, 1).expand(3, 4).check();
        Both.of(1, 1).expand(2, 3).check();
        Both.of(1, 4, 1).expand(2, 4, 3).check();
    }

    @Test
    void pad() {
        Both.of(2, 3).pad(r(1, 2, 0, 1)).check();
        Both.of(4).pad(r(3, 0)).check();
        Both.of(2, 3).pad(r(0, 0, 0, 0)).check();
        Both.of(2, 2).pad(r(1, 1, 1, 1)).pad(r(1, 0, 0, 2)).check();
    }

    @Test
    void shrink() {
        Both.of(4, 5).shrink(r(1, 3, 2, 5)).check();
        Both.of(4, 5).shrink(r(0, 4, 0, 5)).check();
        Both.of(6).shrink(r(2, 3)).check();
        Both.of(4, 5).shrink(r(1, 4, 1, 5)).shrink(r(1, 2, 0, 3)).check();
    }

    @Test
    void flip() {
        Both.of(3, 4).flip(true, false).check();
        Both.of(3, 4).flip(true, true).check();
        Both.of(3, 4).flip(false, true).flip(false, true).check();
        Both.of(2, 3, 4).flip(false, true, false).check();
    }

    // ---- compositions ----

    @Test
    void permuteOfAPaddedShrink() {
        Both.of(4, 5).shrink(r(1, 3, 0, 4)).pad(r(1, 1, 2, 0)).permute(1, 0).check();
        Both.of(2, 3, 4).shrink(r(0, 2, 1, 3, 1, 4)).pad(r(0, 1, 1, 0, 2, 2)).permute(2, 0, 1).check();
    }

    @Test
    void flipOfAPermutedShrink() {
        Both.of(3, 4, 5).shrink(r(1, 3, 0, 2, 1, 5)).permute(2, 0, 1).flip(true, false, true).check();
        Both.of(4, 6).shrink(r(1, 4, 2, 6)).permute(1, 0).flip(true, true).check();
    }

    @Test
    void reshapeOfATransposedView() {
        Both t = Both.of(4, 6).permute(1, 0);
        t.reshape(24).check();
        t.reshape(6, 2, 2).check();
        t.reshape(3, 8).check();
        t.reshape(2, 3, 4).check();
        Both.of(2, 3, 4).permute(2, 1, 0).reshape(4, 6).check();
        Both.of(2, 3, 4).permute(0, 2, 1).reshape(2, 12).reshape(6, 4).check();
    }

    @Test
    void expandThenReshape() {
        Both.of(3, 1).expand(3, 4).reshape(12).check();
        Both.of(3, 1).expand(3, 4).reshape(6, 2).check();
        Both.of(1, 4).expand(3, 4).reshape(12).check();
        Both.of(1, 4).expand(3, 4).reshape(3, 2, 2).check();
        Both.of(2, 1, 3).expand(2, 4, 3).reshape(8, 3).check();
        Both.of(2, 1, 3).expand(2, 4, 3).reshape(2, 12).check();
    }

    @Test
    void padThenReshapeMergingDims() {
        Both p = Both.of(2, 3).pad(r(1, 0, 1, 1));
        Both flat = p.reshape(15).check();
        assertEquals(2, flat.st().views().size(), "merging masked dims needs a second view");
        p.reshape(5, 3).check();
        p.reshape(1, 3, 5, 1).check();
        Both.of(4).pad(r(1, 1)).reshape(2, 3).check();
        Both.of(2, 3).pad(r(0, 0, 1, 0)).reshape(8).permute(0).reshape(2, 2, 2).check();
    }

    @Test
    void threeViewsDeep() {
        Both b = Both.of(3, 4).permute(1, 0).reshape(12)        // two views
                .shrink(r(1, 11)).reshape(2, 5).permute(1, 0)    // top view permuted
                .reshape(10).pad(r(2, 2)).reshape(2, 7);          // three views
        b.check();
        assertTrue(b.st().views().size() >= 3, b.st().views().toString());
        b.flip(true, true).shrink(r(0, 2, 1, 6)).check();
    }

    @Test
    void randomMovementSequencesMatchTheReference() {
        Random rnd = new Random(7_2024);
        int checked = 0;
        for (int trial = 0; trial < 400; trial++) {
            int nd = 1 + rnd.nextInt(3);
            int[] shape = new int[nd];
            for (int i = 0; i < nd; i++) shape[i] = 1 + rnd.nextInt(4);
            Both b = Both.of(shape);
            int steps = 1 + rnd.nextInt(6);
            for (int s = 0; s < steps; s++) {
                b = randomOp(rnd, b);
                if (b.ref().data().length == 0 || b.ref().data().length > 3000) break;
                b.check();
                checked++;
            }
        }
        assertTrue(checked > 800, "checked " + checked);
    }

    private static Both randomOp(Random rnd, Both b) {
        int[] sh = b.st().shape();
        int n = sh.length;
        switch (rnd.nextInt(6)) {
            case 0 -> { return b.reshape(randomFactorization(rnd, (int) View.numel(sh))); }
            case 1 -> {
                List<Integer> order = new ArrayList<>();
                for (int i = 0; i < n; i++) order.add(i);
                Collections.shuffle(order, rnd);
                return b.permute(order.stream().mapToInt(Integer::intValue).toArray());
            }
            case 2 -> {
                int[] ns = sh.clone();
                boolean any = false;
                for (int i = 0; i < n; i++) if (sh[i] == 1 && rnd.nextBoolean()) { ns[i] = 2 + rnd.nextInt(2); any = true; }
                if (!any) {
                    // insert a unit dimension, then broadcast it
                    int at = rnd.nextInt(n + 1);
                    int[] withOne = new int[n + 1];
                    for (int i = 0, j = 0; i <= n; i++) withOne[i] = i == at ? 1 : sh[j++];
                    int[] wide = withOne.clone();
                    wide[at] = 2 + rnd.nextInt(2);
                    return b.reshape(withOne).expand(wide);
                }
                return b.expand(ns);
            }
            case 3 -> {
                int[][] p = new int[n][];
                for (int i = 0; i < n; i++) p[i] = new int[]{rnd.nextInt(3), rnd.nextInt(3)};
                return b.pad(p);
            }
            case 4 -> {
                int[][] rg = new int[n][];
                for (int i = 0; i < n; i++) {
                    int lo = rnd.nextInt(sh[i]);
                    rg[i] = new int[]{lo, lo + 1 + rnd.nextInt(sh[i] - lo)};
                }
                return b.shrink(rg);
            }
            default -> {
                boolean[] axes = new boolean[n];
                for (int i = 0; i < n; i++) axes[i] = rnd.nextBoolean();
                return b.flip(axes);
            }
        }
    }

    private static int[] randomFactorization(Random rnd, int total) {
        List<Integer> dims = new ArrayList<>();
        int rest = total;
        while (rest > 1 && dims.size() < 4) {
            List<Integer> divisors = new ArrayList<>();
            for (int d = 2; d <= rest; d++) if (rest % d == 0) divisors.add(d);
            int d = divisors.get(rnd.nextInt(divisors.size()));
            dims.add(d);
            rest /= d;
            if (rnd.nextInt(5) == 0) dims.add(1);
        }
        if (rest > 1) dims.add(rest);
        if (dims.isEmpty() || rnd.nextInt(4) == 0) dims.add(rnd.nextInt(dims.size() + 1), 1);
        return dims.stream().mapToInt(Integer::intValue).toArray();
    }

    // ---- contiguity and injectivity ----

    @Test
    void contiguity() {
        ShapeTracker c = ShapeTracker.contiguous(3, 4);
        assertTrue(c.isContiguous());
        assertTrue(c.reshape(new int[]{2, 6}).isContiguous());
        assertTrue(c.reshape(new int[]{1, 12, 1}).isContiguous());
        assertFalse(c.permute(new int[]{1, 0}).isContiguous());
        assertTrue(c.permute(new int[]{1, 0}).permute(new int[]{1, 0}).isContiguous(), "a permutation undone");
        assertTrue(c.shrink(r(0, 2, 0, 4)).isContiguous(), "leading rows are a contiguous prefix");
        assertFalse(c.shrink(r(1, 3, 0, 4)).isContiguous(), "an offset");
        assertFalse(c.shrink(r(0, 3, 0, 2)).isContiguous(), "a row stride wider than the row");
        assertTrue(c.shrink(r(0, 3, 0, 4)).isContiguous(), "shrinking to everything changes nothing");
        assertFalse(c.pad(r(1, 0, 0, 0)).isContiguous());
        assertFalse(c.flip(new boolean[]{true, false}).isContiguous());
        assertFalse(ShapeTracker.contiguous(3, 1).expand(new int[]{3, 4}).isContiguous());
        assertFalse(c.permute(new int[]{1, 0}).reshape(new int[]{12}).isContiguous(), "two views are never contiguous");
    }

    @Test
    void injectivity() {
        ShapeTracker c = ShapeTracker.contiguous(3, 4);
        assertTrue(c.isInjective());
        assertTrue(c.permute(new int[]{1, 0}).isInjective(), "permute");
        assertTrue(c.pad(r(1, 1, 0, 2)).isInjective(), "pad: padding reads nothing");
        assertTrue(c.shrink(r(1, 2, 0, 3)).isInjective(), "shrink");
        assertTrue(c.flip(new boolean[]{true, true}).isInjective(), "flip");
        assertTrue(c.permute(new int[]{1, 0}).reshape(new int[]{12}).isInjective(), "reshape of a transpose");

        ShapeTracker col = ShapeTracker.contiguous(3, 1);
        assertFalse(col.expand(new int[]{3, 4}).isInjective(), "expand to 4 reads each element 4 times");
        assertTrue(col.expand(new int[]{3, 1}).isInjective(), "expand to the same size");
        assertTrue(col.expand(new int[]{3, 4}).shrink(r(0, 3, 2, 3)).isInjective(), "an expanded dim shrunk back to 1");
        assertFalse(col.expand(new int[]{3, 4}).pad(r(1, 0, 0, 1)).isInjective(), "padding does not hide a broadcast");
        assertFalse(col.expand(new int[]{3, 4}).reshape(new int[]{12}).isInjective(), "a broadcast below a reshape");
        assertTrue(col.pad(r(0, 0, 0, 3)).isInjective(), "a padded unit dim: one real element per row");
    }

    @Test
    void unravelSplitsRowMajor() {
        Expr g = Expr.var("g", 0, 23);
        Expr[] idx = ShapeTracker.unravel(g, new int[]{2, 1, 3, 4});
        assertEquals(Expr.div(g, 12), idx[0]);
        assertEquals(Expr.num(0), idx[1]);
        assertEquals(Expr.mod(Expr.div(g, 4), 3), idx[2]);
        assertEquals(Expr.mod(g, 4), idx[3]);
        assertEquals(1, idx[0].max(), "the outermost index needs no modulo");
    }

}
