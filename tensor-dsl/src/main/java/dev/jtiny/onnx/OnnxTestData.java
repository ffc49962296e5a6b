// Where the ONNX project's backend test data lives on this machine: the one place tests, notebooks and scripts look.
package dev.jtiny.onnx;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The ONNX backend test suites are folders of cases ({@code model.onnx} plus {@code test_data_set_N/}): {@code node},
 * {@code simple}, {@code pytorch-operator} and {@code pytorch-converted} come with Debian's {@code libonnx-testdata}
 * package (ONNX 1.12, under {@value #DEBIAN}); {@code light} (nine model architectures whose weights are constants,
 * {@code light_NAME.onnx}) comes with ONNX 1.14 and later, in {@code onnx/backend/test/data/light} of its source
 * tree or its installed Python package.
 *
 * <p>A suite is looked for, in order, in the folder named by {@code -Djtiny.onnx.tests} or else {@code JTINY_ONNX_TESTS},
 * in {@value #DEBIAN}, and in {@code shared/onnx-tests} beside the working directory or any folder above it. The first
 * folder that holds a sub-folder of the suite's name wins.
 */
public final class OnnxTestData {
    /** Where Debian's libonnx-testdata installs the suites. */
    public static final String DEBIAN = "/usr/share/libonnx-testdata/data";
    /** The environment variable that names a folder holding suites, looked at first (the system property is
     *  {@value #PROPERTY}). */
    public static final String SETTING = "JTINY_ONNX_TESTS", PROPERTY = "jtiny.onnx.tests";

    private OnnxTestData() {}

    /** The folders looked in, in order (those that do not exist included, so a message can name them). */
    public static List<Path> roots() {
        List<Path> roots = new ArrayList<>();
        String set = System.getProperty(PROPERTY, System.getenv(SETTING));
        if (set != null && !set.isBlank()) roots.add(Path.of(set.trim()).toAbsolutePath().normalize());
        roots.add(Path.of(DEBIAN));
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path here = p.resolve("shared/onnx-tests");
            if (Files.isDirectory(here)) {
                roots.add(here);
                break;
            }
        }
        return roots;
    }

    /** The folder of {@code suite} ("node", "simple", "pytorch-operator", "pytorch-converted", "light"), if found. */
    public static Optional<Path> suite(String suite) {
        for (Path root : roots()) {
            Path dir = root.resolve(suite);
            if (Files.isDirectory(dir)) return Optional.of(dir);
        }
        return Optional.empty();
    }

    /** The folder of {@code suite}, or an error that says where it was looked for and how to get it. */
    public static Path require(String suite) {
        return suite(suite).orElseThrow(() -> new IllegalStateException(missing(suite)));
    }

    /** What is missing and how to get it, for a skipped test or an error. */
    public static String missing(String suite) {
        String how = suite.equals("light")
                ? "the light models come with ONNX 1.14 or newer (onnx/backend/test/data/light in its source tree or "
                        + "installed Python package): set " + SETTING + " to that data folder"
                : "install Debian's libonnx-testdata (apt-get install libonnx-testdata), or set " + SETTING
                        + " to a folder holding " + suite + "/";
        return "ONNX test suite '" + suite + "' not found in " + roots() + ": " + how;
    }
}
