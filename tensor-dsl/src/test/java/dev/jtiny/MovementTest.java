// Movement ops (views: reshape, permute, expand, pad, shrink, flip, slices, cat, stack, repeat) and views of views,
// on realized buffers and on unrealized expressions, against float64 references on every device.
package dev.jtiny;

import dev.jtiny.Reference.Nd;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.DType;
import org.junit.jupiter.api.AfterEach;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

import static dev.jtiny.Reference.assertClose;
import static dev.jtiny.Reference.assertExact;
import static org.junit.jupiter.api.Assertions.*;

class MovementTest {
    @AfterEach
    void resetDevice() { Config.set("DEVICE", null); }

    /** A named view: what the DSL does and what the reference does. */
    record Case(String name, Function<Tensor, Tensor> dsl, Function<Nd, Nd> ref) {}

    static Case c(String name, Function<Tensor, Tensor> dsl, Function<Nd, Nd> ref) { return new Case(name, dsl, ref); }

    /**
     * Applies each case to a realized buffer and to an unrealized expression of it (x * 2 + 1, which fuses into the
     * view's consumer). Results of all cases are flattened and concatenated into one tensor (one kernel); when that
     * differs, each case is checked on its own to name the one that is wrong.
     */
    static void check(String where, Tensor x, Nd rx, List<Case> cases) {
        Tensor lazy = x.mul(2).add(1);
        Nd rlazy = rx.map(v -> (float) (2 * v + 1)); // 2v is exact in float32, so one rounding, as on the device
        List<Tensor> got = new ArrayList<>();
        List<Nd> exp = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Case k : cases) {
            got.add(k.dsl().apply(x));
            exp.add(k.ref().apply(rx));
            names.add(k.name());
            got.add(k.dsl().apply(lazy));
            exp.add(k.ref().apply(rlazy));
            names.add(k.name() + " of (x*2+1)");
        }
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < got.size(); i++) {
            if (!Arrays.equals(exp.get(i).shape(), got.get(i).shape())) {
                failures.add(where + " " + names.get(i) + ": shape " + Arrays.toString(got.get(i).shape()) + ", expected " + Arrays.toString(exp.get(i).shape()));
            }
        }
        if (!failures.isEmpty()) fail(String.join("\n", failures));
        Tensor[] flat = got.stream().map(Tensor::flatten).toArray(Tensor[]::new);
        float[] all = T.cat(0, flat).toFloatArray();
        double[] want = exp.stream().flatMapToDouble(n -> Arrays.stream(n.v())).toArray();
        try {
            Reference.assertClose(where + " all cases concatenated", want, all, i -> 0);
        } catch (AssertionError whole) {
            for (int i = 0; i < got.size(); i++) {
                try {
                    assertExact(where + " " + names.get(i), exp.get(i), got.get(i));
                } catch (AssertionError e) {
                    failures.add(e.getMessage());
                }
            }
            if (failures.isEmpty()) failures.add(whole.getMessage() + "\n  (every case is right on its own: the concatenation is wrong)");
            fail(String.join("\n", failures));
        }
    }

    static float[] data(long seed, int n) { return Reference.gaussian(new Random(seed), n, 1); }

    // ================================================================ each op

    @OnEachDevice
    void movementOpsOn3d(String device) {
        Reference.use(device);
        float[] d = data(1, 3 * 5 * 7);
        Tensor x = Tensor.of(d, 3, 5, 7);
        Nd r = Nd.of(d, 3, 5, 7);
        List<Case> cases = List.of(
                c("reshape(15,7)", t -> t.reshape(15, 7), n -> n.reshape(15, 7)),
                c("reshape(-1,21)", t -> t.reshape(-1, 21), n -> n.reshape(5, 21)),
                c("reshape(7,-1,3)", t -> t.reshape(7, -1, 3), n -> n.reshape(7, 5, 3)),
                c("reshape(105)", t -> t.reshape(105), n -> n.reshape(105)),
                c("reshape(1,3,1,35,1)", t -> t.reshape(1, 3, 1, 35, 1), n -> n.reshape(1, 3, 1, 35, 1)),
                c("permute(2,0,1)", t -> t.permute(2, 0, 1), n -> n.permute(2, 0, 1)),
                c("permute(1,2,0)", t -> t.permute(1, 2, 0), n -> n.permute(1, 2, 0)),
                c("permute(-1,-3,-2)", t -> t.permute(-1, -3, -2), n -> n.permute(2, 0, 1)),
                c("transpose()", Tensor::transpose, n -> n.transpose(1, 2)),
                c("transpose(0,2)", t -> t.transpose(0, 2), n -> n.transpose(0, 2)),
                c("expand(2,3,5,7)", t -> t.expand(2, 3, 5, 7), n -> n.expand(2, 3, 5, 7)),
                c("broadcastTo(4,3,5,7)", t -> t.broadcastTo(4, 3, 5, 7), n -> n.expand(4, 3, 5, 7)),
                c("pad", t -> t.pad(new int[][]{{1, 0}, {0, 2}, {3, 1}}), n -> n.pad(new int[][]{{1, 0}, {0, 2}, {3, 1}}, 0)),
                c("pad(value -2.5)", t -> t.pad(new int[][]{{0, 1}, {2, 2}, {0, 0}}, -2.5), n -> n.pad(new int[][]{{0, 1}, {2, 2}, {0, 0}}, -2.5)),
                c("shrink", t -> t.shrink(new int[][]{{1, 3}, {0, 5}, {2, 6}}), n -> n.shrink(new int[][]{{1, 3}, {0, 5}, {2, 6}})),
                c("shrink to one element", t -> t.shrink(new int[][]{{2, 3}, {4, 5}, {6, 7}}), n -> n.shrink(new int[][]{{2, 3}, {4, 5}, {6, 7}})),
                c("flip(0)", t -> t.flip(0), n -> n.flip(0)),
                c("flip(1,2)", t -> t.flip(1, 2), n -> n.flip(1, 2)),
                c("flip(-1)", t -> t.flip(-1), n -> n.flip(2)),
                c("flip(0,1,2)", t -> t.flip(0, 1, 2), n -> n.flip(0, 1, 2)),
                c("flatten()", Tensor::flatten, n -> n.reshape(105)),
                c("flatten(1)", t -> t.flatten(1), n -> n.reshape(3, 35)),
                c("unsqueeze(0)", t -> t.unsqueeze(0), n -> n.reshape(1, 3, 5, 7)),
                c("unsqueeze(-1)", t -> t.unsqueeze(-1), n -> n.reshape(3, 5, 7, 1)),
                c("unsqueeze(2)", t -> t.unsqueeze(2), n -> n.reshape(3, 5, 1, 7)),
                c("get(1)", t -> t.get(1), n -> n.shrink(new int[][]{{1, 2}, {0, 5}, {0, 7}}).reshape(5, 7)),
                c("get(-1)", t -> t.get(-1), n -> n.shrink(new int[][]{{2, 3}, {0, 5}, {0, 7}}).reshape(5, 7)),
                c("get(2,4)", t -> t.get(2, 4), n -> n.shrink(new int[][]{{2, 3}, {4, 5}, {0, 7}}).reshape(7)),
                c("get(0,1,6)", t -> t.get(0, 1, 6), n -> n.shrink(new int[][]{{0, 1}, {1, 2}, {6, 7}}).reshape()),
                c("slice(1,1,4)", t -> t.slice(1, 1, 4), n -> n.slice(1, 1, 4, 1)),
                c("slice(2,1,7,3)", t -> t.slice(2, 1, 7, 3), n -> n.slice(2, 1, 7, 3)),
                c("slice(2,0,7,2)", t -> t.slice(2, 0, 7, 2), n -> n.slice(2, 0, 7, 2)),
                c("slice(-1,-1,-8,-1) (reverse)", t -> t.slice(-1, -1, -8, -1), n -> n.slice(2, 6, -1, -1)),
                c("slice(1,4,0,-2)", t -> t.slice(1, 4, 0, -2), n -> n.slice(1, 4, 0, -2)),
                c("repeat(2,1,3)", t -> t.repeat(2, 1, 3), n -> n.repeat(2, 1, 3)),
                c("repeat(2,1,1,1) (new axis)", t -> t.repeat(2, 1, 1, 1), n -> n.repeat(2, 1, 1, 1)));
        check(device + " (3,5,7)", x, r, cases);
    }

    @OnEachDevice
    void movementOpsOn2dAnd1d(String device) {
        Reference.use(device);
        float[] d = data(2, 33 * 17);
        List<Case> two = List.of(
                c("transpose", Tensor::transpose, n -> n.transpose(0, 1)),
                c("reshape(17,33)", t -> t.reshape(17, 33), n -> n.reshape(17, 33)),
                c("reshape(3,11,17)", t -> t.reshape(3, 11, 17), n -> n.reshape(3, 11, 17)),
                c("expand via (33,1,17)", t -> t.reshape(33, 1, 17).expand(-1, 2, -1), n -> n.reshape(33, 1, 17).expand(33, 2, 17)),
                c("pad rows", t -> t.pad(new int[][]{{2, 3}, {0, 0}}), n -> n.pad(new int[][]{{2, 3}, {0, 0}}, 0)),
                c("pad(value 1)", t -> t.pad(new int[][]{{1, 1}, {1, 1}}, 1), n -> n.pad(new int[][]{{1, 1}, {1, 1}}, 1)),
                c("slice(0,5,30,4)", t -> t.slice(0, 5, 30, 4), n -> n.slice(0, 5, 30, 4)),
                c("slice(1,16,-18,-5)", t -> t.slice(1, 16, -18, -5), n -> n.slice(1, 16, -1, -5)),
                c("flip(0)", t -> t.flip(0), n -> n.flip(0)),
                c("repeat(1,2)", t -> t.repeat(1, 2), n -> n.repeat(1, 2)),
                c("squeeze of unsqueeze", t -> t.unsqueeze(1).squeeze(1), n -> n),
                c("squeeze()", t -> t.reshape(1, 33, 1, 17, 1).squeeze(), n -> n));
        check(device + " (33,17)", Tensor.of(d, 33, 17), Nd.of(d, 33, 17), two);

        float[] e = data(3, 1023);
        List<Case> one = List.of(
                c("reshape(3,341)", t -> t.reshape(3, 341), n -> n.reshape(3, 341)),
                c("reshape(-1,31)", t -> t.reshape(-1, 31), n -> n.reshape(33, 31)),
                c("flip", t -> t.flip(0), n -> n.flip(0)),
                c("pad", t -> t.pad(new int[][]{{1, 0}}), n -> n.pad(new int[][]{{1, 0}}, 0)),
                c("slice(0,1,1023,2)", t -> t.slice(0, 1, 1023, 2), n -> n.slice(0, 1, 1023, 2)),
                c("slice(0,-1,-1024,-3)", t -> t.slice(0, -1, -1024, -3), n -> n.slice(0, 1022, -1, -3)),
                c("expand(2,1023)", t -> t.expand(2, 1023), n -> n.expand(2, 1023)),
                c("get(1022) as (1,)", t -> t.get(1022).reshape(1), n -> n.shrink(new int[][]{{1022, 1023}})));
        check(device + " (1023,)", Tensor.of(e, 1023), Nd.of(e, 1023), one);

        float[] s = {4.5f};
        List<Case> single = List.of(
                c("reshape()", t -> t.reshape(), n -> n.reshape()),
                c("expand(7)", t -> t.expand(7), n -> n.expand(7)),
                c("pad to 3", t -> t.pad(new int[][]{{1, 1}}), n -> n.pad(new int[][]{{1, 1}}, 0)),
                c("flip", t -> t.flip(0), n -> n),
                c("repeat(5)", t -> t.repeat(5), n -> n.repeat(5)));
        check(device + " (1,)", Tensor.of(s, 1), Nd.of(s, 1), single);
    }

    /** Python's slice semantics (start, stop, step) on a 7-element axis, for every sign combination. */
    @OnEachDevice
    void slicesFollowPythonSemantics(String device) {
        Reference.use(device);
        float[] d = data(4, 7);
        int n = d.length;
        int[][] specs = {
                {0, 7, 1}, {2, 5, 1}, {-3, 7, 1}, {1, 100, 1}, {-100, 3, 1}, {5, 2, 1}, {0, 7, 2}, {1, 7, 3}, {0, 7, 10},
                {6, -8, -1}, {-1, -8, -1}, {5, 1, -2}, {6, -8, -3}, {100, -100, -2}, {3, 3, -1}, {2, 5, -1}, {-2, -6, -1}, {4, -8, -4},
        };
        List<Case> cases = new ArrayList<>();
        for (int[] sp : specs) {
            int[] res = pythonIndices(sp[0], sp[1], sp[2], n);
            cases.add(c("[" + sp[0] + ":" + sp[1] + ":" + sp[2] + "]", t -> t.slice(0, sp[0], sp[1], sp[2]), r -> r.slice(0, res[0], res[1], sp[2])));
        }
        check(device + " slices of (7,)", Tensor.of(d, n), Nd.of(d, n), cases);
    }

    /** Python's slice.indices(n): resolved start and stop for a given step. */
    static int[] pythonIndices(int start, int stop, int step, int n) {
        int lo = step > 0 ? 0 : -1, hi = step > 0 ? n : n - 1;
        int s = start < 0 ? Math.max(start + n, lo) : Math.min(start, hi);
        int e = stop < 0 ? Math.max(stop + n, lo) : Math.min(stop, hi);
        return new int[]{s, e};
    }

    // ================================================================ views of views

    @OnEachDevice
    void viewsOfViews(String device) {
        Reference.use(device);
        float[] d = data(5, 3 * 5 * 7);
        List<Case> cases = List.of(
                c("permute of a padded slice",
                        t -> t.slice(1, 1, 4).pad(new int[][]{{0, 0}, {2, 1}, {1, 0}}).permute(2, 0, 1),
                        n -> n.slice(1, 1, 4, 1).pad(new int[][]{{0, 0}, {2, 1}, {1, 0}}, 0).permute(2, 0, 1)),
                c("flip of a permuted shrink",
                        t -> t.shrink(new int[][]{{1, 3}, {0, 5}, {2, 6}}).permute(1, 2, 0).flip(0, 2),
                        n -> n.shrink(new int[][]{{1, 3}, {0, 5}, {2, 6}}).permute(1, 2, 0).flip(0, 2)),
                c("reshape of a transposed tensor",
                        t -> t.transpose(0, 2).reshape(35, 3),
                        n -> n.transpose(0, 2).reshape(35, 3)),
                c("reshape of a permute, merging non-adjacent strides",
                        t -> t.permute(1, 0, 2).reshape(15, 7).reshape(5, 21),
                        n -> n.permute(1, 0, 2).reshape(15, 7).reshape(5, 21)),
                c("reshape of a padded tensor",
                        t -> t.pad(new int[][]{{0, 0}, {1, 0}, {0, 1}}).reshape(18, 8),
                        n -> n.pad(new int[][]{{0, 0}, {1, 0}, {0, 1}}, 0).reshape(18, 8)),
                c("reshape of a flip",
                        t -> t.flip(2).reshape(3, 35).reshape(105),
                        n -> n.flip(2).reshape(105)),
                c("slice with step of a permute",
                        t -> t.permute(2, 0, 1).slice(0, 1, 7, 2),
                        n -> n.permute(2, 0, 1).slice(0, 1, 7, 2)),
                c("negative-step slice of a transpose",
                        t -> t.transpose(1, 2).slice(2, -1, -6, -2),
                        n -> n.transpose(1, 2).slice(2, 4, -1, -2)),
                c("shrink of a pad (back to the original)",
                        t -> t.pad(new int[][]{{1, 1}, {2, 0}, {0, 3}}).shrink(new int[][]{{1, 4}, {2, 7}, {0, 7}}),
                        n -> n),
                c("shrink of a pad overlapping the border",
                        t -> t.pad(new int[][]{{1, 1}, {2, 0}, {0, 3}}).shrink(new int[][]{{0, 3}, {1, 4}, {5, 10}}),
                        n -> n.pad(new int[][]{{1, 1}, {2, 0}, {0, 3}}, 0).shrink(new int[][]{{0, 3}, {1, 4}, {5, 10}})),
                c("pad of a pad (two fills)",
                        t -> t.pad(new int[][]{{1, 0}, {0, 0}, {0, 1}}, 3).pad(new int[][]{{0, 1}, {1, 1}, {0, 0}}),
                        n -> n.pad(new int[][]{{1, 0}, {0, 0}, {0, 1}}, 3).pad(new int[][]{{0, 1}, {1, 1}, {0, 0}}, 0)),
                c("expand of a reshape of a slice",
                        t -> t.slice(2, 3, 4).reshape(3, 5, 1).expand(3, 5, 4),
                        n -> n.slice(2, 3, 4, 1).reshape(3, 5, 1).expand(3, 5, 4)),
                c("flip of a flip is the identity", t -> t.flip(0, 2).flip(2, 0), n -> n),
                c("permute of a permute", t -> t.permute(2, 0, 1).permute(2, 0, 1), n -> n.permute(2, 0, 1).permute(2, 0, 1)),
                c("slice of a slice", t -> t.slice(2, 1, 7).slice(2, 1, 6, 2).slice(0, -2, 3), n -> n.slice(2, 1, 7, 1).slice(2, 1, 6, 2).slice(0, 1, 3, 1)),
                c("get of a flipped permute", t -> t.permute(2, 1, 0).flip(0).get(1), n -> n.permute(2, 1, 0).flip(0).shrink(new int[][]{{1, 2}, {0, 5}, {0, 3}}).reshape(5, 3)),
                c("repeat of a transpose", t -> t.transpose(0, 1).repeat(1, 2, 1), n -> n.transpose(0, 1).repeat(1, 2, 1)));
        check(device + " (3,5,7)", Tensor.of(d, 3, 5, 7), Nd.of(d, 3, 5, 7), cases);
    }

    /** Views combined with reductions and elementwise ops: the reduce sees the view's index, the view sees the reduce's output. */
    @OnEachDevice
    void viewsMeetReductions(String device) {
        Reference.use(device);
        float[] d = data(6, 3 * 5 * 7), w = data(7, 3 * 7);
        Tensor x = Tensor.of(d, 3, 5, 7);
        Nd r = Nd.of(d, 3, 5, 7);
        Tensor col = Tensor.of(w, 3, 1, 7);
        Nd rcol = Nd.of(w, 3, 1, 7);
        int[] none = {};
        assertClose(device + " expand then sum", rcol.expand(3, 5, 7).sum(new int[]{1}, false), col.expand(3, 5, 7).sum(1), 1e-5, 1e-6);
        assertClose(device + " expand then sum all", rcol.expand(3, 5, 7).sum(none, false), col.expand(3, 5, 7).sum(), 1e-5, 1e-5);
        assertExact(device + " expand then max", rcol.expand(3, 5, 7).max(new int[]{0}, false), col.expand(3, 5, 7).max(0));
        assertClose(device + " pad of a reduce", r.sum(new int[]{1}, false).pad(new int[][]{{1, 0}, {0, 2}}, 0),
                x.sum(1).pad(new int[][]{{1, 0}, {0, 2}}), 1e-5, 1e-5);
        assertClose(device + " pad of a reduce, then elementwise", r.sum(new int[]{1}, false).pad(new int[][]{{1, 0}, {0, 2}}, 0).map(v -> v * 3 + 1),
                x.sum(1).pad(new int[][]{{1, 0}, {0, 2}}).mul(3).add(1), 1e-5, 1e-5);
        assertClose(device + " reduce of a permuted pad", r.pad(new int[][]{{0, 0}, {1, 1}, {0, 0}}, 0).permute(2, 1, 0).sum(new int[]{2}, false),
                x.pad(new int[][]{{0, 0}, {1, 1}, {0, 0}}).permute(2, 1, 0).sum(2), 1e-5, 1e-5);
        assertExact(device + " max of a flipped slice with step", r.flip(2).slice(2, 0, 7, 3).max(new int[]{2}, false),
                x.flip(2).slice(2, 0, 7, 3).max(2));
        assertClose(device + " x - x.sum(1) (reduce broadcast back)", r.zip(r.sum(new int[]{1}, true), (a, s) -> a - s),
                x.sub(x.sum(1, true)), 1e-5, 1e-5);
        assertClose(device + " reduce of a transpose-reshape", r.transpose(0, 2).reshape(35, 3).sum(new int[]{0}, false),
                x.transpose(0, 2).reshape(35, 3).sum(0), 1e-5, 1e-5);
        // A realized non-contiguous result, viewed again, costs no copy and reads right.
        Tensor p = x.permute(2, 0, 1).contiguous().realize();
        assertExact(device + " view of a realized permute", r.permute(2, 0, 1).flip(1).reshape(7, 15), p.flip(1).reshape(7, 15));
        assertClose(device + " matmul of transposed views", first(r, 0).transpose(0, 1).matmul(first(r, 1)),
                x.get(0).transpose().matmul(x.get(1)), 1e-5, 1e-5);
    }

    /** {@code n[i]} of a 3-d reference. */
    static Nd first(Nd n, int i) {
        return n.shrink(new int[][]{{i, i + 1}, {0, n.shape()[1]}, {0, n.shape()[2]}}).reshape(n.shape()[1], n.shape()[2]);
    }

    // ================================================================ cat, stack

    @OnEachDevice
    void catAndStack(String device) {
        Reference.use(device);
        float[] a = data(8, 2 * 5), b = data(9, 3 * 5), c = data(10, 1 * 5), d = data(11, 2 * 5);
        Tensor ta = Tensor.of(a, 2, 5), tb = Tensor.of(b, 3, 5), tc = Tensor.of(c, 1, 5), td = Tensor.of(d, 2, 5);
        Nd ra = Nd.of(a, 2, 5), rb = Nd.of(b, 3, 5), rc = Nd.of(c, 1, 5), rd = Nd.of(d, 2, 5);
        assertExact(device + " cat(0) of three", Nd.cat(0, ra, rb, rc), T.cat(0, ta, tb, tc));
        assertExact(device + " cat(1)", Nd.cat(1, ra, rd, ra), T.cat(1, ta, td, ta));
        assertExact(device + " cat of one", ra, T.cat(0, ta));
        assertExact(device + " cat of views", Nd.cat(0, rb.flip(0), ra.flip(1), rd.shrink(new int[][]{{1, 2}, {0, 5}}), rc.expand(2, 5)),
                T.cat(0, tb.flip(0), ta.slice(1, 4, -6, -1), td.shrink(new int[][]{{1, 2}, {0, 5}}), tc.expand(2, 5)));
        assertExact(device + " cat of transposes", Nd.cat(1, ra.transpose(0, 1), rb.transpose(0, 1)), T.cat(1, ta.transpose(), tb.transpose()));
        assertExact(device + " cat of unrealized results", Nd.cat(0, ra.map(v -> v * 2), rb.map(Math::abs)), T.cat(0, ta.mul(2), tb.abs()));
        Tensor mixed = T.cat(0, Tensor.of(new int[]{1, 2}, 2), Tensor.of(new float[]{0.5f}, 1));
        assertEquals(DType.FLOAT32, mixed.dtype(), "cat promotes int and float to float");
        assertArrayEquals(new float[]{1, 2, 0.5f}, mixed.toFloatArray());
        Tensor ints = T.cat(0, Tensor.of(new int[]{16777217}, 1), Tensor.of(new int[]{-3, 4}, 2));
        assertEquals(DType.INT32, ints.dtype());
        assertArrayEquals(new int[]{16777217, -3, 4}, ints.toIntArray(), "cat of ints is exact");

        assertExact(device + " stack(0)", Nd.cat(0, ra.unsqueeze(0), rd.unsqueeze(0), ra.unsqueeze(0)), T.stack(0, ta, td, ta));
        assertExact(device + " stack(1)", Nd.cat(1, ra.unsqueeze(1), rd.unsqueeze(1)), T.stack(1, ta, td));
        assertExact(device + " stack(-1)", Nd.cat(2, ra.unsqueeze(2), rd.unsqueeze(2)), T.stack(-1, ta, td));
        assertExact(device + " stack of views", Nd.cat(0, ra.flip(1).unsqueeze(0), rb.slice(0, 0, 3, 2).unsqueeze(0)), T.stack(0, ta.flip(1), tb.slice(0, 0, 3, 2)));
    }

    /** {@code a.cat(axis, b, ...)} and {@code a.stack(axis, b, ...)} put {@code a} first. */
    @OnEachDevice
    void instanceCatIncludesTheReceiver(String device) {
        Reference.use(device);
        float[] a = data(12, 2 * 5), b = data(13, 3 * 5), d = data(14, 2 * 5);
        Tensor ta = Tensor.of(a, 2, 5), tb = Tensor.of(b, 3, 5), td = Tensor.of(d, 2, 5);
        Nd ra = Nd.of(a, 2, 5), rb = Nd.of(b, 3, 5), rd = Nd.of(d, 2, 5);
        assertExact(device + " a.cat(-1, d)", Nd.cat(1, ra, rd), ta.cat(-1, td));
        assertExact(device + " a.cat(0, b, d)", Nd.cat(0, ra, rb, rd), ta.cat(0, tb, td));
        assertExact(device + " a.cat(0)", ra, ta.cat(0));
        assertExact(device + " a.stack(1, d)", Nd.cat(1, ra.unsqueeze(1), rd.unsqueeze(1)), ta.stack(1, td));
        assertExact(device + " a.stack(0)", ra.unsqueeze(0), ta.stack(0));
    }

    /**
     * A small operand repeated along a row as wide as a vector register reads lane % n, which is lane + k for the
     * first n lanes only: it must be gathered, not read as one contiguous vector past the operand's end.
     */
    @OnEachDevice
    void repeatingAShortRowAcrossTheLanes(String device) {
        Reference.use(device);
        for (int n : new int[] {1, 2, 4}) {
            for (int width : new int[] {8, 16}) {
                float[] a = data(20 + n, n);
                Nd r = Nd.of(a, n), row = r;
                for (int i = n; i < width; i += n) row = Nd.cat(0, row, r);
                Nd rows = Nd.cat(0, row.unsqueeze(0), row.unsqueeze(0), row.unsqueeze(0));
                assertExact(device + " " + n + " repeated to " + width, rows, Tensor.of(a, 1, n).repeat(3, width / n));
            }
        }
    }
}
