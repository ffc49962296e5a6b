// The on-disk compile cache, end to end: the second run of the same script compiles nothing.
package dev.jtiny.it;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompileCacheTest {

    @ParameterizedTest @ValueSource(strings = {"JAVA", "OPENCL:0"})
    void secondRunLoadsEveryKernelFromTheCache(String device, @TempDir Path dir) throws Exception {
        Path script = dir.resolve("cache.jsh");
        Files.writeString(script, """
                var x = tensor(new float[]{1, 2, 3, 4, 5, 6}, 2, 3);
                var y = x.exp().sum(1).add(x.max(1)).softmax(0);
                System.out.println(java.util.Arrays.toString(y.toFloatArray()));
                """);
        Map<String, String> env = Map.of("DEBUG", "1", "DEVICE", device, "CACHEDIR", dir.resolve("cache").toString());

        Processes.Result first = Processes.cli(dir, env, "run", script.toString());
        assertEquals(0, first.exit(), first.toString());
        long compiled = first.out().lines().filter(l -> l.startsWith("compiled ")).count();
        assertTrue(compiled >= 3, "the first run compiles its kernels:\n" + first);

        Processes.Result second = Processes.cli(dir, env, "run", script.toString());
        assertEquals(0, second.exit(), second.toString());
        assertFalse(second.out().lines().anyMatch(l -> l.startsWith("compiled ")), "nothing is compiled again:\n" + second);
        assertEquals(compiled, second.out().lines().filter(l -> l.startsWith("loaded ") && l.endsWith("from the compile cache")).count(), second.toString());
        // Same answer both times.
        String values = first.out().lines().filter(l -> l.startsWith("[")).findFirst().orElseThrow();
        assertTrue(second.out().contains(values), second.toString());
    }
}
