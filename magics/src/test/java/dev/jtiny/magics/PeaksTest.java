// Device peaks: measured once, stored per device in the cache directory, read back without measuring again.
package dev.jtiny.magics;

import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Settings;

import dev.jtiny.runtime.device.CompileCache;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.*;

class PeaksTest {
    @TempDir Path cache;
    private Config.Scope cacheDir;

    @BeforeEach void ownCache() {
        cacheDir = Settings.CACHEDIR.override(cache.toString()); // never touch the user's figures
        Peaks.forget();
    }

    @AfterEach void restore() {
        Peaks.forgetInMemory();
        cacheDir.close();
    }

    @Test
    void calibratesOnceAndStoresTheFiguresPerDevice() throws IOException {
        assertEquals(Optional.empty(), Peaks.cached("JAVA"));
        long before = Peaks.calibrations();

        Peaks p = Peaks.of("java");
        assertEquals(before + 1, Peaks.calibrations());
        assertEquals("JAVA", p.device());
        assertTrue(p.copyGBps() > 0 && p.gflops() > 0, p.toString());

        assertEquals(p, Peaks.of("JAVA"));
        assertEquals(before + 1, Peaks.calibrations(), "the second call reads the figures it has");

        List<Path> files;
        try (var s = Files.list(cache.resolve(Peaks.CACHE_KIND))) {
            files = s.toList();
        }
        assertEquals(1, files.size());
        Properties props = new Properties();
        try (var in = Files.newInputStream(files.getFirst())) {
            props.load(in);
        }
        assertEquals("JAVA", props.getProperty("device"));
        assertEquals(p.copyGBps(), Double.parseDouble(props.getProperty("copyGBps")));
        assertEquals(Peaks.description("JAVA"), props.getProperty("description"));

        Peaks.forgetInMemory(); // as a new process would start
        assertEquals(Optional.of(p), Peaks.cached("JAVA"));
        assertEquals(p, Peaks.of("JAVA"));
        assertEquals(before + 1, Peaks.calibrations(), "read from the cache file, not measured");

        Peaks.forget();
        assertEquals(Optional.empty(), Peaks.cached("JAVA"));
        assertFalse(Files.list(cache.resolve(Peaks.CACHE_KIND)).findAny().isPresent());
    }

    @Test
    void aDamagedFileIsMeasuredAgainAndUnknownDevicesAreNamed() throws IOException {
        String key = CompileCache.key("JAVA", Peaks.description("JAVA"), "x"); // any file: the real key is private
        CompileCache.put(Peaks.CACHE_KIND, key, "garbage".getBytes());
        assertEquals(Optional.empty(), Peaks.cached("OPENCL:99"));
        var e = assertThrows(IllegalArgumentException.class, () -> Peaks.of("OPENCL:99"));
        assertTrue(e.getMessage().contains("OPENCL:99") && e.getMessage().contains("JAVA"), e.getMessage());
    }
}
