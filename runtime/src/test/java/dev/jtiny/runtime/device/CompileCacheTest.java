// The on-disk compile cache: layout, keys, CACHELEVEL=0, and atomic writes under concurrency.
package dev.jtiny.runtime.device;

import dev.jtiny.runtime.Config;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class CompileCacheTest {
    @TempDir Path tmp;

    @BeforeEach
    void useTempDir() {
        Config.set("CACHEDIR", tmp.toString());
    }

    @AfterEach
    void resetConfig() {
        Config.set("CACHEDIR", null);
        Config.set("CACHELEVEL", null);
    }

    @Test
    void dirFollowsConfig() {
        assertEquals(tmp, CompileCache.dir());
        Config.set("CACHEDIR", null);
        // With no override the default is ~/.cache/jtiny unless the environment or -Djtiny.cachedir says otherwise.
        if (System.getenv("CACHEDIR") == null && System.getProperty("jtiny.cachedir") == null) {
            assertEquals(Path.of(System.getProperty("user.home"), ".cache", "jtiny"), CompileCache.dir());
        }
    }

    @Test
    void keyIsSha256HexAndUnambiguous() {
        String k = CompileCache.key("kernel source", "-cl-std=CL1.2");
        assertEquals(64, k.length());
        assertTrue(k.matches("[0-9a-f]{64}"), k);
        assertEquals(k, CompileCache.key("kernel source", "-cl-std=CL1.2"));
        assertNotEquals(CompileCache.key("ab", "c"), CompileCache.key("a", "bc"));
        assertNotEquals(CompileCache.key("a", ""), CompileCache.key("a"));
        assertNotEquals(CompileCache.key("a", null), CompileCache.key("a", ""));
        // SHA-256 of nothing at all is a well-known constant.
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", CompileCache.key());
    }

    @Test
    void putThenGetRoundTripsUnderKindAndKey() throws Exception {
        String key = CompileCache.key("src");
        byte[] data = "binary\0with\u00ffbytes".getBytes(StandardCharsets.ISO_8859_1);
        assertNull(CompileCache.get("opencl", key));
        CompileCache.put("opencl", key, data);
        assertArrayEquals(data, CompileCache.get("opencl", key));
        assertArrayEquals(data, Files.readAllBytes(tmp.resolve("opencl").resolve(key)));
        assertNull(CompileCache.get("beam", key), "kinds are separate");

        byte[] newer = {1, 2, 3};
        CompileCache.put("opencl", key, newer);
        assertArrayEquals(newer, CompileCache.get("opencl", key));
        assertEquals(List.of(key), names(tmp.resolve("opencl")), "no temp files left behind");
    }

    @Test
    void cacheLevelZeroDisablesReadsAndWrites() {
        String key = CompileCache.key("src");
        CompileCache.put("opencl", key, new byte[] {42});
        Config.set("CACHELEVEL", "0");
        assertNull(CompileCache.get("opencl", key));
        CompileCache.put("opencl", CompileCache.key("other"), new byte[] {7});
        Config.set("CACHELEVEL", null);
        assertArrayEquals(new byte[] {42}, CompileCache.get("opencl", key));
        assertNull(CompileCache.get("opencl", CompileCache.key("other")), "nothing was written while disabled");
    }

    @Test
    void writeFailureIsSwallowed() throws Exception {
        Path notADir = tmp.resolve("file");
        Files.writeString(notADir, "x");
        Config.set("CACHEDIR", notADir.toString());
        CompileCache.put("opencl", "k", new byte[] {1}); // must not throw
        assertNull(CompileCache.get("opencl", "k"));
    }

    @Test
    void rejectsKindsAndKeysThatAreNotPlainNames() {
        assertThrows(IllegalArgumentException.class, () -> CompileCache.put("../x", "k", new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> CompileCache.get("opencl", "a/b"));
        assertThrows(IllegalArgumentException.class, () -> CompileCache.get("opencl", ".."));
    }

    @Test
    void concurrentWritersAndReadersNeverSeeAPartialFile() throws Exception {
        String key = CompileCache.key("contended");
        int size = 1 << 20;
        int writers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(writers + 2);
        try {
            CountDownLatch start = new CountDownLatch(1);
            AtomicBoolean writing = new AtomicBoolean(true);
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                byte fill = (byte) (w + 1);
                done.add(pool.submit(() -> {
                    byte[] data = new byte[size];
                    Arrays.fill(data, fill);
                    start.await();
                    for (int i = 0; i < 5; i++) CompileCache.put("opencl", key, data);
                    return null;
                }));
            }
            List<Future<Integer>> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                readers.add(pool.submit(() -> {
                    start.await();
                    int seen = 0;
                    while (writing.get()) {
                        byte[] got = CompileCache.get("opencl", key);
                        if (got == null) continue;
                        assertUniform(got, size);
                        seen++;
                    }
                    return seen;
                }));
            }
            start.countDown();
            for (Future<?> f : done) f.get();
            writing.set(false);
            for (Future<Integer> f : readers) f.get();
        } finally {
            pool.shutdownNow();
        }
        assertUniform(CompileCache.get("opencl", key), size);
        assertEquals(List.of(key), names(tmp.resolve("opencl")), "no temp files left behind");
    }

    @Test
    void sizeBytesAndClear() {
        assertEquals(0, CompileCache.sizeBytes());
        assertEquals(0, CompileCache.clear());
        CompileCache.put("opencl", "a", new byte[10]);
        CompileCache.put("opencl", "b", new byte[20]);
        CompileCache.put("beam", "c", new byte[5]);
        assertEquals(35, CompileCache.sizeBytes());
        assertEquals(3, CompileCache.clear());
        assertEquals(0, CompileCache.sizeBytes());
        assertNull(CompileCache.get("opencl", "a"));
    }

    private static void assertUniform(byte[] got, int size) {
        assertNotNull(got);
        assertEquals(size, got.length, "a reader saw a partial file");
        for (byte b : got) {
            if (b != got[0]) fail("file mixes two writers' bytes: " + got[0] + " and " + b);
        }
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
