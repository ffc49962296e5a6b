// The ONNX project's backend test suites (found by OnnxTestData) run through OnnxModel on JAVA and OPENCL, folder by folder.
package dev.jtiny.onnx;

import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.engine.Devices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every case must pass (tolerances in {@link ConformanceCases}) or be listed, with its reason, in
 * {@code conformance-skips.txt}; a listed case that passes fails the test too, so the list stays true.
 * Prints one line per folder and device: "simple: 17/23 passed on JAVA (6 skipped) in 3.1 s".
 */
class OnnxConformanceTest {
    static final List<String> FOLDERS = List.of("simple", "pytorch-operator", "pytorch-converted");

    @AfterEach void reset() { Config.set("DEVICE", null); }

    static Stream<Arguments> folders() {
        List<Arguments> a = new ArrayList<>();
        for (String device : List.of("JAVA", "OPENCL:0")) for (String f : FOLDERS) a.add(Arguments.of(f, device));
        return a.stream();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("folders")
    void folderPasses(String folder, String device) {
        Path dir = OnnxTestData.suite(folder).orElse(null);
        Assumptions.assumeTrue(dir != null, () -> OnnxTestData.missing(folder));
        if (device.startsWith("OPENCL")) {
            Assumptions.assumeTrue(Devices.available().stream().anyMatch(d -> d.startsWith("OPENCL")), "no OpenCL device");
        }
        Config.set("DEVICE", device);
        Map<String, String> skips = skips();
        List<Path> cases = ConformanceCases.cases(dir);
        assertTrue(cases.size() > 0, "no cases in " + dir);
        long t0 = System.nanoTime();
        int passed = 0, skipped = 0;
        List<String> failures = new ArrayList<>();
        for (Path c : cases) {
            String id = folder + "/" + c.getFileName();
            String result = ConformanceCases.run(c);
            if (skips.containsKey(id)) {
                skipped++;
                if (result == null) failures.add(id + " passes but is in the skip list (" + skips.get(id) + "): remove it from conformance-skips.txt");
            } else if (result == null) {
                passed++;
            } else {
                failures.add(id + ": " + result);
            }
        }
        System.out.printf("%s (%s): %d/%d passed on %s (%d skipped) in %.1f s%n", folder, dir, passed, cases.size(), device, skipped, (System.nanoTime() - t0) / 1e9);
        if (!failures.isEmpty()) fail(failures.size() + " case(s) failed on " + device + ":\n  " + String.join("\n  ", failures));
    }

    /** folder/case -> reason, from conformance-skips.txt. */
    static Map<String, String> skips() {
        Map<String, String> m = new LinkedHashMap<>();
        try (var in = OnnxConformanceTest.class.getResourceAsStream("conformance-skips.txt")) {
            assertNotNull(in, "conformance-skips.txt is missing");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) continue;
                String[] parts = line.split("\\s+", 2);
                if (parts.length < 2) fail("conformance-skips.txt: '" + line + "' gives no reason");
                m.put(parts[0], parts[1]);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        for (String id : m.keySet()) {
            String suite = id.substring(0, id.indexOf('/'));
            OnnxTestData.suite(suite).ifPresent(dir -> assertTrue(Files.isDirectory(dir.resolveSibling(id)),
                    "conformance-skips.txt names " + id + ", which is not in " + dir));
        }
        return m;
    }
}
