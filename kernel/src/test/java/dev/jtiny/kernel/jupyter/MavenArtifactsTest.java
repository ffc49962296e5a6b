// %maven's resolution, offline against the local repository: the jars, their order, and one-line errors.
package dev.jtiny.kernel.jupyter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Resolves offline only, against the real local repository (~/.m2/repository or maven.repo.local):
 * the artifacts used here are dependencies of this build, so Maven has already put them there.
 * Nothing here reaches the network.
 */
class MavenArtifactsTest {

    private static final String TABLESAW = "tech.tablesaw:tablesaw-core:0.44.4";
    /** A dependency of jjava-jupyter; it brings jnacl. (Not XChart: its PDFBox 3.0.1 declares JUnit
     *  at compile scope, which this build's own test-scope JUnit hides, so those jars are not local.) */
    private static final String JEROMQ = "org.zeromq:jeromq:0.6.0";

    private static String name(Path p) {
        return p.getFileName().toString();
    }

    private static boolean has(List<Path> jars, String prefix) {
        return jars.stream().anyMatch(p -> name(p).startsWith(prefix) && name(p).endsWith(".jar"));
    }

    /** Runs {@code body} with System.out captured, and checks nothing was printed there. */
    private static <T> T quietly(Supplier<T> body) {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            return body.get();
        } finally {
            System.setOut(out);
            assertEquals("", captured.toString(StandardCharsets.UTF_8), "the resolver printed on stdout");
        }
    }

    @Test
    void resolvesTablesawAndItsRuntimeDependenciesOffline() {
        List<Path> jars = quietly(() -> MavenArtifacts.resolve(List.of(TABLESAW), true));
        assertEquals("tablesaw-core-0.44.4.jar", name(jars.getFirst()), "requested artifact first: " + jars);
        for (String dep : List.of("RoaringBitmap-", "fastutil-", "commons-math3-", "guava-",
                "univocity-parsers-", "icu4j-", "classgraph-", "slf4j-api-")) {
            assertTrue(has(jars, dep), dep + " missing from " + jars);
        }
        // tablesaw's optional smile-data and its test-scope dependencies stay out.
        assertFalse(has(jars, "smile-"), jars.toString());
        assertFalse(has(jars, "junit-"), jars.toString());
        for (Path p : jars) {
            assertTrue(p.isAbsolute(), p.toString());
            assertTrue(name(p).endsWith(".jar"), p.toString());
            assertTrue(Files.isRegularFile(p), p + " does not exist");
        }
        assertEquals(jars.size(), new HashSet<>(jars).size(), "duplicates in " + jars);
    }

    @Test
    void requestedArtifactsComeFirstInTheGivenOrder() {
        List<Path> jars = MavenArtifacts.resolve(List.of(JEROMQ, TABLESAW, JEROMQ), true);
        assertEquals("jeromq-0.6.0.jar", name(jars.get(0)), jars.toString());
        assertEquals("tablesaw-core-0.44.4.jar", name(jars.get(1)), jars.toString());
        assertTrue(has(jars, "jnacl-"), jars.toString());
        assertTrue(has(jars, "fastutil-"), jars.toString());
        assertEquals(jars.size(), new HashSet<>(jars).size(), "duplicates in " + jars);
    }

    @Test
    void malformedCoordinateIsOneLine() {
        for (String bad : List.of("xyz", "tech.tablesaw:tablesaw-core", "a::1.0", "a:b:c:d:e:f", "a b:c:1.0")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MavenArtifacts.resolve(List.of(TABLESAW, bad), true));
            assertEquals("maven: '" + bad + "' is not group:artifact:version", e.getMessage());
        }
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> MavenArtifacts.resolve(List.of(), true));
        assertTrue(none.getMessage().startsWith("maven: "), none.getMessage());
    }

    @Test
    void missingArtifactOfflineIsOneLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> quietly(() -> MavenArtifacts.resolve(List.of("org.example.nothing:nope:1.0"), true)));
        String m = e.getMessage();
        assertTrue(m.startsWith("maven: cannot resolve org.example.nothing:nope:1.0"), m);
        assertEquals("maven: cannot resolve org.example.nothing:nope:1.0: not in the local repository (offline)", m);
        assertFalse(m.contains("\n") || m.contains("\r"), m);
    }

    @Test
    void missingArtifactNextToAGoodOneNamesTheMissingOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MavenArtifacts.resolve(List.of(TABLESAW, "org.example.nothing:nope:jar:1.0"), true));
        assertTrue(e.getMessage().startsWith("maven: cannot resolve org.example.nothing:nope:1.0: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void localRepositoryFollowsMavenRepoLocal() {
        String before = System.getProperty("maven.repo.local");
        try {
            System.setProperty("maven.repo.local", "/tmp/some-repo");
            assertEquals(Path.of("/tmp/some-repo"), MavenArtifacts.localRepository());
        } finally {
            if (before == null) System.clearProperty("maven.repo.local");
            else System.setProperty("maven.repo.local", before);
        }
    }
}
