// GraphView: the dry-run plan matches what realize then launches, nothing runs while drawing, the SVG is sound XML.
package dev.jtiny.magics;

import dev.jtiny.T;
import dev.jtiny.Tensor;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Counters;
import dev.jtiny.runtime.KernelLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class GraphViewTest {
    @BeforeEach void javaDevice() { Config.set("DEVICE", "JAVA"); }
    @AfterEach void reset() { Config.set("DEVICE", null); }

    static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new InputSource(new StringReader(svg)));
    }

    static List<String> texts(Document d) {
        NodeList ts = d.getElementsByTagName("text");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < ts.getLength(); i++) out.add(ts.item(i).getTextContent());
        return out;
    }

    @Test
    void plansTheKernelsRealizeThenLaunchesWithoutRunningAnything() throws Exception {
        Tensor x = T.rand(64, 64);
        Tensor e = x.sub(x.max(1)).exp();
        Tensor softmax = e.div(e.sum(1));
        long launched = Counters.kernelCount(), compiled = Counters.compileCount(), mark = KernelLog.mark();

        GraphView g = GraphView.of(softmax);
        String text = g.text(), svg = g.svg();
        var forms = g.richForms();

        assertEquals(launched, Counters.kernelCount(), "drawing launches nothing");
        assertEquals(compiled, Counters.compileCount(), "drawing compiles nothing");
        assertEquals(mark, KernelLog.mark(), "drawing logs nothing (no copies either)");
        assertFalse(softmax.lazyBuffer().isRealized());
        assertEquals(3, g.kernelCount(), "max; sum of exp; exp divided by the sum");

        softmax.realize();
        assertEquals(g.kernelCount(), Counters.kernelCount() - launched);
        List<String> ran = KernelLog.since(mark).stream().filter(k -> k.kind().equals("kernel")).map(KernelLog.Entry::name).toList();
        assertEquals(ran, g.kernels().stream().map(GraphView.Planned::name).toList(), "the planned kernels, in order");
        assertEquals(List.of("sub", "exp", "div"), g.kernels().get(2).fusedOps());

        Document d = parse(svg);
        assertEquals("svg", d.getDocumentElement().getLocalName());
        assertEquals(g.nodeCount(), d.getElementsByTagName("rect").getLength(), "one box per graph node");
        assertEquals(17, g.nodeCount());
        List<String> labels = texts(d);
        assertTrue(labels.contains("n1 BUFFER"), labels.toString());
        assertTrue(labels.stream().anyMatch(l -> l.startsWith("k3  E_64_64")), "the legend names each kernel: " + labels);
        assertEquals(svg, forms.get("image/svg+xml"));
        assertTrue(forms.get("text/html").contains(svg));

        assertTrue(text.startsWith("graph of 1 output: 17 nodes -> 3 kernels (dry run: nothing was computed)\n"), text);
        assertTrue(text.contains("  k3   E_64_64"), text);
        assertTrue(text.contains("n1 BUFFER [64,64] float  host data"), text);
    }

    @Test
    void nodesAreColouredByTheKernelThatComputesThem() throws Exception {
        Tensor x = T.rand(64, 64);
        Tensor y = x.mul(2).add(1).relu().sum(1);
        GraphView g = GraphView.of(y);
        // BUFFER x; CONST 2, 1, 0 with a broadcast VIEW each; MUL, ADD, MAX (relu), SUM; the VIEW that drops the axis.
        assertEquals(12, g.nodeCount());
        assertEquals(1, g.kernelCount());
        long inKernel = g.nodes().stream().filter(n -> n.kernel() == 1).count();
        assertEquals(7, inKernel, "three constants and four ops: " + g.text());
        assertTrue(g.nodes().stream().filter(n -> n.role() == GraphView.Role.VIEW).allMatch(n -> n.kernel() == 0));
        GraphView.Node out = g.nodes().getLast();
        assertTrue(out.output());
        assertEquals(GraphView.Role.VIEW, out.role());

        Document d = parse(g.svg());
        NodeList rects = d.getElementsByTagName("rect");
        assertEquals(12, rects.getLength());
        String k1 = GraphView.colour(1);
        int coloured = 0;
        for (int i = 0; i < rects.getLength(); i++) if (((Element) rects.item(i)).getAttribute("fill").equals(k1)) coloured++;
        assertEquals(11, coloured, "everything but the host buffer; views take their base's colour");

        long before = Counters.kernelCount();
        y.realize();
        assertEquals(1, Counters.kernelCount() - before);
        GraphView after = GraphView.of(y);
        assertEquals(0, after.kernelCount(), "a realized tensor needs no kernel");
        assertTrue(after.text().contains("(no kernels: everything is already computed or constant)"), after.text());
    }

    @Test
    void largeGraphsAreDrawnAsKernels() throws Exception {
        Tensor x = T.rand(16);
        Tensor acc = x;
        for (int i = 0; i < 20; i++) acc = acc.mul(1.5).add(1);
        GraphView g = GraphView.of(acc);
        assertEquals(1 + 20 * 6, g.nodeCount(), "each step: two constants, their views, MUL and ADD");
        assertTrue(g.summarized());
        Document d = parse(g.svg());
        assertEquals(2, d.getElementsByTagName("rect").getLength(), "the input buffer and the one kernel");

        long before = Counters.kernelCount();
        acc.realize();
        assertEquals(g.kernelCount(), Counters.kernelCount() - before);
    }

    @Test
    void onAGpuLayoutTheGraphShowsTheKernelsThatRun() {
        // GROUPREDUCE=1 gives PoCL the GPU layouts: a staged, register-tiled matmul and a softmax fused into one
        // work-group per row. The plan %graph draws must name the kernels, and their optimizations, that then run.
        Config.set("DEVICE", "OPENCL:0");
        Config.set("GROUPREDUCE", "1");
        try {
            Tensor a = T.rand(256, 256).realize(), b = T.rand(256, 256).realize();
            Tensor y = a.matmul(b).relu().softmax(1);
            GraphView g = GraphView.of(y);
            long mark = KernelLog.mark();
            y.realize();
            List<KernelLog.Entry> ran = KernelLog.since(mark).stream().filter(e -> e.kind().equals("kernel")).toList();
            assertEquals(ran.size(), g.kernelCount());
            for (int i = 0; i < ran.size(); i++) {
                GraphView.Planned p = g.kernels().get(i);
                assertEquals(ran.get(i).name(), p.name());
                assertEquals(ran.get(i).opts(), p.opts(), "the plan of " + p.name());
            }
            assertTrue(ran.stream().anyMatch(e -> e.opts().stream().anyMatch(o -> o.contains("stage reduce"))),
                    () -> "a staged GPU layout ran: " + ran.stream().map(KernelLog.Entry::opts).toList());
        } finally {
            Config.set("GROUPREDUCE", null);
        }
    }
}
