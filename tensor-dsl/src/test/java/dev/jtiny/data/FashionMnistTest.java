// The real Fashion-MNIST files (Debian's dataset-fashion-mnist, installed by .ci/run) load with the right shapes and values.
package dev.jtiny.data;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class FashionMnistTest {
    private static FashionMnist data;

    /** The real data, loaded once. CI installs the package, so there a missing folder fails; elsewhere it skips. */
    private static synchronized FashionMnist data() {
        assumeTrue(Files.isDirectory(FashionMnist.DEFAULT_DIR) || System.getenv("CI") != null,
                FashionMnist.DEFAULT_DIR + " is missing (apt-get install dataset-fashion-mnist)");
        if (data == null) data = FashionMnist.load();
        return data;
    }

    @Test
    void trainingSet() {
        // Reference numbers computed independently with numpy from the same .gz files.
        check(data().trainImages(), data().trainLabels(), 60000, 6000, 3431114169L, new int[]{9, 0, 0, 3, 0, 2, 7, 2, 5, 5},
                new int[]{0, 0, 1, 4, 6, 7, 2, 0, 0, 0, 0, 0, 237, 226, 217, 223, 222, 219, 222, 221, 216, 223, 229, 215, 218, 255, 77, 0});
    }

    @Test
    void testSet() {
        check(data().testImages(), data().testLabels(), 10000, 1000, 573469082L, new int[]{9, 2, 1, 1, 6, 1, 4, 6, 5, 7},
                new int[]{0, 0, 0, 0, 0, 0, 2, 4, 1, 0, 0, 0, 98, 136, 110, 109, 110, 162, 135, 144, 149, 159, 167, 144, 158, 169, 119, 0});
    }

    @Test
    void classNames() {
        assertEquals(10, FashionMnist.CLASSES.size());
        assertEquals("Ankle boot", FashionMnist.CLASSES.get(data().trainLabels().toIntArray()[0]));
    }

    @Test
    void missingFolderNamesThePathAndThePackage(@TempDir Path dir) throws IOException {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> FashionMnist.load(dir));
        assertTrue(e.getMessage().contains(dir.resolve("train-images-idx3-ubyte.gz").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("dataset-fashion-mnist"), e.getMessage());

        // Uncompressed files are found too.
        byte[] img = IdxTest.idx(0x803, new int[]{1, 28, 28}, new byte[784]);
        byte[] lab = IdxTest.idx(0x801, new int[]{1}, new byte[]{3});
        Files.write(dir.resolve("train-images-idx3-ubyte"), img);
        Files.write(dir.resolve("train-labels-idx1-ubyte"), lab);
        Files.write(dir.resolve("t10k-images-idx3-ubyte.gz"), IdxTest.gzip(img));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), IdxTest.gzip(lab));
        FashionMnist tiny = FashionMnist.load(dir);
        assertArrayEquals(new int[]{1, 28, 28}, tiny.trainImages().shape());
        assertArrayEquals(new int[]{3}, tiny.testLabels().toIntArray());
    }

    private static void check(Tensor images, Tensor labels, int n, int perClass, long rawPixelSum, int[] firstLabels, int[] row14OfImage0) {
        assertEquals(DType.FLOAT32, images.dtype());
        assertArrayEquals(new int[]{n, 28, 28}, images.shape());
        assertEquals(DType.INT32, labels.dtype());
        assertArrayEquals(new int[]{n}, labels.shape());

        int[] y = labels.toIntArray();
        int[] counts = new int[10];
        for (int v : y) counts[v]++; // a label outside 0..9 fails here
        int[] expected = new int[10];
        Arrays.fill(expected, perClass);
        assertArrayEquals(expected, counts);
        assertArrayEquals(firstLabels, Arrays.copyOf(y, 10));

        float[] x = images.toFloatArray();
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        double sum = 0;
        for (float v : x) {
            min = Math.min(min, v);
            max = Math.max(max, v);
            sum += Math.round(v * 255);
        }
        assertEquals(0f, min);
        assertEquals(1f, max);
        assertEquals(rawPixelSum, (long) sum, "every pixel is its byte / 255");
        for (int c = 0; c < 28; c++) assertEquals(row14OfImage0[c] / 255f, x[14 * 28 + c], "pixel [0, 14, " + c + "]");
    }
}
