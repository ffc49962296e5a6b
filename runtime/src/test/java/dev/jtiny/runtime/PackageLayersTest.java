// The runtime's packages are stages whose dependencies point one way: read from the sources' imports.
package dev.jtiny.runtime;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PackageLayersTest {
    private static final String ROOT = "dev.jtiny.runtime";
    /** Lowest first: a package may use the ones before it, never one after it. */
    private static final List<String> LAYERS = List.of(ROOT, ROOT + ".view", ROOT + ".codegen", ROOT + ".codegen.opt",
            ROOT + ".device", ROOT + ".device.java", ROOT + ".device.opencl", ROOT + ".graph", ROOT + ".schedule",
            ROOT + ".engine");
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern USE = Pattern.compile("\\b(dev\\.jtiny\\.runtime(?:\\.[a-z]\\w*)*)\\.[A-Z]");

    /**
     * Each package of the runtime's sources with the runtime packages its code names (imports and qualified names;
     * not comments or string literals: the Java renderer writes kernels that implement a device's interface, which
     * is text it generates, not a dependency of the renderer).
     */
    private static Map<String, Set<String>> uses() throws IOException {
        Path src = Path.of("src/main/java/dev/jtiny/runtime");
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(src)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String text = Files.readString(f);
                Matcher p = PACKAGE.matcher(text);
                assertTrue(p.find(), f + " has no package line");
                Set<String> used = uses.computeIfAbsent(p.group(1), k -> new TreeSet<>());
                String code = text.substring(p.end()).replaceAll("(?s)/\\*.*?\\*/|//[^\\n]*|\"(?:\\\\.|[^\"\\\\])*\"", "");
                Matcher u = USE.matcher(code);
                while (u.find()) if (!u.group(1).equals(p.group(1))) used.add(u.group(1));
            }
        }
        return uses;
    }

    @Test
    void everyPackageIsAStageAndUsesOnlyTheStagesBelowIt() throws IOException {
        Map<String, Set<String>> uses = uses();
        assertEquals(new TreeSet<>(LAYERS), uses.keySet(), "the runtime's packages, and the stages this test knows");
        List<String> upward = new ArrayList<>();
        uses.forEach((pkg, used) -> {
            for (String u : used) {
                if (LAYERS.indexOf(u) > LAYERS.indexOf(pkg)) upward.add(pkg + " -> " + u);
            }
        });
        assertEquals(List.of(), upward, "dependencies that point up the stages (graph never opens a device; codegen never reads the schedule)");
    }
}
