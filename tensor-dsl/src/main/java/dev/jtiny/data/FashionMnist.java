// Fashion-MNIST (Zalando's 28x28 clothing images, 10 classes) from the files Debian's dataset-fashion-mnist installs.
package dev.jtiny.data;

import dev.jtiny.Tensor;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The four tensors of Fashion-MNIST: images as float32 in [0, 1] with shape [n, 28, 28], labels as int32 class
 * indices (see {@link #CLASSES}) with shape [n]; 60000 for training, 10000 for testing.
 */
public record FashionMnist(Tensor trainImages, Tensor trainLabels, Tensor testImages, Tensor testLabels) {

    /** Where Debian's {@code dataset-fashion-mnist} package puts the files. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** What each label means, by index. */
    public static final List<String> CLASSES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** From {@link #DEFAULT_DIR}. */
    public static FashionMnist load() { return load(DEFAULT_DIR); }

    /**
     * From a folder holding {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte},
     * {@code t10k-images-idx3-ubyte} and {@code t10k-labels-idx1-ubyte}, each gzip'ed ({@code .gz}) or not.
     */
    public static FashionMnist load(Path dir) {
        Tensor trainImages = Idx.images(find(dir, "train-images-idx3-ubyte"));
        Tensor trainLabels = Idx.labels(find(dir, "train-labels-idx1-ubyte"));
        Tensor testImages = Idx.images(find(dir, "t10k-images-idx3-ubyte"));
        Tensor testLabels = Idx.labels(find(dir, "t10k-labels-idx1-ubyte"));
        check(dir, "train", trainImages, trainLabels);
        check(dir, "t10k", testImages, testLabels);
        return new FashionMnist(trainImages, trainLabels, testImages, testLabels);
    }

    private static Path find(Path dir, String name) {
        Path gz = dir.resolve(name + ".gz"), plain = dir.resolve(name);
        if (Files.isRegularFile(gz)) return gz;
        if (Files.isRegularFile(plain)) return plain;
        String hint = dir.equals(DEFAULT_DIR)
                ? "install Debian's package with `apt-get install dataset-fashion-mnist`, or pass the folder that holds the files to FashionMnist.load(dir)"
                : "pass the folder that holds Fashion-MNIST's four IDX files (Debian's package dataset-fashion-mnist installs them in " + DEFAULT_DIR + ")";
        String message = "fashion-mnist: " + gz + " not found (nor " + plain.getFileName() + " without .gz); " + hint;
        throw new UncheckedIOException(message, new NoSuchFileException(gz.toString()));
    }

    private static void check(Path dir, String split, Tensor images, Tensor labels) {
        int[] s = images.shape();
        if (s[1] != 28 || s[2] != 28 || s[0] != labels.shape()[0]) {
            throw new IllegalArgumentException("fashion-mnist: " + dir + ": " + split + " images have shape " + Arrays.toString(s)
                    + " and labels " + Arrays.toString(labels.shape()) + ", expected [n, 28, 28] and [n]");
        }
    }
}
