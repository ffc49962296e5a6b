// A plain nd-array of base positions (-1 for padding) that movement ops rearrange by brute force: the reference
// the symbolic index math is checked against, element by element.
package dev.jtiny.runtime.view;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

record NdModel(int[] shape, int[] data) {
    static final int PAD = -1;

    /** The base buffer itself: element k holds k. */
    static NdModel base(int... shape) {
        int[] d = new int[(int) View.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = i;
        return new NdModel(shape.clone(), d);
    }

    int at(int[] idx) {
        int flat = 0;
        for (int i = 0; i < shape.length; i++) flat = flat * shape[i] + idx[i];
        return data[flat];
    }

    /** A new array whose element at each index is this array's element at {@code source(index)} (PAD for null). */
    private NdModel map(int[] newShape, Function<int[], int[]> source) {
        int[] d = new int[(int) View.numel(newShape)];
        int[] idx = new int[newShape.length];
        for (int k = 0; k < d.length; k++) {
            int[] from = source.apply(idx.clone());
            d[k] = from == null ? PAD : at(from);
            increment(idx, newShape);
        }
        return new NdModel(newShape.clone(), d);
    }

    static void increment(int[] idx, int[] shape) {
        for (int i = shape.length - 1; i >= 0; i--) {
            if (++idx[i] < shape[i]) return;
            idx[i] = 0;
        }
    }

    NdModel reshape(int... newShape) {
        if (View.numel(newShape) != data.length) throw new IllegalArgumentException("bad reshape");
        return new NdModel(newShape.clone(), data.clone());
    }

    NdModel permute(int... order) {
        int[] sh = new int[order.length];
        for (int i = 0; i < order.length; i++) sh[i] = shape[order[i]];
        return map(sh, j -> {
            int[] o = new int[shape.length];
            for (int i = 0; i < order.length; i++) o[order[i]] = j[i];
            return o;
        });
    }

    NdModel expand(int... newShape) {
        return map(newShape, j -> {
            int[] o = new int[shape.length];
            for (int i = 0; i < shape.length; i++) o[i] = shape[i] == 1 ? 0 : j[i];
            return o;
        });
    }

    NdModel pad(int[][] pads) {
        int[] sh = new int[shape.length];
        for (int i = 0; i < shape.length; i++) sh[i] = shape[i] + pads[i][0] + pads[i][1];
        return map(sh, j -> {
            int[] o = new int[shape.length];
            for (int i = 0; i < shape.length; i++) {
                o[i] = j[i] - pads[i][0];
                if (o[i] < 0 || o[i] >= shape[i]) return null;
            }
            return o;
        });
    }

    NdModel shrink(int[][] ranges) {
        int[] sh = new int[shape.length];
        for (int i = 0; i < shape.length; i++) sh[i] = ranges[i][1] - ranges[i][0];
        return map(sh, j -> {
            int[] o = new int[shape.length];
            for (int i = 0; i < shape.length; i++) o[i] = j[i] + ranges[i][0];
            return o;
        });
    }

    NdModel flip(boolean... axes) {
        return map(shape, j -> {
            int[] o = new int[shape.length];
            for (int i = 0; i < shape.length; i++) o[i] = axes[i] ? shape[i] - 1 - j[i] : j[i];
            return o;
        });
    }

    /**
     * Checks {@code indexer} (per-dimension indices to [flat, valid]) against this array at every index, twice:
     * with one variable per dimension, and with one flat work-item variable unravelled as the linearizer does.
     */
    void check(int[] gotShape, Function<Expr[], Expr[]> indexer, String what) {
        assertArrayEquals(shape, gotShape, what + ": shape");
        Expr[] perDim = new Expr[shape.length];
        for (int i = 0; i < shape.length; i++) perDim[i] = Expr.var("i" + i, 0, shape[i] - 1);
        Expr[] byDim = indexer.apply(perDim);
        Expr gidx = Expr.var("gidx", 0, Math.max(data.length - 1, 0));
        Expr[] byFlat = indexer.apply(ShapeTracker.unravel(gidx, shape));
        int[] idx = new int[shape.length];
        Map<String, Long> env = new HashMap<>();
        for (int k = 0; k < data.length; k++) {
            env.clear();
            for (int i = 0; i < shape.length; i++) env.put("i" + i, (long) idx[i]);
            env.put("gidx", (long) k);
            compare(byDim, env, data[k], what + " at " + Arrays.toString(idx) + " (per-dimension index)");
            compare(byFlat, env, data[k], what + " at " + Arrays.toString(idx) + " (flat index " + k + ")");
            increment(idx, shape);
        }
    }

    private static void compare(Expr[] fv, Map<String, Long> env, int want, String where) {
        long valid = ExprEval.eval(fv[1], env);
        if (want == PAD) {
            if (valid != 0) fail(where + ": padding, but valid=" + fv[1].render() + " holds and reads " + ExprEval.eval(fv[0], env));
            return;
        }
        if (valid != 1) fail(where + ": want element " + want + ", but valid=" + fv[1].render() + " is " + valid);
        long got = ExprEval.eval(fv[0], env);
        if (got != want) fail(where + ": want element " + want + ", got " + got + " from " + fv[0].render());
        if (got < fv[0].min() || got > fv[0].max()) fail(where + ": " + got + " outside bounds of " + fv[0].render());
    }
}
