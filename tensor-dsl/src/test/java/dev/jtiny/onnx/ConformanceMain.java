// Runs conformance cases from the command line while working on operators: ConformanceMain DEVICE dir...
package dev.jtiny.onnx;

import dev.jtiny.runtime.Config;

import java.nio.file.Files;
import java.nio.file.Path;

final class ConformanceMain {
    public static void main(String[] args) {
        Config.set("DEVICE", args[0]);
        int pass = 0, total = 0;
        for (int i = 1; i < args.length; i++) {
            Path p = Path.of(args[i]);
            for (Path c : Files.exists(p.resolve("model.onnx")) ? java.util.List.of(p) : ConformanceCases.cases(p)) {
                long t0 = System.nanoTime();
                String r = ConformanceCases.run(c);
                total++;
                if (r == null) pass++;
                System.out.printf("%-60s %6d ms  %s%n", c.getFileName(), (System.nanoTime() - t0) / 1_000_000, r == null ? "ok" : r);
            }
        }
        System.out.println(pass + "/" + total + " passed on " + args[0]);
        System.exit(0);
    }
}
