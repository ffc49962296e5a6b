// Draws a small DAG as SVG by hand: layered top-down layout, labelled boxes, arrows, a colour legend. No Graphviz.
package dev.jtiny.magics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The layout is Sugiyama's in miniature: a layer per node (longest path from the inputs, then each node pulled down
 * next to its first consumer so constants sit beside what reads them), a few barycenter sweeps to untangle edges,
 * then boxes packed left to right and centred. Good enough for the tens of nodes a tensor expression has.
 */
final class GraphDrawing {
    /** Fills for kernels 1, 2, ...: ColorBrewer Set3 without its grey, light enough for black text. */
    static final String[] PALETTE = {"#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69",
            "#fccde5", "#bc80bd", "#ccebc5", "#ffed6f"};
    static final String NO_KERNEL_FILL = "#ffffff";

    private static final double CHAR_W = 6.7;
    private static final int LINE_H = 13, PAD = 7, BOX_H = 3 * LINE_H + 2 * PAD - 4, GAP_X = 18, GAP_Y = 46, MARGIN = 12;
    private static final int LEGEND_ROW = 17, MAX_LEGEND = 16, MAX_ROW = 12;

    /**
     * @param id      unique among the boxes
     * @param lines   label lines, the first drawn bold
     * @param fill    a colour, or several separated by commas (drawn side by side)
     * @param dashed  a dashed outline (views)
     * @param bold    a thick outline (outputs)
     * @param sources ids of boxes with an edge into this one; every source must come earlier in the list
     */
    record Box(int id, List<String> lines, String fill, boolean dashed, boolean bold, String tooltip, List<Integer> sources) {}

    record LegendEntry(String fill, String label) {}

    private GraphDrawing() {}

    static String svg(String caption, List<Box> boxes, List<LegendEntry> legend) {
        Layout g = layout(boxes);
        int legendRows = Math.min(legend.size(), MAX_LEGEND + 2);
        int legendWidth = (int) Math.ceil(CHAR_W * Math.max(caption.length(),
                legend.stream().mapToInt(e -> e.label().length()).max().orElse(0))) + 30;
        int width = (int) Math.ceil(Math.max(g.width, legendWidth)) + 2 * MARGIN;
        int legendTop = MARGIN + LINE_H + 6;
        int graphTop = legendTop + legendRows * LEGEND_ROW + 14;
        int height = graphTop + g.layers * BOX_H + Math.max(0, g.layers - 1) * GAP_Y + MARGIN;
        double dx = MARGIN + (width - 2 * MARGIN - g.width) / 2;

        // Ids unique to this picture (several may share a notebook page) yet the same each time it is drawn.
        String drawing = Integer.toHexString(java.util.Objects.hash(caption, boxes, legend));
        String arrow = "jtiny-arrow-" + drawing;
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" font-family=\"monospace\" font-size=\"11\">\n");
        s.append("<defs><marker id=\"").append(arrow).append("\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\"")
                .append(" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker>");
        // A box in several kernels is filled with their colours side by side (hard-stop gradient: still one rect).
        Map<String, String> gradients = new HashMap<>();
        for (Box b : boxes) {
            if (!b.fill().contains(",") || gradients.containsKey(b.fill())) continue;
            String id = "jtiny-fill-" + drawing + "-" + gradients.size();
            gradients.put(b.fill(), id);
            String[] cs = b.fill().split(",");
            s.append("<linearGradient id=\"").append(id).append("\" x1=\"0\" x2=\"1\" y1=\"0\" y2=\"0\">");
            for (int k = 0; k < cs.length; k++) {
                s.append(String.format(Locale.ROOT, "<stop offset=\"%.3f\" stop-color=\"%s\"/><stop offset=\"%.3f\" stop-color=\"%s\"/>",
                        (double) k / cs.length, cs[k], (k + 1.0) / cs.length, cs[k]));
            }
            s.append("</linearGradient>");
        }
        s.append("</defs>\n");
        s.append("<text x=\"").append(MARGIN).append("\" y=\"").append(MARGIN + LINE_H - 2)
                .append("\" font-weight=\"bold\" font-size=\"12\">").append(SourceHighlighter.escape(caption)).append("</text>\n");
        // A long legend keeps its first entries and its last (the key for boxes outside any kernel).
        List<LegendEntry> shown = legend;
        if (legend.size() > MAX_LEGEND + 1) {
            shown = new ArrayList<>(legend.subList(0, MAX_LEGEND));
            shown.add(new LegendEntry(null, "... " + (legend.size() - 1 - MAX_LEGEND) + " more (hover over a box for its kernel)"));
            shown.add(legend.getLast());
        }
        for (int k = 0; k < shown.size(); k++) {
            LegendEntry e = shown.get(k);
            int cy = legendTop + k * LEGEND_ROW + LEGEND_ROW / 2;
            if (e.fill() != null) {
                s.append("<circle cx=\"").append(MARGIN + 6).append("\" cy=\"").append(cy).append("\" r=\"6\" fill=\"")
                        .append(e.fill()).append("\" stroke=\"#444\"/>");
            }
            s.append("<text x=\"").append(MARGIN + 18).append("\" y=\"").append(cy + 4).append("\">")
                    .append(SourceHighlighter.escape(e.label())).append("</text>\n");
        }

        // Edges under the boxes: down from the bottom of a source, through its waypoints, into a slot on the consumer.
        s.append("<g fill=\"none\" stroke=\"#777\" stroke-width=\"1.2\">\n");
        for (Edge e : g.edges) {
            double x = dx + g.center[e.from], y = graphTop + g.layer[e.from] * (BOX_H + GAP_Y) + BOX_H;
            StringBuilder d = new StringBuilder(String.format(Locale.ROOT, "M%.1f,%.1f", x, y));
            for (int k = 0; k <= e.via.size(); k++) {
                boolean last = k == e.via.size();
                int to = last ? e.to : e.via.get(k);
                double x2 = dx + (last ? e.slotX : g.center[to]);
                double y2 = graphTop + g.layer[to] * (BOX_H + GAP_Y);
                double mid = (y2 - y) / 2;
                d.append(String.format(Locale.ROOT, " C%.1f,%.1f %.1f,%.1f %.1f,%.1f", x, y + mid, x2, y2 - mid, x2, y2));
                x = x2;
                y = y2;
                if (!last) {
                    y += BOX_H;
                    d.append(String.format(Locale.ROOT, " L%.1f,%.1f", x, y));
                }
            }
            s.append("<path d=\"").append(d).append("\" marker-end=\"url(#").append(arrow).append(")\"/>\n");
        }
        s.append("</g>\n");

        for (int i = 0; i < boxes.size(); i++) {
            Box b = boxes.get(i);
            double x = dx + g.center[i] - g.width(i) / 2, y = graphTop + g.layer[i] * (BOX_H + GAP_Y);
            String fill = gradients.containsKey(b.fill()) ? "url(#" + gradients.get(b.fill()) + ")" : b.fill();
            s.append("<g><title>").append(SourceHighlighter.escape(b.tooltip())).append("</title>");
            s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.0f\" height=\"%d\" rx=\"5\" fill=\"%s\" stroke=\"#333\" stroke-width=\"%s\"%s/>",
                    x, y, g.width(i), BOX_H, fill, b.bold() ? "2.5" : "1", b.dashed() ? " stroke-dasharray=\"4,3\"" : ""));
            for (int k = 0; k < b.lines().size(); k++) {
                s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\"%s>", x + PAD, y + PAD + (k + 1) * LINE_H - 3,
                        k == 0 ? " font-weight=\"bold\"" : "")).append(SourceHighlighter.escape(b.lines().get(k))).append("</text>");
            }
            s.append("</g>\n");
        }
        return s.append("</svg>\n").toString();
    }

    /** An edge of the picture: from box {@code from} through waypoints (one per layer crossed) to a slot on {@code to}. */
    private record Edge(int from, int to, List<Integer> via, double slotX) {}

    /**
     * Positions of boxes (indices below {@code boxes}) and waypoints (indices from {@code boxes} on, zero width),
     * as centers relative to the drawing's left edge.
     */
    private record Layout(int boxes, int layers, int[] layer, double[] center, double[] widths, double width, List<Edge> edges) {
        double width(int i) { return widths[i]; }
    }

    private static Layout layout(List<Box> boxes) {
        int n = boxes.size();
        Map<Integer, Integer> index = new HashMap<>();
        for (int i = 0; i < n; i++) index.put(boxes.get(i).id(), i);
        int[][] srcs = new int[n][];
        List<List<Integer>> consumers = new ArrayList<>();
        for (int i = 0; i < n; i++) consumers.add(new ArrayList<>());
        for (int i = 0; i < n; i++) {
            List<Integer> s = boxes.get(i).sources();
            srcs[i] = new int[s.size()];
            for (int k = 0; k < s.size(); k++) {
                Integer j = index.get(s.get(k));
                if (j == null || j >= i) throw new IllegalArgumentException("box " + boxes.get(i).id() + ": source " + s.get(k) + " must be an earlier box");
                srcs[i][k] = j;
                consumers.get(j).add(i);
            }
        }

        // Layers: longest path from the inputs, then pulled down to just above the nearest consumer.
        int[] rank = new int[n];
        for (int i = 0; i < n; i++) for (int j : srcs[i]) rank[i] = Math.max(rank[i], rank[j] + 1);
        for (int i = n - 1; i >= 0; i--) {
            int min = Integer.MAX_VALUE;
            for (int c : consumers.get(i)) min = Math.min(min, rank[c]);
            if (min != Integer.MAX_VALUE) rank[i] = Math.max(rank[i], min - 1);
        }
        // A rank wider than MAX_ROW boxes is drawn as several rows, so a wide graph stays readable.
        int ranks = 0;
        for (int r : rank) ranks = Math.max(ranks, r + 1);
        List<List<Integer>> byRank = new ArrayList<>();
        for (int r = 0; r < ranks; r++) byRank.add(new ArrayList<>());
        for (int i = 0; i < n; i++) byRank.get(rank[i]).add(i);
        List<Integer> layerOf = new ArrayList<>();
        for (int i = 0; i < n; i++) layerOf.add(0);
        int layers = 0;
        for (List<Integer> r : byRank) {
            for (int k = 0; k < r.size(); k++) layerOf.set(r.get(k), layers + k / MAX_ROW);
            layers += Math.max(1, (r.size() + MAX_ROW - 1) / MAX_ROW);
        }

        // Waypoints: an edge crossing layers gets one zero-width point per layer in between.
        List<Double> widths = new ArrayList<>();
        for (Box b : boxes) {
            int chars = 0;
            for (String line : b.lines()) chars = Math.max(chars, line.length());
            widths.add((double) Math.max(64, (int) Math.ceil(chars * CHAR_W) + 2 * PAD));
        }
        List<List<Integer>> up = new ArrayList<>(), down = new ArrayList<>();
        for (int i = 0; i < n; i++) { up.add(new ArrayList<>()); down.add(new ArrayList<>()); }
        List<int[]> rawEdges = new ArrayList<>(); // from, to, first waypoint (-1: none), waypoint count
        for (int i = 0; i < n; i++) {
            for (int j : srcs[i]) {
                int prev = j, first = -1, count = 0;
                for (int l = layerOf.get(j) + 1; l < layerOf.get(i); l++) {
                    int w = layerOf.size();
                    layerOf.add(l);
                    widths.add(0.0);
                    up.add(new ArrayList<>());
                    down.add(new ArrayList<>());
                    if (first < 0) first = w;
                    count++;
                    down.get(prev).add(w);
                    up.get(w).add(prev);
                    prev = w;
                }
                down.get(prev).add(i);
                up.get(i).add(prev);
                rawEdges.add(new int[]{j, i, first, count});
            }
        }
        int total = layerOf.size();
        List<List<Integer>> rows = new ArrayList<>();
        for (int l = 0; l < layers; l++) rows.add(new ArrayList<>());
        for (int i = 0; i < total; i++) rows.get(layerOf.get(i)).add(i);

        // Order within rows: barycenter sweeps down and up.
        double[] pos = new double[total];
        for (List<Integer> row : rows) for (int k = 0; k < row.size(); k++) pos[row.get(k)] = k;
        for (int sweep = 0; sweep < 4; sweep++) {
            for (int l = 1; l < layers; l++) reorder(rows.get(l), pos, up::get);
            for (int l = layers - 2; l >= 0; l--) reorder(rows.get(l), pos, down::get);
        }

        // Coordinates: rows packed, then each row moved as close to its neighbours' centres as order and gaps allow.
        double[] w = widths.stream().mapToDouble(Double::doubleValue).toArray();
        double[] center = new double[total];
        for (List<Integer> row : rows) {
            double x = 0;
            for (int k = 0; k < row.size(); k++) {
                int i = row.get(k);
                if (k > 0) x += gap(row.get(k - 1), i, n);
                center[i] = x + w[i] / 2;
                x += w[i];
            }
        }
        for (int sweep = 0; sweep < 3; sweep++) {
            for (int l = 1; l < layers; l++) place(rows.get(l), center, w, n, up::get);
            for (int l = layers - 2; l >= 0; l--) place(rows.get(l), center, w, n, down::get);
        }
        double min = Double.MAX_VALUE, max = -Double.MAX_VALUE;
        for (int i = 0; i < total; i++) {
            min = Math.min(min, center[i] - w[i] / 2);
            max = Math.max(max, center[i] + w[i] / 2);
        }
        if (total == 0) min = max = 0;
        for (int i = 0; i < total; i++) center[i] -= min;

        // Entry slots on each box's top, ordered by where the edges come from so they do not cross there.
        List<Edge> edges = new ArrayList<>();
        Map<Integer, List<int[]>> into = new HashMap<>();
        for (int[] e : rawEdges) into.computeIfAbsent(e[1], k -> new ArrayList<>()).add(e);
        for (Map.Entry<Integer, List<int[]>> en : into.entrySet()) {
            int to = en.getKey();
            List<int[]> es = en.getValue();
            es.sort((a, b) -> Double.compare(center[a[3] > 0 ? a[2] + a[3] - 1 : a[0]], center[b[3] > 0 ? b[2] + b[3] - 1 : b[0]]));
            for (int k = 0; k < es.size(); k++) {
                int[] e = es.get(k);
                List<Integer> via = new ArrayList<>();
                for (int v = 0; v < e[3]; v++) via.add(e[2] + v);
                double slot = center[to] - w[to] / 2 + w[to] * (k + 1.0) / (es.size() + 1);
                edges.add(new Edge(e[0], to, via, slot));
            }
        }
        int[] layerArr = layerOf.stream().mapToInt(Integer::intValue).toArray();
        return new Layout(n, layers, layerArr, center, w, max - min, edges);
    }

    /** Space between neighbours in a row: less between two waypoints, which are only lines. */
    private static double gap(int a, int b, int boxes) { return a >= boxes && b >= boxes ? 8 : GAP_X; }

    /**
     * Moves a row's items towards the mean centre of their neighbours, keeping their order and gaps: the
     * least-squares placement, found by pooling adjacent violators (isotonic regression on centre minus offset).
     */
    private static void place(List<Integer> row, double[] center, double[] w, int boxes,
                              java.util.function.IntFunction<List<Integer>> neighbours) {
        int m = row.size();
        if (m == 0) return;
        double[] offset = new double[m];
        for (int k = 1; k < m; k++) {
            int a = row.get(k - 1), b = row.get(k);
            offset[k] = offset[k - 1] + w[a] / 2 + gap(a, b, boxes) + w[b] / 2;
        }
        double[] target = new double[m];
        for (int k = 0; k < m; k++) {
            int i = row.get(k);
            List<Integer> nb = neighbours.apply(i);
            double want = nb.isEmpty() ? center[i] : nb.stream().mapToDouble(j -> center[j]).average().orElse(center[i]);
            target[k] = want - offset[k];
        }
        // Pool adjacent violators: blocks of (sum, count) whose means must not decrease.
        double[] sum = new double[m];
        int[] cnt = new int[m];
        int blocks = 0;
        for (int k = 0; k < m; k++) {
            sum[blocks] = target[k];
            cnt[blocks] = 1;
            blocks++;
            while (blocks > 1 && sum[blocks - 2] / cnt[blocks - 2] > sum[blocks - 1] / cnt[blocks - 1]) {
                sum[blocks - 2] += sum[blocks - 1];
                cnt[blocks - 2] += cnt[blocks - 1];
                blocks--;
            }
        }
        int k = 0;
        for (int b = 0; b < blocks; b++) {
            double v = sum[b] / cnt[b];
            for (int c = 0; c < cnt[b]; c++, k++) center[row.get(k)] = v + offset[k];
        }
    }

    /** Sorts a row by the mean current position of each box's neighbours (boxes without any keep their place). */
    private static void reorder(List<Integer> row, double[] pos, java.util.function.IntFunction<List<Integer>> neighbours) {
        Map<Integer, Double> key = new HashMap<>();
        for (int k = 0; k < row.size(); k++) {
            int i = row.get(k);
            List<Integer> nb = neighbours.apply(i);
            key.put(i, nb.isEmpty() ? k : nb.stream().mapToDouble(j -> pos[j]).average().orElse(k));
        }
        row.sort((a, b) -> Double.compare(key.get(a), key.get(b)));
        for (int k = 0; k < row.size(); k++) pos[row.get(k)] = k;
    }
}
