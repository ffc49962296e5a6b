// Turns a kernel's input graph into a flat list of statements: loops for reductions, loads with index math.
package dev.jtiny.runtime.codegen;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Op;
import dev.jtiny.runtime.view.Expr;
import dev.jtiny.runtime.view.ShapeTracker;
import dev.jtiny.runtime.view.View;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Each output element is one work item {@code gidx}. A node is emitted once per distinct index it is read at
 * (common subexpressions are shared, also across a diamond), inside the innermost loop or guard that needs it.
 */
public final class Linearizer {
    private final List<UOp> uops = new ArrayList<>();
    private final Deque<Map<Object, String>> scopes = new ArrayDeque<>();
    private final Deque<Long> loopExtents = new ArrayDeque<>();
    private final Map<KNode, Integer> ids = new IdentityHashMap<>();
    private int nextVar, nextLoop;
    private long flops;

    private Linearizer() { scopes.push(new HashMap<>()); }

    public static LinearKernel linearize(Kernel k) {
        Linearizer l = new Linearizer();
        long n = View.numel(k.outShape());
        Expr gidx = Expr.var("gidx", 0, Math.max(n - 1, 0));
        Expr[] idx = ShapeTracker.unravel(gidx, k.outShape());
        String v = l.emit(k.root(), idx);
        l.uops.add(new UOp.Store(0, k.argTypes().getFirst(), gidx, v));
        return new LinearKernel(name(k), List.copyOf(l.uops), k.argTypes(), (int) n, l.flops * n,
                k.fusedOps(), List.of());
    }

    /** Loads and constants are shared by value (the same read is the same read); other nodes by identity. */
    private record Key(Object node, List<Expr> idx) {}

    private String lookup(Object key) {
        for (Map<Object, String> s : scopes) {
            String v = s.get(key);
            if (v != null) return v;
        }
        return null;
    }

    private String fresh(String prefix) { return prefix + nextVar++; }

    private long work() {
        long w = 1;
        for (long e : loopExtents) w *= e;
        return w;
    }

    private String emit(KNode node, Expr[] idx) {
        Object id = node instanceof KNode.Load || node instanceof KNode.Const ? node : ids.computeIfAbsent(node, n -> ids.size());
        Key key = new Key(id, List.of(idx));
        String hit = lookup(key);
        if (hit != null) return hit;
        String out = switch (node) {
            case KNode.Load l -> {
                Expr[] fv = l.st().expr(idx);
                String name = fresh("val");
                if (fv[1].equals(Expr.FALSE)) uops.add(new UOp.Const(name, l.dtype(), 0, Expr.TRUE));
                else uops.add(new UOp.Load(name, l.dtype(), l.arg(), fv[0], fv[1]));
                yield name;
            }
            case KNode.Const c -> {
                Expr valid = c.st().expr(idx)[1];
                String name = fresh("const");
                uops.add(new UOp.Const(name, c.dtype(), c.value(), valid));
                yield name;
            }
            case KNode.Alu a -> {
                List<String> args = new ArrayList<>();
                for (KNode s : a.src()) args.add(emit(s, idx));
                String name = fresh("alu");
                DType srcType = a.op() == Op.WHERE ? a.src().get(1).dtype() : a.src().getFirst().dtype();
                uops.add(new UOp.Alu(name, a.dtype(), a.op(), srcType, args));
                if (a.op() != Op.CAST) flops += work();
                yield name;
            }
            case KNode.Reduce r -> emitReduce(r, idx);
            case KNode.ViewOf v -> {
                Expr[] fv = v.st().expr(idx);
                Expr[] srcIdx = ShapeTracker.unravel(fv[0], v.src().shape());
                if (fv[1].equals(Expr.TRUE)) yield emit(v.src(), srcIdx);
                String name = fresh("view");
                uops.add(new UOp.DefineVar(name, v.dtype(), 0));
                if (!fv[1].equals(Expr.FALSE)) {
                    // Padding: the source is only evaluated where the view is valid, so it never reads out of bounds.
                    uops.add(new UOp.If(fv[1]));
                    scopes.push(new HashMap<>());
                    uops.add(new UOp.Assign(name, emit(v.src(), srcIdx)));
                    scopes.pop();
                    uops.add(new UOp.End());
                }
                yield name;
            }
        };
        scopes.peek().put(key, out);
        return out;
    }

    private String emitReduce(KNode.Reduce r, Expr[] idx) {
        int[] srcShape = r.src().shape();
        Expr[] inner = idx.clone();
        String acc = fresh("acc");
        uops.add(new UOp.DefineVar(acc, r.dtype(), r.op().identity()));
        List<Integer> axes = Arrays.stream(r.axes()).sorted().boxed().toList();
        for (int a : axes) {
            String var = "ridx" + nextLoop++;
            inner[a] = Expr.var(var, 0, srcShape[a] - 1);
            uops.add(new UOp.Loop(var, srcShape[a]));
            loopExtents.push((long) srcShape[a]);
        }
        scopes.push(new HashMap<>());
        String v = emit(r.src(), inner);
        uops.add(new UOp.Accumulate(acc, r.dtype(), r.op().accumulate(), v));
        flops += work();
        scopes.pop();
        for (int ignored : axes) {
            uops.add(new UOp.End());
            loopExtents.pop();
        }
        return acc;
    }

    /** E_4_16 for elementwise work over 4x16; r_4_16_32 when 32 elements are reduced per output, and so on. */
    static String name(Kernel k) {
        List<Integer> reduceDims = new ArrayList<>();
        collectReduceDims(k.root(), reduceDims);
        StringBuilder b = new StringBuilder(reduceDims.isEmpty() ? "E" : "r");
        int[] out = k.outShape();
        boolean any = false;
        for (int d : out) if (d != 1) { b.append('_').append(d); any = true; }
        if (!any) b.append("_1");
        for (int d : reduceDims) b.append('_').append(d);
        return b.toString();
    }

    private static void collectReduceDims(KNode n, List<Integer> dims) {
        switch (n) {
            case KNode.Reduce r -> {
                collectReduceDims(r.src(), dims);
                for (int a : r.axes()) dims.add(r.src().shape()[a]);
            }
            case KNode.Alu a -> a.src().forEach(s -> collectReduceDims(s, dims));
            case KNode.ViewOf v -> collectReduceDims(v.src(), dims);
            default -> {}
        }
    }
}
