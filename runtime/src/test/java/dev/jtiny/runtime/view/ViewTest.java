// One strided, masked view: what each movement op does to shape, strides, offset and mask, and the index it
// produces, checked at every element against a brute-force nd-array.
package dev.jtiny.runtime.view;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ViewTest {

    static int[][] r(int... v) { return ShapeTrackerTest.r(v); }

    static void check(NdModel ref, View v, String what) { ref.check(v.shape(), v::expr, what + " " + v); }

    @Test
    void canonicalStridesSkipUnitDims() {
        assertArrayEquals(new int[]{12, 4, 1}, View.canonicalStrides(new int[]{2, 3, 4}));
        assertArrayEquals(new int[]{2, 0, 1}, View.canonicalStrides(new int[]{3, 1, 2}));
        assertArrayEquals(new int[]{}, View.canonicalStrides(new int[]{}));
        assertEquals(24, View.numel(new int[]{2, 3, 4}));
        assertEquals(1, View.numel(new int[]{}));
        assertTrue(View.contiguous(2, 3).isContiguous());
        assertTrue(View.contiguous().isContiguous());
    }

    @Test
    void permuteMovesShapeStridesAndMask() {
        View v = View.contiguous(2, 3, 4).pad(r(1, 0, 0, 0, 0, 2)).permute(new int[]{2, 0, 1});
        assertArrayEquals(new int[]{6, 3, 3}, v.shape());
        assertArrayEquals(new int[]{1, 12, 4}, v.strides());
        assertArrayEquals(new int[][]{{0, 4}, {1, 3}, {0, 3}}, v.mask());
        check(NdModel.base(2, 3, 4).pad(r(1, 0, 0, 0, 0, 2)).permute(2, 0, 1), v, "pad.permute");
    }

    @Test
    void expandZeroesTheStrideOfBroadcastDims() {
        View v = View.contiguous(3, 1).expand(new int[]{3, 4});
        assertArrayEquals(new int[]{1, 0}, v.strides());
        assertNull(v.mask());
        check(NdModel.base(3, 1).expand(3, 4), v, "expand");
    }

    @Test
    void expandOfAMaskedUnitDim() {
        // a real unit dim stays valid everywhere it is broadcast to
        View kept = View.contiguous(1, 3).pad(r(0, 0, 1, 0)).expand(new int[]{5, 4});
        assertArrayEquals(new int[][]{{0, 5}, {1, 4}}, kept.mask());
        check(NdModel.base(1, 3).pad(r(0, 0, 1, 0)).expand(5, 4), kept, "pad.expand");
        // a unit dim that is all padding stays all padding
        View gone = View.contiguous(1).pad(r(1, 0)).shrink(r(0, 1)).expand(new int[]{4});
        assertArrayEquals(new int[][]{{0, 0}}, gone.mask());
        assertEquals(Expr.FALSE, gone.expr(new Expr[]{Expr.var("i", 0, 3)})[1]);
        check(NdModel.base(1).pad(r(1, 0)).shrink(r(0, 1)).expand(4), gone, "pad.shrink.expand");
    }

    @Test
    void shrinkMovesTheOffsetAndTrimsTheMask() {
        View v = View.contiguous(4, 5).shrink(r(1, 3, 2, 5));
        assertEquals(7, v.offset());
        assertArrayEquals(new int[]{5, 1}, v.strides());
        assertNull(v.mask());
        check(NdModel.base(4, 5).shrink(r(1, 3, 2, 5)), v, "shrink");

        View inside = View.contiguous(4).pad(r(2, 2)).shrink(r(2, 6));
        assertNull(inside.mask(), "shrinking the padding away drops the mask");
        assertEquals(0, inside.offset());
        View edge = View.contiguous(4).pad(r(2, 2)).shrink(r(1, 4));
        assertArrayEquals(new int[][]{{1, 3}}, edge.mask());
        check(NdModel.base(4).pad(r(2, 2)).shrink(r(1, 4)), edge, "pad.shrink");
        View none = View.contiguous(4).pad(r(2, 2)).shrink(r(6, 8));
        assertArrayEquals(new int[][]{{0, 0}}, none.mask());
        check(NdModel.base(4).pad(r(2, 2)).shrink(r(6, 8)), none, "shrink to padding only");
    }

    @Test
    void padMovesTheOffsetBackAndMasks() {
        View v = View.contiguous(2, 3).pad(r(1, 2, 0, 1));
        assertArrayEquals(new int[]{5, 4}, v.shape());
        assertEquals(-3, v.offset());
        assertArrayEquals(new int[][]{{1, 3}, {0, 3}}, v.mask());
        Expr[] fv = v.expr(new Expr[]{Expr.var("a", 0, 4), Expr.var("b", 0, 3)});
        assertEquals("((a>=1)&&(a<3)&&(b<3))", fv[1].render());
        check(NdModel.base(2, 3).pad(r(1, 2, 0, 1)), v, "pad");
    }

    @Test
    void flipNegatesStridesAndMirrorsTheMask() {
        View v = View.contiguous(3, 4).flip(new boolean[]{true, false});
        assertArrayEquals(new int[]{-4, 1}, v.strides());
        assertEquals(8, v.offset());
        check(NdModel.base(3, 4).flip(true, false), v, "flip");
        View m = View.contiguous(3).pad(r(1, 2)).flip(new boolean[]{true});
        assertArrayEquals(new int[][]{{2, 5}}, m.mask());
        check(NdModel.base(3).pad(r(1, 2)).flip(true), m, "pad.flip");
    }

    @Test
    void reshapeInOneViewOrNone() {
        View c = View.contiguous(3, 4);
        assertSame(c, c.reshape(new int[]{3, 4}));
        assertEquals(View.contiguous(2, 6), c.reshape(new int[]{2, 6}));

        View t = c.permute(new int[]{1, 0});
        assertNull(t.reshape(new int[]{12}), "merging transposed dims");
        View split = t.reshape(new int[]{2, 2, 3});
        assertNotNull(split, "splitting one dim of a transpose");
        assertArrayEquals(new int[]{2, 1, 4}, split.strides());
        check(NdModel.base(3, 4).permute(1, 0).reshape(2, 2, 3), split, "transpose.split");

        View e = View.contiguous(3, 1).expand(new int[]{3, 4});
        View eSplit = e.reshape(new int[]{3, 2, 2});
        assertArrayEquals(new int[]{1, 0, 0}, eSplit.strides());
        check(NdModel.base(3, 1).expand(3, 4).reshape(3, 2, 2), eSplit, "expand.split");
        assertNull(e.reshape(new int[]{12}), "merging a broadcast dim into a real one");

        View f = View.contiguous(2, 3).flip(new boolean[]{true, true});
        View fFlat = f.reshape(new int[]{6});
        assertNotNull(fFlat, "a fully reversed array is still one strided run");
        check(NdModel.base(2, 3).flip(true, true).reshape(6), fFlat, "flip.flatten");
    }

    @Test
    void reshapeOfAMaskedViewOnlyMovesUnitDims() {
        View p = View.contiguous(2, 3).pad(r(1, 0, 0, 1));
        View withUnits = p.reshape(new int[]{1, 3, 4, 1});
        assertNotNull(withUnits);
        assertArrayEquals(new int[][]{{0, 1}, {1, 3}, {0, 3}, {0, 1}}, withUnits.mask());
        check(NdModel.base(2, 3).pad(r(1, 0, 0, 1)).reshape(1, 3, 4, 1), withUnits, "pad.reshape(units)");
        View back = withUnits.reshape(new int[]{3, 4});
        assertEquals(p, back);
        assertNull(p.reshape(new int[]{12}), "merging masked dims");
        assertNull(p.reshape(new int[]{4, 3}), "regrouping masked dims");
    }

    @Test
    void expressionOfAContiguousView() {
        Expr a = Expr.var("a", 0, 2), b = Expr.var("b", 0, 3);
        Expr[] fv = View.contiguous(3, 4).expr(new Expr[]{a, b});
        assertEquals(Expr.add(Expr.mul(a, 4), b), fv[0]);
        assertEquals(Expr.TRUE, fv[1]);
        Expr[] unit = View.contiguous(3, 1).expr(new Expr[]{a, Expr.num(0)});
        assertSame(a, unit[0], "a unit dim contributes nothing");
    }

    @Test
    void everyOpChainedOnOneViewMatchesTheReference() {
        View v = View.contiguous(3, 4, 2)
                .shrink(r(0, 3, 1, 4, 0, 2))
                .pad(r(1, 1, 0, 2, 1, 0))
                .flip(new boolean[]{false, true, true})
                .permute(new int[]{1, 2, 0})
                .shrink(r(1, 5, 0, 3, 0, 4));
        NdModel ref = NdModel.base(3, 4, 2)
                .shrink(r(0, 3, 1, 4, 0, 2))
                .pad(r(1, 1, 0, 2, 1, 0))
                .flip(false, true, true)
                .permute(1, 2, 0)
                .shrink(r(1, 5, 0, 3, 0, 4));
        check(ref, v, "chain");
    }

    @Test
    void equalityComparesArrayContents() {
        View a = View.contiguous(2, 3).pad(r(1, 0, 0, 0)), b = View.contiguous(2, 3).pad(r(1, 0, 0, 0));
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, View.contiguous(2, 3).pad(r(0, 1, 0, 0)));
        assertEquals(List.of(a), List.of(b));
    }
}
