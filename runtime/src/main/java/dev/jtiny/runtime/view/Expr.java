// Symbolic integer index math with bounds, simplified as it is built, so kernels index with clean expressions.
package dev.jtiny.runtime.view;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An integer expression over index variables. Every node knows its lower and upper bound; the static
 * constructors ({@link #add}, {@link #mul}, {@link #div}, {@link #mod}, {@link #lt}, {@link #ge}, {@link #and})
 * simplify as they build. Division and modulo are by positive constants and assume a non-negative dividend,
 * which holds for every index a valid view produces.
 */
public sealed interface Expr {
    long min();
    long max();

    /** Renders as C/Java source: both languages share integer syntax. */
    String render();

    record Num(long value) implements Expr {
        public long min() { return value; }
        public long max() { return value; }
        public String render() { return value < 0 ? "(" + value + ")" : Long.toString(value); }
    }

    record Var(String name, long min, long max) implements Expr {
        public String render() { return name; }
    }

    /** a * c for a constant c. */
    record Mul(Expr a, long c) implements Expr {
        public long min() { return c >= 0 ? a.min() * c : a.max() * c; }
        public long max() { return c >= 0 ? a.max() * c : a.min() * c; }
        public String render() { return "(" + a.render() + "*" + c + ")"; }
    }

    /** The sum of terms, each a non-sum, non-constant expression, plus a constant. */
    record Sum(List<Expr> terms, long constant) implements Expr {
        public long min() { long s = constant; for (Expr t : terms) s += t.min(); return s; }
        public long max() { long s = constant; for (Expr t : terms) s += t.max(); return s; }
        public String render() {
            StringBuilder b = new StringBuilder("(");
            for (int i = 0; i < terms.size(); i++) { if (i > 0) b.append('+'); b.append(terms.get(i).render()); }
            if (constant != 0) b.append(constant < 0 ? "-" : "+").append(Math.abs(constant));
            return b.append(')').toString();
        }
    }

    /** Floor division by a positive constant. */
    record Div(Expr a, long c) implements Expr {
        public long min() { return Math.floorDiv(a.min(), c); }
        public long max() { return Math.floorDiv(a.max(), c); }
        public String render() { return "(" + a.render() + "/" + c + ")"; }
    }

    /** Modulo by a positive constant. */
    record Mod(Expr a, long c) implements Expr {
        public long min() { return a.min() >= 0 ? 0 : -(c - 1); }
        public long max() { return a.min() >= 0 ? Math.min(a.max(), c - 1) : c - 1; }
        public String render() { return "(" + a.render() + "%" + c + ")"; }
    }

    /** a &lt; c (less) or a &gt;= c (not less), as 0/1. */
    record Cmp(Expr a, long c, boolean less) implements Expr {
        public long min() { return 0; }
        public long max() { return 1; }
        public String render() { return "(" + a.render() + (less ? "<" : ">=") + c + ")"; }
    }

    /** Logical and of conditions, as 0/1. */
    record And(List<Expr> conds) implements Expr {
        public long min() { return 0; }
        public long max() { return 1; }
        public String render() {
            StringBuilder b = new StringBuilder("(");
            for (int i = 0; i < conds.size(); i++) { if (i > 0) b.append("&&"); b.append(conds.get(i).render()); }
            return b.append(')').toString();
        }
    }

    /**
     * {@code a}, known to lie in [min, max] wherever the index it is part of is read: a sub-sum of an index that a
     * view's mask bounds (a padded axis), so that dividing the index into the axes of the view inside can use the
     * bound. It renders as {@code a}.
     */
    record Bounded(Expr a, long min, long max) implements Expr {
        public String render() { return a.render(); }
    }

    /** True when {@code name} occurs in this expression. */
    default boolean uses(String name) {
        return switch (this) {
            case Num n -> false;
            case Var v -> v.name.equals(name);
            case Mul m -> m.a.uses(name);
            case Sum s -> s.terms.stream().anyMatch(t -> t.uses(name));
            case Div d -> d.a.uses(name);
            case Mod m -> m.a.uses(name);
            case Cmp c -> c.a.uses(name);
            case And a -> a.conds.stream().anyMatch(c -> c.uses(name));
            case Bounded b -> b.a.uses(name);
        };
    }

    /** This expression with variable {@code name} replaced by {@code value}, simplified again. */
    default Expr substitute(String name, long value) {
        return switch (this) {
            case Num n -> n;
            case Var v -> v.name.equals(name) ? num(value) : v;
            case Mul m -> mul(m.a.substitute(name, value), m.c);
            case Sum s -> {
                Expr r = num(s.constant);
                for (Expr t : s.terms) r = add(r, t.substitute(name, value));
                yield r;
            }
            case Div d -> div(d.a.substitute(name, value), d.c);
            case Mod m -> mod(m.a.substitute(name, value), m.c);
            case Cmp c -> c.less ? lt(c.a.substitute(name, value), c.c) : ge(c.a.substitute(name, value), c.c);
            case And a -> {
                Expr r = TRUE;
                for (Expr c : a.conds) r = and(r, c.substitute(name, value));
                yield r;
            }
            case Bounded b -> bounded(b.a.substitute(name, value), b.min, b.max);
        };
    }

    Expr TRUE = new Num(1);
    Expr FALSE = new Num(0);

    static Expr num(long v) { return new Num(v); }

    static Var var(String name, long min, long max) { return new Var(name, min, max); }

    static Expr add(Expr a, long c) { return add(a, num(c)); }

    static Expr add(Expr a, Expr b) {
        // Gather coefficient per atom (insertion-ordered, so rendering is stable).
        Map<Expr, Long> coeffs = new LinkedHashMap<>();
        long[] constant = {0};
        collect(a, 1, coeffs, constant);
        collect(b, 1, coeffs, constant);
        return buildSum(coeffs, constant[0]);
    }

    private static void collect(Expr e, long k, Map<Expr, Long> coeffs, long[] constant) {
        switch (e) {
            case Num n -> constant[0] += n.value * k;
            case Sum s -> {
                constant[0] += s.constant * k;
                for (Expr t : s.terms) collect(t, k, coeffs, constant);
            }
            case Mul m -> collect(m.a, k * m.c, coeffs, constant);
            default -> coeffs.merge(e, k, Long::sum);
        }
    }

    private static Expr buildSum(Map<Expr, Long> coeffs, long constant) {
        coeffs.values().removeIf(v -> v == 0);
        long[] c = {constant};
        recombine(coeffs, c);
        constant = c[0];
        List<Expr> terms = new ArrayList<>();
        for (var entry : coeffs.entrySet()) {
            if (entry.getValue() != 0) terms.add(entry.getValue() == 1 ? entry.getKey() : new Mul(entry.getKey(), entry.getValue()));
        }
        if (terms.isEmpty()) return num(constant);
        if (terms.size() == 1 && constant == 0) return terms.getFirst();
        return new Sum(List.copyOf(terms), constant);
    }

    /** k*d*(x/d) + k*(x%d) is k*x: what unravelling and re-flattening an index leaves behind. */
    private static void recombine(Map<Expr, Long> coeffs, long[] constant) {
        boolean changed = true;
        while (changed) {
            changed = false;
            for (var entry : List.copyOf(coeffs.entrySet())) {
                if (!(entry.getKey() instanceof Mod mod)) continue;
                Long kMod = coeffs.get(mod);
                if (kMod == null || kMod == 0) continue;
                Expr divAtom = div(mod.a, mod.c);
                Long kDiv = coeffs.get(divAtom);
                if (kDiv == null || kDiv != kMod * mod.c) continue;
                coeffs.remove(mod);
                coeffs.remove(divAtom);
                collect(mod.a, kMod, coeffs, constant);
                coeffs.values().removeIf(v -> v == 0);
                changed = true;
                break;
            }
        }
    }

    static Expr mul(Expr a, long c) {
        if (c == 0) return num(0);
        if (c == 1) return a;
        return switch (a) {
            case Num n -> num(n.value * c);
            case Mul m -> mul(m.a, m.c * c);
            case Sum s -> {
                Expr r = num(s.constant * c);
                for (Expr t : s.terms) r = add(r, mul(t, c));
                yield r;
            }
            default -> new Mul(a, c);
        };
    }

    static Expr div(Expr a, long c) {
        if (c <= 0) throw new IllegalArgumentException("index division by " + c);
        if (c == 1) return a;
        if (a instanceof Num n) return num(Math.floorDiv(n.value, c));
        if (a.min() >= 0 && a.max() < c) return num(0);
        if (a.min() >= 0 && a.min() / c == a.max() / c) return num(a.min() / c);
        switch (a) {
            case Mul m when m.c % c == 0 -> { return mul(m.a, m.c / c); }
            case Mul m when m.c > 0 && c % m.c == 0 && m.a.min() >= 0 -> { return div(m.a, c / m.c); }
            case Div d -> { return div(d.a, d.c * c); }
            case Sum s -> {
                // Terms whose coefficient is a multiple of c come out of the division whole.
                Expr whole = num(0), rest = num(Math.floorMod(s.constant, c));
                whole = add(whole, num(Math.floorDiv(s.constant, c)));
                long g = c;
                List<Expr> restTerms = new ArrayList<>();
                for (Expr t : s.terms) {
                    long k = t instanceof Mul m ? m.c : 1;
                    Expr atom = t instanceof Mul m ? m.a : t;
                    if (k % c == 0) whole = add(whole, mul(atom, k / c));
                    else { restTerms.add(t); g = gcd(g, Math.abs(k)); }
                }
                for (Expr t : restTerms) rest = add(rest, t);
                if (restTerms.isEmpty()) return add(whole, div(rest, c));
                if (rest.min() >= 0 && rest.max() < c) return whole;
                long rc = ((rest instanceof Sum rs) ? rs.constant : (rest instanceof Num rn ? rn.value : 0));
                if (g > 1 && rc % g == 0 && rest.min() >= 0) {
                    // (g*r)/c == r/(c/g) when g divides every coefficient, the constant and c.
                    Expr reduced = num(rc / g);
                    for (Expr t : restTerms) {
                        long k = t instanceof Mul m ? m.c : 1;
                        Expr atom = t instanceof Mul m ? m.a : t;
                        reduced = add(reduced, mul(atom, k / g));
                    }
                    return add(whole, div(reduced, c / g));
                }
                if (rest.min() >= 0 && rest.min() / c == rest.max() / c) return add(whole, num(rest.min() / c));
                Expr[] split = splitBelow(rest, c);
                if (split != null) return add(whole, div(split[0], c / split[2].max()));
                if (whole instanceof Num wn && wn.value == 0) return new Div(rest, c);
                if (rest.min() >= 0) return add(whole, new Div(rest, c));
                return new Div(a, c);
            }
            default -> { return new Div(a, c); }
        }
    }

    static Expr mod(Expr a, long c) {
        if (c <= 0) throw new IllegalArgumentException("index modulo by " + c);
        if (c == 1) return num(0);
        if (a instanceof Num n) return num(Math.floorMod(n.value, c));
        if (a.min() >= 0 && a.max() < c) return a;
        if (a.min() >= 0 && a.min() / c == a.max() / c) return add(a, -(a.min() / c) * c);
        switch (a) {
            case Mul m when m.c % c == 0 -> { return num(0); }
            case Mul m when m.c > 0 && c % m.c == 0 && m.a.min() >= 0 -> { return mul(mod(m.a, c / m.c), m.c); }
            case Mod m when m.c % c == 0 -> { return mod(m.a, c); }
            case Sum s -> {
                Expr rest = num(Math.floorMod(s.constant, c));
                boolean dropped = Math.floorMod(s.constant, c) != s.constant;
                long g = c;
                for (Expr t : s.terms) {
                    long k = t instanceof Mul m ? m.c : 1;
                    if (k % c == 0) { dropped = true; continue; }
                    Expr atom = t instanceof Mul m ? m.a : t;
                    if (k > c && atom.min() >= 0) {
                        // (k*x + r) % c == ((k mod c)*x + r) % c for non-negative x
                        k %= c;
                        t = mul(atom, k);
                        dropped = true;
                    }
                    rest = add(rest, t);
                    g = gcd(g, Math.abs(k));
                }
                if (rest.min() < 0) return new Mod(a, c);
                if (dropped) return mod(rest, c);
                Expr[] split = splitBelow(rest, c);
                if (split != null) {
                    long f = split[2].max();
                    return add(mul(mod(split[0], c / f), f), split[1]);
                }
                if (g > 1 && rest instanceof Sum rs && rs.constant % g == 0) {
                    Expr reduced = num(rs.constant / g);
                    for (Expr t : rs.terms) {
                        long k = t instanceof Mul m ? m.c : 1;
                        Expr atom = t instanceof Mul m ? m.a : t;
                        reduced = add(reduced, mul(atom, k / g));
                    }
                    return mul(mod(reduced, c / g), g);
                }
                return new Mod(rest, c);
            }
            default -> { return new Mod(a, c); }
        }
    }

    /** a &lt; c */
    static Expr lt(Expr a, long c) {
        if (a.max() < c) return TRUE;
        if (a.min() >= c) return FALSE;
        return new Cmp(a, c, true);
    }

    /** a &gt;= c */
    static Expr ge(Expr a, long c) {
        if (a.min() >= c) return TRUE;
        if (a.max() < c) return FALSE;
        return new Cmp(a, c, false);
    }

    static Expr and(Expr a, Expr b) {
        if (a.equals(FALSE) || b.equals(FALSE)) return FALSE;
        if (a.equals(TRUE)) return b;
        if (b.equals(TRUE)) return a;
        List<Expr> all = new ArrayList<>();
        for (Expr e : List.of(a, b)) {
            if (e instanceof And and) { for (Expr c : and.conds) if (!all.contains(c)) all.add(c); }
            else if (!all.contains(e)) all.add(e);
        }
        return all.size() == 1 ? all.getFirst() : new And(List.copyOf(all));
    }

    /**
     * {@code e} as g*A + s for a factor g of c with A &gt;= 0 and 0 &lt;= s &lt; g, as {A, s, g} (g as a number);
     * null where no such split exists. Then (g*A + s)/c = A/(c/g) and (g*A + s)%c = g*(A%(c/g)) + s: what reading a
     * padded or re-split index back into the axes it came from leaves.
     */
    private static Expr[] splitBelow(Expr e, long c) {
        if (!(e instanceof Sum s)) return null;
        java.util.TreeSet<Long> factors = new java.util.TreeSet<>(java.util.Comparator.reverseOrder());
        for (Expr t : s.terms) {
            long g = gcd(c, Math.abs(t instanceof Mul m ? m.c : 1));
            if (g > 1 && g < c) factors.add(g);
        }
        for (long g : factors) {
            Expr big = num(Math.floorDiv(s.constant, g)), small = num(Math.floorMod(s.constant, g));
            boolean any = false;
            for (Expr t : s.terms) {
                long k = t instanceof Mul m ? m.c : 1;
                Expr atom = t instanceof Mul m ? m.a : t;
                if (k % g == 0) { big = add(big, mul(atom, k / g)); any = true; }
                else small = add(small, t);
            }
            if (any && big.min() >= 0 && small.min() >= 0 && small.max() < g) return new Expr[]{big, small, num(g)};
        }
        return null;
    }

    /** {@code a} where it lies in [min, max]; a variable keeps its name with the narrower range. */
    static Expr bounded(Expr a, long min, long max) {
        long lo = Math.max(a.min(), min), hi = Math.min(a.max(), max);
        if (lo == a.min() && hi == a.max() || lo > hi) return a; // a number, too: its bounds are its value
        if (a instanceof Var v) return new Var(v.name, lo, hi);
        if (a instanceof Bounded b) return bounded(b.a, lo, hi);
        return new Bounded(a, lo, hi);
    }

    /**
     * {@code flat} as it is wherever {@code valid} holds: every sub-sum that a condition of {@code valid} bounds
     * ({@code a < c}, {@code a >= c}) carries that bound, so that dividing {@code flat} into a view's axes can
     * drop what only the invalid (padded) positions would need. The result is only for positions where
     * {@code valid} holds: loads read through it are guarded by {@code valid}.
     */
    public static Expr within(Expr flat, Expr valid) {
        List<Expr> conds = valid instanceof And and ? and.conds : List.of(valid);
        Map<Expr, long[]> bounds = new LinkedHashMap<>();
        for (Expr c : conds) {
            if (!(c instanceof Cmp cmp)) continue;
            long[] b = bounds.computeIfAbsent(cmp.a, a -> new long[]{a.min(), a.max()});
            if (cmp.less) b[1] = Math.min(b[1], cmp.c - 1);
            else b[0] = Math.max(b[0], cmp.c);
        }
        if (bounds.isEmpty()) return flat;
        Map<Expr, Long> fc = new LinkedHashMap<>();
        long[] constant = {0};
        collect(flat, 1, fc, constant);
        boolean changed = false;
        for (var e : bounds.entrySet()) changed |= bound(fc, constant, e.getKey(), e.getValue()[0], e.getValue()[1]);
        return changed ? buildSum(fc, constant[0]) : flat;
    }

    /**
     * Replaces in the terms {@code fc} their multiple of {@code a} (every term of a, the same multiple) by that
     * multiple of a known to lie in [lo, hi]; true where it did. A term x of fc stands for x/d and x%d where a reads
     * them (k*x = k*d*(x/d) + k*(x%d) for x &gt;= 0): an index re-flattened from the axes a mask bounds.
     */
    private static boolean bound(Map<Expr, Long> fc, long[] constant, Expr a, long lo, long hi) {
        Map<Expr, Long> ac = new LinkedHashMap<>();
        long[] ak = {0};
        collect(a, 1, ac, ak);
        if (ac.isEmpty()) return false;
        Expr part = add(a, -ak[0]); // a without its constant
        Expr narrowed = bounded(part, lo - ak[0], hi - ak[0]);
        if (narrowed.equals(part)) return false;
        Map<Expr, Long> split = new LinkedHashMap<>(fc);
        long[] k0 = {constant[0]};
        for (Expr t : ac.keySet()) {
            if (split.containsKey(t)) continue;
            Expr x = t instanceof Div d ? d.a : t instanceof Mod m ? m.a : null;
            long dd = t instanceof Div d ? d.c : t instanceof Mod m ? m.c : 0;
            if (x == null || x.min() < 0) return false;
            // k*x among the terms (x itself, or every term of the sum x at k times its coefficient)
            Map<Expr, Long> xc = new LinkedHashMap<>();
            long[] xk = {0};
            collect(x, 1, xc, xk);
            long k = multiple(split, xc);
            if (k == 0) return false;
            for (var u : xc.entrySet()) split.merge(u.getKey(), -k * u.getValue(), Long::sum);
            split.values().removeIf(v -> v == 0);
            k0[0] -= k * xk[0];
            split.merge(div(x, dd), k * dd, Long::sum);
            split.merge(mod(x, dd), k, Long::sum);
        }
        long scale = multiple(split, ac);
        if (scale <= 0) return false;
        for (var t : ac.entrySet()) split.merge(t.getKey(), -scale * t.getValue(), Long::sum);
        split.values().removeIf(v -> v == 0);
        split.merge(narrowed, scale, Long::sum);
        fc.clear();
        fc.putAll(split);
        constant[0] = k0[0];
        return true;
    }

    /** The k with terms[t] == k * part[t] for every term t of {@code part}; 0 where there is none. */
    private static long multiple(Map<Expr, Long> terms, Map<Expr, Long> part) {
        long k = 0;
        for (var u : part.entrySet()) {
            Long have = terms.get(u.getKey());
            if (have == null || have % u.getValue() != 0) return 0;
            long m = have / u.getValue();
            if (k == 0) k = m;
            else if (m != k) return 0;
        }
        return k;
    }

    private static long gcd(long a, long b) { return b == 0 ? a : gcd(b, a % b); }
}
