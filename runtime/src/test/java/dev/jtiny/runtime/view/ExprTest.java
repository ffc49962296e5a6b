// The index simplifier: exact forms of the rewrites kernels rely on, bounds, folding, and a randomized check
// that simplification never changes a value.
package dev.jtiny.runtime.view;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static dev.jtiny.runtime.view.Expr.*;
import static org.junit.jupiter.api.Assertions.*;

class ExprTest {
    final Var x = var("x", 0, 100);

    // ---- exact forms ----

    @Test
    void divTimesDivisorPlusModIsTheDividend() {
        assertEquals(x, add(mul(div(x, 4), 4), mod(x, 4)));
        assertEquals(x, add(mod(x, 4), mul(div(x, 4), 4)), "order of terms does not matter");
        assertEquals(mul(x, 3), add(mul(div(x, 4), 12), mul(mod(x, 4), 3)), "a common factor survives");
        Var y = var("y", 0, 9);
        Expr withY = add(add(mul(div(x, 4), 4), y), mod(x, 4));
        assertEquals(Set.of(x, y), Set.copyOf(assertInstanceOf(Sum.class, withY).terms()), "other terms are kept");
        assertEquals(0, ((Sum) withY).constant());
    }

    @Test
    void unravelThenFlattenAContiguousIndexIsTheIndexItself() {
        int[][] shapes = {{6}, {4, 5}, {1, 4, 1, 3}, {2, 1, 3}, {3, 4, 5}, {2, 3, 4, 5}, {7, 2, 3}};
        for (int[] shape : shapes) {
            Var g = var("g", 0, View.numel(shape) - 1);
            Expr[] r = View.contiguous(shape).expr(ShapeTracker.unravel(g, shape));
            assertEquals(TRUE, r[1], "valid for " + Arrays.toString(shape));
            assertEquals(g, r[0], "shape " + Arrays.toString(shape) + " re-flattened to " + r[0].render());
        }
    }

    @Test
    void divisionTakesWholeMultiplesOutAndDropsASmallRest() {
        Var y = var("y", 0, 2);
        assertEquals(mul(x, 2), div(add(mul(x, 6), y), 3));
        assertEquals(new Mul(x, 2), div(add(mul(x, 6), y), 3));
        assertEquals(add(mul(x, 2), 1), div(add(add(mul(x, 6), y), 3), 3), "the constant's whole part comes out");
    }

    @Test
    void aRestBelowACommonFactorOfTheDivisorDrops() {
        // (3025*k + p) with p < 3025: divided by 9*3025 it is k/9, modulo it is 3025*(k%9) + p.
        Var k = var("k", 0, 143), p = var("p", 0, 3024);
        Expr flat = add(mul(k, 3025), p);
        assertEquals(div(k, 9), div(flat, 27225));
        assertEquals(add(mul(mod(k, 9), 3025), p), mod(flat, 27225));
        // A sum that stays within one multiple of the divisor: its quotient is a constant, its remainder a shift.
        Var b = var("b", 1, 55);
        assertEquals(num(1), div(add(b, 54), 55));
        assertEquals(add(b, -1), mod(add(b, 54), 55));
    }

    @Test
    void withinAValidRangeAPaddedIndexDividesAsIfUnpadded() {
        // A padded column p (panel*16 + lane up to 3039, valid below 3025) flattened with a row k, read back as (k, p).
        Var k = var("k", 0, 143), panel = var("panel", 0, 189), lane = var("lane", 0, 15);
        Expr p = add(mul(panel, 16), lane);
        Expr flat = add(mul(k, 3025), p), valid = lt(p, 3025);
        assertInstanceOf(Div.class, div(flat, 27225), "without the bound the division stays");
        Expr bounded = within(flat, valid);
        assertEquals(div(k, 9), div(bounded, 27225));
        assertEquals(TRUE.render(), within(TRUE, valid).render(), "an expression without the bounded terms is kept");
        // A window (row ky + p/55, column kx + p%55, both padded by one) re-flattened into the 55x55 image it reads.
        Var ky = var("ky", 0, 2), kx = var("kx", 0, 2), q = var("q", 0, 3024);
        Expr h = add(ky, div(q, 55)), w = add(kx, mod(q, 55));
        Expr pixel = add(add(mul(h, 55), w), -56);
        Expr inImage = and(and(ge(h, 1), lt(h, 56)), and(ge(w, 1), lt(w, 56)));
        Expr[] at = ShapeTracker.unravel(within(pixel, inImage), new int[]{55, 55});
        Expr[] plain = ShapeTracker.unravel(pixel, new int[]{55, 55});
        for (long kyv = 0; kyv <= 2; kyv++) {
            for (long kxv = 0; kxv <= 2; kxv++) {
                for (long qv = 0; qv < 3025; qv++) {
                    Map<String, Long> env = Map.of("ky", kyv, "kx", kxv, "q", qv);
                    if (ExprEval.eval(inImage, env) == 0) continue;
                    assertEquals(ExprEval.eval(plain[0], env), ExprEval.eval(at[0], env));
                    assertEquals(ExprEval.eval(plain[1], env), ExprEval.eval(at[1], env));
                }
            }
        }
        assertEquals("((ky+(q/55))-1)", at[0].render(), "the row needs no division");
        assertEquals("((kx+(q%55))-1)", at[1].render(), "the column needs no modulo");
    }

    @Test
    void boundedSumsKeepTheirValueWhereValid() {
        // Random linear forms, bounded by a random condition on a part of them, divided and reduced: equal to the
        // plain division wherever the condition holds.
        Random rnd = new Random(31);
        Var vx = var("x", 0, 7), vy = var("y", 0, 5), vz = var("z", 0, 4);
        int checked = 0;
        for (int trial = 0; trial < 2000; trial++) {
            long a = 1 + rnd.nextInt(9), b = rnd.nextInt(5), c = 1 + rnd.nextInt(12), k = rnd.nextInt(20);
            Expr part = add(mul(vy, b), vz);
            Expr lin = add(add(mul(vx, a * (1 + rnd.nextInt(3))), mul(part, 1 + rnd.nextInt(3))), k);
            long lo = rnd.nextInt(4), hi = lo + 1 + rnd.nextInt(12);
            Expr valid = and(ge(part, lo), lt(part, hi));
            Expr inside = within(lin, valid);
            long d = 1 + rnd.nextInt(40);
            Expr q = div(inside, d), r = mod(inside, d);
            for (long xv = 0; xv <= 7; xv++) {
                for (long yv = 0; yv <= 5; yv++) {
                    for (long zv = 0; zv <= 4; zv++) {
                        Map<String, Long> env = Map.of("x", xv, "y", yv, "z", zv);
                        if (ExprEval.eval(valid, env) == 0) continue;
                        long v = ExprEval.eval(lin, env);
                        assertEquals(v, ExprEval.eval(inside, env), lin.render() + " within " + valid.render());
                        assertEquals(v / d, ExprEval.eval(q, env), "(" + inside.render() + ")/" + d + " -> " + q.render() + " at " + env);
                        assertEquals(v % d, ExprEval.eval(r, env), "(" + inside.render() + ")%" + d + " -> " + r.render() + " at " + env);
                        checked++;
                    }
                }
            }
        }
        assertTrue(checked > 10_000, "checked " + checked);
    }

    @Test
    void moduloOfASmallValueIsTheValue() {
        Var s = var("s", 0, 3);
        assertSame(s, mod(s, 4));
        assertEquals(new Mod(s, 3), mod(s, 3));
    }

    @Test
    void moduloDropsMultiplesOfTheDivisor() {
        Var y = var("y", 0, 3);
        assertEquals(y, mod(add(mul(x, 4), y), 4));
        assertEquals(y, mod(add(y, mul(x, 8)), 4));
        assertEquals(add(y, 1), mod(add(add(mul(x, 8), y), 9), 8), "the constant is reduced too");
    }

    @Test
    void divAndModOfScaledValues() {
        assertEquals(mul(x, 2), div(mul(x, 8), 4));
        assertEquals(new Div(x, 4), div(mul(x, 2), 8));
        assertEquals(new Div(x, 6), div(div(x, 2), 3));
        assertEquals(num(0), mod(mul(x, 8), 4));
        assertEquals(new Mul(new Mod(x, 4), 2), mod(mul(x, 2), 8));
        assertEquals(new Mod(x, 4), mod(mod(x, 8), 4));
        Var b = var("b", 8, 11);
        assertEquals(num(2), div(b, 4), "every value lies in one bucket");
        assertEquals(num(0), div(var("s", 0, 3), 4));
    }

    @Test
    void constantsFold() {
        assertEquals(num(7), add(num(3), num(4)));
        assertEquals(num(15), mul(num(3), 5));
        assertEquals(num(3), div(num(17), 5));
        assertEquals(num(2), mod(num(17), 5));
        assertEquals(num(0), add(x, mul(x, -1)));
        assertEquals(x, add(add(x, 3), -3));
        assertEquals(num(0), mul(x, 0));
        assertSame(x, mul(x, 1));
        assertSame(x, div(x, 1));
        assertEquals(num(0), mod(x, 1));
        assertEquals(new Mul(x, 6), mul(mul(x, 2), 3));
        assertEquals(new Mul(x, 2), add(x, x));
        assertEquals(add(mul(x, 2), 4), mul(add(x, 2), 2), "multiplication distributes over a sum");
        assertThrows(IllegalArgumentException.class, () -> div(x, 0));
        assertThrows(IllegalArgumentException.class, () -> mod(x, -1));
    }

    @Test
    void rendersAsCSource() {
        Var y = var("y", 0, 3);
        assertEquals("(-3)", num(-3).render());
        assertEquals("(x-3)", add(x, -3).render());
        assertEquals("(x+(y*2)+3)", add(add(x, mul(y, 2)), 3).render());
        assertEquals("((x/4)%3)", mod(div(x, 4), 3).render());
        assertEquals("((x<5)&&(y>=1))", and(lt(x, 5), ge(y, 1)).render());
    }

    // ---- bounds ----

    @Test
    void boundsOfEveryNodeKind() {
        Var a = var("a", 1, 4), b = var("b", 0, 9);
        assertBounds(5, 5, new Num(5));
        assertBounds(-3, -3, new Num(-3));
        assertBounds(1, 4, a);
        assertBounds(3, 12, new Mul(a, 3));
        assertBounds(-8, -2, new Mul(a, -2));
        assertBounds(1 + -18 + 5, 4 + 0 + 5, new Sum(List.of(a, new Mul(b, -2)), 5));
        assertBounds(0, 3, new Div(b, 3));
        assertBounds(0, 1, new Div(a, 3));
        assertBounds(0, 3, new Mod(b, 4), "a modulo never exceeds divisor-1");
        assertBounds(0, 4, new Mod(a, 7), "conservative 0 below, the dividend's max above");
        assertBounds(-6, 6, new Mod(new Sum(List.of(b), -5), 7), "a possibly negative dividend: C remainder keeps its sign");
        assertBounds(0, 1, new Cmp(b, 5, true));
        assertBounds(0, 1, new And(List.of(new Cmp(b, 5, true), new Cmp(a, 2, false))));
        assertBounds(1, 1, TRUE);
        assertBounds(0, 0, FALSE);
    }

    private static void assertBounds(long min, long max, Expr e) { assertBounds(min, max, e, ""); }

    private static void assertBounds(long min, long max, Expr e, String why) {
        assertNotNull(e);
        assertEquals(min, e.min(), "min of " + e.render() + " " + why);
        assertEquals(max, e.max(), "max of " + e.render() + " " + why);
    }

    @Test
    void comparisonsFoldFromBounds() {
        Var a = var("a", 2, 5);
        assertEquals(TRUE, lt(a, 6));
        assertEquals(FALSE, lt(a, 2));
        assertEquals(new Cmp(a, 3, true), lt(a, 3));
        assertEquals(new Cmp(a, 5, true), lt(a, 5));
        assertEquals(TRUE, ge(a, 2));
        assertEquals(FALSE, ge(a, 6));
        assertEquals(new Cmp(a, 5, false), ge(a, 5));
        assertEquals(TRUE, lt(mod(x, 4), 4), "bounds of derived nodes fold too");
        assertEquals(FALSE, ge(div(var("s", 0, 7), 4), 2));
    }

    @Test
    void andFoldsConstantsAndFlattens() {
        Var a = var("a", 2, 5);
        Expr c1 = lt(a, 4), c2 = ge(a, 3), c3 = lt(x, 50);
        assertEquals(FALSE, and(c1, FALSE));
        assertEquals(FALSE, and(FALSE, c1));
        assertSame(c1, and(TRUE, c1));
        assertSame(c1, and(c1, TRUE));
        assertEquals(TRUE, and(TRUE, TRUE));
        assertSame(c1, and(c1, c1));
        assertEquals(new And(List.of(c1, c2)), and(c1, c2));
        assertEquals(new And(List.of(c1, c2, c3)), and(and(c1, c2), and(c2, c3)), "nested ands flatten, duplicates drop");
        assertEquals(FALSE, and(and(c1, c2), lt(a, 2)));
    }

    // ---- randomized: simplification preserves values, bounds hold ----

    /** Unsimplified arithmetic, evaluated directly with Java's operators. */
    sealed interface Raw {}
    record RVar(int i) implements Raw {}
    record RNum(long v) implements Raw {}
    record RAdd(Raw a, Raw b) implements Raw {}
    record RMul(Raw a, long c) implements Raw {}
    record RDiv(Raw a, long c) implements Raw {}
    record RMod(Raw a, long c) implements Raw {}
    record RCmp(Raw a, long c, boolean less) implements Raw {}
    record RAnd(Raw a, Raw b) implements Raw {}

    static final String[] NAMES = {"x", "y", "z"};
    static final long[][] RANGES = {{0, 5}, {0, 3}, {2, 7}};

    static long evalRaw(Raw r, long[] env) {
        return switch (r) {
            case RVar v -> env[v.i()];
            case RNum n -> n.v();
            case RAdd a -> evalRaw(a.a(), env) + evalRaw(a.b(), env);
            case RMul m -> evalRaw(m.a(), env) * m.c();
            case RDiv d -> evalRaw(d.a(), env) / d.c();
            case RMod m -> evalRaw(m.a(), env) % m.c();
            case RCmp c -> {
                long a = evalRaw(c.a(), env);
                yield (c.less() ? a < c.c() : a >= c.c()) ? 1 : 0;
            }
            case RAnd a -> evalRaw(a.a(), env) != 0 && evalRaw(a.b(), env) != 0 ? 1 : 0;
        };
    }

    static Expr build(Raw r) {
        return switch (r) {
            case RVar v -> var(NAMES[v.i()], RANGES[v.i()][0], RANGES[v.i()][1]);
            case RNum n -> num(n.v());
            case RAdd a -> add(build(a.a()), build(a.b()));
            case RMul m -> mul(build(m.a()), m.c());
            case RDiv d -> div(build(d.a()), d.c());
            case RMod m -> mod(build(m.a()), m.c());
            case RCmp c -> c.less() ? lt(build(c.a()), c.c()) : ge(build(c.a()), c.c());
            case RAnd a -> and(build(a.a()), build(a.b()));
        };
    }

    static List<long[]> assignments() {
        List<long[]> all = new ArrayList<>();
        for (long a = RANGES[0][0]; a <= RANGES[0][1]; a++)
            for (long b = RANGES[1][0]; b <= RANGES[1][1]; b++)
                for (long c = RANGES[2][0]; c <= RANGES[2][1]; c++) all.add(new long[]{a, b, c});
        return all;
    }

    static final List<long[]> ALL = assignments();

    static long minOf(Raw r) { return ALL.stream().mapToLong(e -> evalRaw(r, e)).min().orElseThrow(); }
    static long maxOf(Raw r) { return ALL.stream().mapToLong(e -> evalRaw(r, e)).max().orElseThrow(); }

    /** A random expression; every dividend is shifted to be non-negative, as index math guarantees. */
    static Raw gen(Random rnd, int depth) {
        if (depth == 0 || rnd.nextInt(5) == 0) {
            return rnd.nextInt(4) == 0 ? new RNum(rnd.nextInt(13)) : new RVar(rnd.nextInt(NAMES.length));
        }
        return switch (rnd.nextInt(9)) {
            case 0, 1 -> new RAdd(gen(rnd, depth - 1), gen(rnd, depth - 1));
            case 2 -> new RAdd(gen(rnd, depth - 1), new RNum(rnd.nextInt(9) - 2));
            case 3 -> new RMul(gen(rnd, depth - 1), new long[]{-3, -1, 2, 3, 4, 6, 8}[rnd.nextInt(7)]);
            case 4, 5 -> new RDiv(nonNegative(gen(rnd, depth - 1)), 1 + rnd.nextInt(8));
            case 6, 7 -> new RMod(nonNegative(gen(rnd, depth - 1)), 1 + rnd.nextInt(8));
            default -> {
                Raw c = cond(rnd, depth - 1);
                yield rnd.nextBoolean() ? c : new RAnd(c, cond(rnd, depth - 1));
            }
        };
    }

    static Raw cond(Random rnd, int depth) {
        Raw a = gen(rnd, depth);
        long lo = minOf(a), hi = maxOf(a);
        long c = lo - 1 + (long) rnd.nextInt((int) Math.min(hi - lo + 3, 1000));
        return new RCmp(a, c, rnd.nextBoolean());
    }

    static Raw nonNegative(Raw r) {
        long min = minOf(r);
        return min >= 0 ? r : new RAdd(r, new RNum(-min));
    }

    @Test
    void everySmallLinearFormDividesAndReducesExactly() {
        // (a*x + b*y + k) / c and % c over a grid that reaches the gcd and whole-part rewrites.
        Var vx = var("x", 0, 5), vy = var("y", 0, 3);
        int forms = 0;
        for (int a = -4; a <= 8; a++) {
            for (int b = 0; b <= 8; b++) {
                for (int k0 = 0; k0 <= 9; k0++) {
                    int k = k0 + 5 * Math.max(0, -a); // keeps the dividend non-negative
                    Expr lin = add(add(mul(vx, a), mul(vy, b)), k);
                    for (int c = 1; c <= 12; c++) {
                        Expr d = div(lin, c), m = mod(lin, c);
                        for (long xv = 0; xv <= 5; xv++) {
                            for (long yv = 0; yv <= 3; yv++) {
                                Map<String, Long> env = Map.of("x", xv, "y", yv);
                                long v = a * xv + b * yv + k;
                                if (ExprEval.eval(d, env) != v / c || ExprEval.eval(m, env) != v % c) {
                                    fail("(" + lin.render() + ")/" + c + " -> " + d.render() + ", %" + c + " -> " + m.render()
                                            + " at " + env + ": want " + v / c + ", " + v % c
                                            + " got " + ExprEval.eval(d, env) + ", " + ExprEval.eval(m, env));
                                }
                                if (v / c < d.min() || v / c > d.max() || v % c < m.min() || v % c > m.max()) {
                                    fail("bounds of " + d.render() + " or " + m.render() + " miss the value at " + env);
                                }
                            }
                        }
                        forms++;
                    }
                }
            }
        }
        assertEquals(13 * 9 * 10 * 12, forms);
    }

    @Test
    void simplifiedExpressionsEvaluateLikeTheArithmeticTheyStandFor() {
        Random rnd = new Random(20240611);
        int checked = 0;
        for (int trial = 0; trial < 3000; trial++) {
            Raw raw = gen(rnd, 4);
            Expr e = build(raw);
            for (long[] a : ALL) {
                Map<String, Long> env = new HashMap<>();
                for (int i = 0; i < NAMES.length; i++) env.put(NAMES[i], a[i]);
                long want = evalRaw(raw, a);
                long got = ExprEval.eval(e, env);
                if (want != got) {
                    fail("trial " + trial + ": " + raw + "\n simplified to " + e.render() + "\n at " + env + ": want " + want + ", got " + got);
                }
                ExprEval.forEachNode(e, n -> {
                    long v = ExprEval.eval(n, env);
                    if (v < n.min() || v > n.max()) {
                        fail("bounds [" + n.min() + ", " + n.max() + "] of " + n.render() + " (inside " + e.render() + ") miss " + v + " at " + env);
                    }
                });
                checked++;
            }
        }
        assertTrue(checked > 100_000);
    }
}
