// The on-disk cache of compiled kernels (and later BEAM winners): CACHEDIR/kind/key, written atomically.
// A cache failure never fails a computation: errors are swallowed and the caller compiles again.
package dev.jtiny.runtime.device;

import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Settings;
import dev.jtiny.runtime.Trace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

public final class CompileCache {
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*");

    private CompileCache() {}

    /** The cache's root: CACHEDIR (env, -Djtiny.cachedir or Config.set), by default ~/.cache/jtiny. */
    public static Path dir() {
        return Path.of(Settings.CACHEDIR.get() != null ? Settings.CACHEDIR.get() : Path.of(System.getProperty("user.home"), ".cache", "jtiny").toString());
    }

    /** SHA-256 (hex) of the parts; each part is length-prefixed so ("ab","c") and ("a","bc") differ. */
    public static String key(String... parts) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
        ByteBuffer length = ByteBuffer.allocate(4);
        for (String part : parts) {
            byte[] bytes = part == null ? null : part.getBytes(StandardCharsets.UTF_8);
            length.clear();
            length.putInt(bytes == null ? -1 : bytes.length);
            sha.update(length.array());
            if (bytes != null) sha.update(bytes);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** Whether something is stored under kind/key (false with CACHELEVEL=0), without reading it. */
    public static boolean contains(String kind, String key) {
        return !disabled() && Files.isRegularFile(file(kind, key));
    }

    /** The bytes stored under kind/key, or null when absent, unreadable or CACHELEVEL=0. */
    public static byte[] get(String kind, String key) {
        if (disabled()) return null;
        Path file = file(kind, key);
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | UncheckedIOException | SecurityException e) {
            warn("could not read " + file, e);
            return null;
        }
    }

    /**
     * Stores data under kind/key: written to a temporary file in the same directory, then renamed over the
     * target, so concurrent readers and writers see either the old file, the new one or none, never a part.
     */
    public static void put(String kind, String key, byte[] data) {
        if (disabled()) return;
        Path file = file(kind, key);
        Path tmp = null;
        try {
            Files.createDirectories(file.getParent());
            tmp = Files.createTempFile(file.getParent(), "." + key + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(data);
                while (buf.hasRemaining()) ch.write(buf);
                // Without this a crash after the rename could leave an empty or short file under the final name.
                ch.force(false);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
        } catch (IOException | UncheckedIOException | SecurityException e) {
            warn("could not write " + file, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException | SecurityException ignored) {
                    // Best effort: a stray temp file is harmless and clear() removes it.
                }
            }
        }
    }

    /** Deletes every cached file (all kinds); returns how many files were removed. */
    public static long clear() {
        long removed = 0;
        for (Path p : files()) {
            try {
                if (Files.deleteIfExists(p)) removed++;
            } catch (IOException | SecurityException e) {
                warn("could not delete " + p, e);
            }
        }
        try (Stream<Path> kinds = Files.list(dir())) {
            for (Path k : kinds.filter(Files::isDirectory).toList()) {
                try {
                    Files.deleteIfExists(k);
                } catch (IOException | SecurityException ignored) {
                    // Not empty (a writer raced us) or not ours: leave it.
                }
            }
        } catch (IOException | UncheckedIOException | SecurityException ignored) {
            // No cache directory: nothing to tidy.
        }
        return removed;
    }

    /** Total bytes of the cached files (all kinds). */
    public static long sizeBytes() {
        long total = 0;
        for (Path p : files()) {
            try {
                total += Files.size(p);
            } catch (IOException | SecurityException ignored) {
                // Removed while we were counting.
            }
        }
        return total;
    }

    /** How many files the cache holds (all kinds). */
    public static int count() { return files().size(); }

    private static List<Path> files() {
        Path root = dir();
        if (!Files.isDirectory(root)) return List.of();
        try (Stream<Path> walk = Files.walk(root, 2)) {
            return walk.filter(Files::isRegularFile).toList();
        } catch (IOException | UncheckedIOException | SecurityException e) {
            warn("could not list " + root, e);
            return List.of();
        }
    }

    private static Path file(String kind, String key) {
        if (!SAFE_NAME.matcher(kind).matches()) throw new IllegalArgumentException("cache kind '" + kind + "' must be a plain file name");
        if (!SAFE_NAME.matcher(key).matches()) throw new IllegalArgumentException("cache key '" + key + "' must be a plain file name");
        return dir().resolve(kind).resolve(key);
    }

    private static boolean disabled() {
        return Settings.CACHELEVEL.getInt() == 0;
    }

    private static void warn(String what, Exception e) {
        int level;
        try {
            level = Config.debug();
        } catch (IllegalArgumentException badDebugValue) {
            level = 0;
        }
        if (level >= 1) Trace.out().println("jtiny: compile cache: " + what + ": " + e);
    }
}
