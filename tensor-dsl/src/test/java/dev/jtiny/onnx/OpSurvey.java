// Lists the operator types and opsets the ONNX test models under a folder use, marking those jtiny lacks (a program, not a test).
package dev.jtiny.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

final class OpSurvey {
    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : OnnxTestData.DEBIAN);
        Map<String, TreeSet<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".onnx")).sorted().toList()) {
                OnnxProto.Model m = OnnxProto.parseModel(Files.readAllBytes(p));
                String opsets = m.opsets().stream().map(o -> (o.domain().isEmpty() ? "ai.onnx" : o.domain()) + ":" + o.version()).toList().toString();
                String where = root.relativize(p).toString();
                System.out.println(where + " ir=" + m.irVersion() + " " + opsets + " nodes=" + m.graph().nodes().size()
                        + " inits=" + m.graph().initializers().size());
                for (OnnxProto.Node n : m.graph().nodes()) {
                    StringBuilder attrs = new StringBuilder();
                    for (OnnxProto.Attribute a : n.attributes()) attrs.append(a.name()).append(' ');
                    uses.computeIfAbsent((n.domain().isEmpty() ? "" : n.domain() + ".") + n.opType(), k -> new TreeSet<>())
                            .add(root.relativize(p).getName(0) + " " + opsets + " {" + attrs.toString().trim() + "}");
                }
            }
        }
        uses.forEach((op, where) -> {
            int dot = op.lastIndexOf('.');
            boolean known = Operators.find(dot < 0 ? "" : op.substring(0, dot), op.substring(dot + 1)) != null;
            System.out.println(op + (known ? "" : "    <- not supported"));
            for (String w : where) System.out.println("    " + w);
        });
    }
}
