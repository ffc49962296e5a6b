// %graph: the lazy graph behind some tensors and the kernels it will become, drawn without running anything.
package dev.jtiny.magics;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.engine.Devices;
import dev.jtiny.runtime.engine.Lowering;
import dev.jtiny.runtime.graph.LazyBuffer;
import dev.jtiny.runtime.Op;
import dev.jtiny.runtime.schedule.Scheduler;
import dev.jtiny.runtime.codegen.LinearKernel;
import dev.jtiny.runtime.codegen.Linearizer;
import dev.jtiny.runtime.view.View;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One node per {@link LazyBuffer} reachable from the outputs (ops, constants, views, buffers), coloured by the
 * kernel {@link Scheduler#plan} puts it in: the same plan a realize of the outputs together would run, computed as a
 * dry run (nothing is realized, allocated, compiled or launched). Graphs of more than {@value #MAX_DRAWN_NODES} nodes
 * are drawn as their kernels and input buffers only; the text form always lists the kernels.
 */
public final class GraphView implements Rendered {
    /** Beyond this many nodes the picture shows one box per kernel instead of one per node. */
    public static final int MAX_DRAWN_NODES = 60;
    /** The text form lists at most this many node lines. */
    static final int MAX_TEXT_NODES = 200;

    /** What a node is, for its colour and its third label line. */
    public enum Role { COMPUTED, CONST, VIEW, BUFFER, HOST_DATA }

    /**
     * A graph node. {@code kernel} is the 1-based number of the planned step computing it (0: none, e.g. a realized
     * buffer or a view); {@code alsoIn} lists further steps that recompute it; {@code sources} are node ids.
     */
    public record Node(int id, String op, int[] shape, String dtype, Role role, String userOp, String detail,
                       int kernel, List<Integer> alsoIn, List<Integer> sources, boolean output) {}

    /**
     * A planned step: {@code kind} is "kernel", "copy", or "empty" (a kernel over zero elements, which is not
     * launched); {@code nodes} are the ids of the nodes it computes, its output last.
     */
    public record Planned(int number, String kind, String name, String device, int[] outShape, List<String> fusedOps,
                          List<String> opts, List<Integer> nodes) {}

    private final List<Node> nodes;
    private final List<Planned> steps;
    private final int outputs;

    private GraphView(List<Node> nodes, List<Planned> steps, int outputs) {
        this.nodes = nodes;
        this.steps = steps;
        this.outputs = outputs;
    }

    public static GraphView of(Tensor... outputs) {
        List<LazyBuffer> lbs = new ArrayList<>();
        for (Tensor t : outputs) lbs.add(t.lazyBuffer());
        return of(lbs);
    }

    /** The graph behind runtime nodes, for code below the tensor DSL. */
    public static GraphView of(List<LazyBuffer> outputs) {
        if (outputs.isEmpty()) throw new IllegalArgumentException("graph: no tensors given; pass the tensors to draw");
        Map<LazyBuffer, Integer> ids = new IdentityHashMap<>();
        List<LazyBuffer> order = new ArrayList<>();
        for (LazyBuffer o : outputs) collect(o, ids, order);

        List<Scheduler.Step> plan = Scheduler.plan(outputs, Devices::capabilities);
        Map<LazyBuffer, List<Integer>> owners = new IdentityHashMap<>();
        List<Planned> steps = new ArrayList<>();
        for (int i = 0; i < plan.size(); i++) {
            Scheduler.Step s = plan.get(i);
            int number = i + 1;
            List<Integer> members = new ArrayList<>();
            for (LazyBuffer b : s.nodes()) {
                owners.computeIfAbsent(b, x -> new ArrayList<>()).add(number);
                Integer id = ids.get(b);
                if (id != null) members.add(id);
            }
            steps.add(planned(number, s.item(), members));
        }

        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            LazyBuffer lb = order.get(i);
            List<Integer> own = owners.getOrDefault(lb, List.of());
            List<Integer> sources = new ArrayList<>();
            if (!lb.isBase()) sources.add(ids.get(lb.base));
            else for (LazyBuffer s : srcs(lb)) sources.add(ids.get(s));
            boolean isOutput = outputs.stream().anyMatch(o -> o == lb);
            nodes.add(new Node(i + 1, opText(lb), lb.shape().clone(), String.valueOf(lb.dtype), role(lb), lb.userOp,
                    detail(lb), own.isEmpty() ? 0 : own.getFirst(), own.size() > 1 ? List.copyOf(own.subList(1, own.size())) : List.of(),
                    List.copyOf(sources), isOutput));
        }
        return new GraphView(List.copyOf(nodes), List.copyOf(steps), outputs.size());
    }

    private static List<LazyBuffer> srcs(LazyBuffer base) {
        List<LazyBuffer> s = base.srcs();
        return s == null ? List.of() : s;
    }

    /** Post-order (sources first), so ids grow towards the outputs. Iterative: graphs can be thousands deep. */
    private static void collect(LazyBuffer root, Map<LazyBuffer, Integer> ids, List<LazyBuffer> order) {
        if (ids.containsKey(root)) return;
        record Frame(LazyBuffer lb, List<LazyBuffer> children, int[] next) {}
        java.util.ArrayDeque<Frame> stack = new java.util.ArrayDeque<>();
        Map<LazyBuffer, Boolean> onStack = new IdentityHashMap<>();
        stack.push(new Frame(root, children(root), new int[1]));
        onStack.put(root, true);
        while (!stack.isEmpty()) {
            Frame f = stack.peek();
            if (f.next[0] < f.children.size()) {
                LazyBuffer c = f.children.get(f.next[0]++);
                if (ids.containsKey(c) || onStack.containsKey(c)) continue;
                onStack.put(c, true);
                stack.push(new Frame(c, children(c), new int[1]));
            } else {
                stack.pop();
                order.add(f.lb);
                ids.put(f.lb, order.size());
            }
        }
    }

    private static List<LazyBuffer> children(LazyBuffer lb) { return lb.isBase() ? srcs(lb) : List.of(lb.base); }

    private static Planned planned(int number, Scheduler.Item item, List<Integer> members) {
        LazyBuffer out = item.out();
        return switch (item) {
            case Scheduler.CopyItem c -> new Planned(number, "copy", "copy " + c.src().device + " -> " + out.device,
                    out.device, out.shape().clone(), out.userOp == null ? List.of() : List.of(out.userOp), List.of(), members);
            case Scheduler.KernelItem k -> {
                LinearKernel lk;
                try {
                    lk = Lowering.plan(k.kernel(), Lowering.Target.of(Devices.get(out.device)));
                } catch (RuntimeException e) { // a device that cannot be opened still has a name for its kernels
                    lk = Linearizer.linearize(k.kernel());
                }
                yield new Planned(number, out.numel() == 0 ? "empty" : "kernel", lk.name(), out.device,
                        out.shape().clone(), k.kernel().fusedOps(), lk.plan().describe(), members);
            }
        };
    }

    private static Role role(LazyBuffer lb) {
        if (!lb.isBase()) return Role.VIEW;
        if (lb.buffer() != null) return Role.BUFFER;
        if (lb.isRealized()) return Role.HOST_DATA;
        if (lb.op == Op.CONST) return Role.CONST;
        return Role.COMPUTED;
    }

    private static String opText(LazyBuffer lb) {
        if (!lb.isBase()) return "VIEW";
        if (lb.buffer() != null && lb.op != Op.BUFFER) return "BUFFER"; // a computed node, realized since
        return switch (lb.op) {
            case CONST -> "CONST " + number((Double) lb.arg);
            case SUM, RMAX, PROD -> lb.op + " " + Arrays.toString((int[]) lb.arg);
            case CAST -> "CAST " + lb.arg;
            default -> lb.op.name();
        };
    }

    private static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return String.valueOf((long) v);
        String s = String.format(Locale.ROOT, "%.6g", v);
        return s.contains("e") ? s : s.replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    /** Views: how the view reads its base. Buffers: whether the data is there yet. */
    private static String detail(LazyBuffer lb) {
        if (!lb.isBase()) {
            View v = lb.st.top();
            StringBuilder b = new StringBuilder("strides ").append(Arrays.toString(v.strides()).replace(" ", ""));
            if (v.offset() != 0) b.append(" +").append(v.offset());
            if (v.mask() != null) b.append(" masked");
            if (lb.st.views().size() > 1) b.append(" (").append(lb.st.views().size()).append(" views)");
            return b.toString();
        }
        return switch (role(lb)) {
            case BUFFER -> "realized";
            case HOST_DATA -> "host data";
            default -> "";
        };
    }

    // ------------------------------------------------------------------ queries

    public List<Node> nodes() { return nodes; }

    public int nodeCount() { return nodes.size(); }

    /** Every planned step (kernels, copies, empty kernels) in the order a realize runs them. */
    public List<Planned> steps() { return steps; }

    /** The kernels a realize of the outputs would launch (copies and zero-size kernels excluded). */
    public List<Planned> kernels() { return steps.stream().filter(s -> s.kind().equals("kernel")).toList(); }

    public int kernelCount() { return kernels().size(); }

    /** Whether the picture shows kernels instead of nodes. */
    public boolean summarized() { return nodes.size() > MAX_DRAWN_NODES; }

    // ------------------------------------------------------------------ text

    @Override public String text() {
        StringBuilder b = new StringBuilder();
        int copies = (int) steps.stream().filter(s -> s.kind().equals("copy")).count();
        b.append("graph of ").append(outputs).append(outputs == 1 ? " output: " : " outputs: ").append(nodes.size())
                .append(nodes.size() == 1 ? " node -> " : " nodes -> ").append(kernelCount()).append(kernelCount() == 1 ? " kernel" : " kernels");
        if (copies > 0) b.append(", ").append(copies).append(copies == 1 ? " copy" : " copies");
        b.append(" (dry run: nothing was computed)\n");
        for (Planned s : steps) {
            b.append(String.format(Locale.ROOT, "  k%-3d %-22s %-9s out %-12s %s", s.number(),
                    s.kind().equals("kernel") ? s.name() : s.name() + " (" + s.kind() + ")", s.device(),
                    Arrays.toString(s.outShape()).replace(" ", ""), s.fusedOps()));
            if (!s.opts().isEmpty()) b.append(" opts ").append(s.opts());
            b.append('\n');
        }
        if (steps.isEmpty()) b.append("  (no kernels: everything is already computed or constant)\n");
        b.append("nodes (output first; sources indented below their consumer):\n");
        int[] printed = {0};
        boolean[] shown = new boolean[nodes.size() + 1];
        for (int i = nodes.size() - 1; i >= 0; i--) {
            if (nodes.get(i).output() && !shown[nodes.get(i).id()]) tree(b, nodes.get(i), 1, shown, printed);
        }
        if (printed[0] > MAX_TEXT_NODES) b.append("  ... ").append(nodes.size() - MAX_TEXT_NODES).append(" more nodes\n");
        return b.toString();
    }

    @Override public String toString() { return text(); }

    private void tree(StringBuilder b, Node n, int depth, boolean[] shown, int[] printed) {
        // Explicit stack: long chains would overflow recursion.
        record Item(Node n, int depth) {}
        java.util.ArrayDeque<Item> stack = new java.util.ArrayDeque<>();
        stack.push(new Item(n, depth));
        while (!stack.isEmpty()) {
            Item it = stack.pop();
            if (++printed[0] > MAX_TEXT_NODES) return;
            b.append("  ".repeat(it.depth)).append('n').append(it.n.id()).append(' ');
            if (shown[it.n.id()]) {
                b.append("(shown above)\n");
                continue;
            }
            shown[it.n.id()] = true;
            b.append(nodeLine(it.n)).append('\n');
            List<Integer> src = it.n.sources();
            for (int k = src.size() - 1; k >= 0; k--) stack.push(new Item(node(src.get(k)), it.depth + 1));
        }
    }

    private String nodeLine(Node n) {
        StringBuilder b = new StringBuilder(n.op()).append(' ').append(Arrays.toString(n.shape()).replace(" ", ""))
                .append(' ').append(n.dtype());
        if (!n.detail().isEmpty()) b.append("  ").append(n.detail());
        if (n.kernel() > 0) {
            b.append("  in k").append(n.kernel()).append(' ').append(steps.get(n.kernel() - 1).name());
            for (int k : n.alsoIn()) b.append(", k").append(k);
        }
        if (n.userOp() != null && n.role() != Role.VIEW) b.append("  (").append(n.userOp()).append(')');
        if (n.output()) b.append("  <- output");
        return b.toString();
    }

    private Node node(int id) { return nodes.get(id - 1); }

    // ------------------------------------------------------------------ pictures

    @Override public Map<String, String> richForms() {
        String svg = svg();
        String html = "<div class=\"jtiny-graph\" style=\"overflow:auto;max-width:100%\">\n" + svg + "</div>\n";
        return Map.of("image/svg+xml", svg, "text/html", html);
    }

    /** The picture: layered top-down (inputs on top, outputs at the bottom), one colour per kernel, with a legend. */
    public String svg() {
        List<GraphDrawing.Box> boxes = summarized() ? kernelBoxes() : nodeBoxes();
        List<GraphDrawing.LegendEntry> legend = new ArrayList<>();
        for (Planned s : steps) {
            legend.add(new GraphDrawing.LegendEntry(colour(s.number()), "k" + s.number() + "  " + s.name()
                    + (s.kind().equals("kernel") ? "" : " (" + s.kind() + ")") + "  " + s.device() + "  " + s.fusedOps()));
        }
        legend.add(new GraphDrawing.LegendEntry(GraphDrawing.NO_KERNEL_FILL, "no kernel: buffers, host data, views (index math only)"));
        String caption = nodes.size() + " nodes -> " + kernelCount() + (kernelCount() == 1 ? " kernel" : " kernels")
                + " (dry run)" + (summarized() ? "; more than " + MAX_DRAWN_NODES + " nodes: one box per kernel" : "");
        return GraphDrawing.svg(caption, boxes, legend);
    }

    private List<GraphDrawing.Box> nodeBoxes() {
        List<GraphDrawing.Box> boxes = new ArrayList<>();
        for (Node n : nodes) {
            String third = switch (n.role()) {
                case BUFFER -> "realized buffer";
                case HOST_DATA -> "host data";
                case VIEW -> n.detail();
                default -> kernelsOf(n).stream().map(k -> "k" + k).collect(java.util.stream.Collectors.joining(","))
                        + (n.userOp() != null ? " " + n.userOp() : "");
            };
            // A view has no kernel of its own: it takes the colours of the node it views.
            List<Integer> ks = kernelsOf(n.role() == Role.VIEW ? node(n.sources().getFirst()) : n);
            String fill = ks.isEmpty() ? GraphDrawing.NO_KERNEL_FILL
                    : ks.stream().map(GraphView::colour).collect(java.util.stream.Collectors.joining(","));
            String tip = "n" + n.id() + " " + nodeLine(n);
            boxes.add(new GraphDrawing.Box(n.id(), List.of("n" + n.id() + " " + n.op(),
                    Arrays.toString(n.shape()).replace(" ", "") + " " + n.dtype(), third.strip()),
                    fill, n.role() == Role.VIEW, n.output(), tip, n.sources()));
        }
        return boxes;
    }

    /** Summary picture: a box per planned step and per buffer the steps read; edges follow the kernels' inputs. */
    private List<GraphDrawing.Box> kernelBoxes() {
        List<GraphDrawing.Box> boxes = new ArrayList<>();
        Map<Integer, Integer> boxOfNode = new java.util.HashMap<>();
        int next = 1;
        // Buffers first: nodes that no step computes and that are not views or constants, read by some step.
        for (Node n : nodes) {
            if (n.role() == Role.BUFFER || n.role() == Role.HOST_DATA) {
                boxOfNode.put(n.id(), next);
                boxes.add(new GraphDrawing.Box(next++, List.of("n" + n.id() + " " + n.op(),
                        Arrays.toString(n.shape()).replace(" ", "") + " " + n.dtype(), n.role() == Role.BUFFER ? "realized buffer" : "host data"),
                        GraphDrawing.NO_KERNEL_FILL, false, n.output(), "n" + n.id() + " " + nodeLine(n), List.of()));
            }
        }
        int firstStepBox = next;
        for (Planned s : steps) {
            // A step's inputs: the boxes of nodes its members read that it does not compute itself.
            java.util.Set<Integer> members = new java.util.HashSet<>(s.nodes());
            java.util.LinkedHashSet<Integer> in = new java.util.LinkedHashSet<>();
            for (int m : s.nodes()) {
                for (int src : node(m).sources()) inputsOf(src, members, boxOfNode, in, firstStepBox);
            }
            int last = s.nodes().isEmpty() ? 0 : s.nodes().getLast();
            boolean out = last > 0 && (node(last).output() || viewedByAnOutput(last));
            boxes.add(new GraphDrawing.Box(next, List.of("k" + s.number() + " " + s.name(),
                    s.kind().equals("kernel") ? String.valueOf(s.fusedOps()) : s.kind(), s.nodes().size() + (s.nodes().size() == 1 ? " node" : " nodes")),
                    colour(s.number()), false, out, "k" + s.number() + " " + s.name() + " " + s.fusedOps() + " on " + s.device(),
                    List.copyOf(in)));
            next++;
        }
        return boxes;
    }

    private boolean viewedByAnOutput(int id) {
        for (Node n : nodes) if (n.output() && n.role() == Role.VIEW && n.sources().getFirst() == id) return true;
        return false;
    }

    /** Follows views and constants back to what a step reads: another step's output box, or a buffer's box. */
    private void inputsOf(int src, java.util.Set<Integer> members, Map<Integer, Integer> boxOfNode,
                          java.util.Set<Integer> in, int firstStepBox) {
        java.util.ArrayDeque<Integer> work = new java.util.ArrayDeque<>(List.of(src));
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        while (!work.isEmpty()) {
            int id = work.pop();
            if (!seen.add(id) || members.contains(id)) continue;
            Node n = node(id);
            if (boxOfNode.containsKey(id)) in.add(boxOfNode.get(id));
            else if (n.kernel() > 0) in.add(firstStepBox + n.kernel() - 1);
            else work.addAll(n.sources()); // a view (or an unowned constant): look through it
        }
    }

    private static List<Integer> kernelsOf(Node n) {
        if (n.kernel() == 0) return List.of();
        List<Integer> ks = new ArrayList<>(List.of(n.kernel()));
        ks.addAll(n.alsoIn());
        return ks;
    }

    static String colour(int kernel) { return GraphDrawing.PALETTE[(kernel - 1) % GraphDrawing.PALETTE.length]; }
}
