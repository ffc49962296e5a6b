// Evaluates an index expression the way the rendered C/Java source would (truncating / and %), for tests.
package dev.jtiny.runtime.view;

import java.util.Map;
import java.util.function.Consumer;

public final class ExprEval {
    private ExprEval() {}

    public static long eval(Expr e, Map<String, Long> env) {
        return switch (e) {
            case Expr.Num n -> n.value();
            case Expr.Var v -> {
                Long x = env.get(v.name());
                if (x == null) throw new IllegalArgumentException("unbound variable " + v.name() + " in " + e.render());
                yield x;
            }
            case Expr.Mul m -> eval(m.a(), env) * m.c();
            case Expr.Sum s -> {
                long r = s.constant();
                for (Expr t : s.terms()) r += eval(t, env);
                yield r;
            }
            case Expr.Div d -> eval(d.a(), env) / d.c();
            case Expr.Mod m -> eval(m.a(), env) % m.c();
            case Expr.Cmp c -> {
                long a = eval(c.a(), env);
                yield (c.less() ? a < c.c() : a >= c.c()) ? 1 : 0;
            }
            case Expr.And a -> {
                long r = 1;
                for (Expr c : a.conds()) if (eval(c, env) == 0) r = 0;
                yield r;
            }
            case Expr.Bounded b -> eval(b.a(), env);
        };
    }

    /** Visits the node and every node below it. */
    public static void forEachNode(Expr e, Consumer<Expr> f) {
        f.accept(e);
        switch (e) {
            case Expr.Mul m -> forEachNode(m.a(), f);
            case Expr.Sum s -> s.terms().forEach(t -> forEachNode(t, f));
            case Expr.Div d -> forEachNode(d.a(), f);
            case Expr.Mod m -> forEachNode(m.a(), f);
            case Expr.Cmp c -> forEachNode(c.a(), f);
            case Expr.And a -> a.conds().forEach(c -> forEachNode(c, f));
            case Expr.Num n -> {}
            case Expr.Var v -> {}
            case Expr.Bounded b -> forEachNode(b.a(), f);
        }
    }
}
