// IDX files written byte by byte here (plain and gzip'ed), every element type, and files that are not IDX.
package dev.jtiny.data;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

class IdxTest {
    @TempDir Path dir;

    /** Three 2x4 images whose pixels count up from 0 in steps of 17, wrapping at 256. */
    private static final int[] PIXELS = new int[24];
    static {
        for (int i = 0; i < PIXELS.length; i++) PIXELS[i] = (i * 17) % 256;
    }

    @Test
    void readsImagesAndLabelsPlainAndGzipped() throws IOException {
        byte[] images = idx(0x00000803, new int[]{3, 2, 4}, bytes(PIXELS));
        byte[] labels = idx(0x00000801, new int[]{3}, bytes(9, 0, 255));
        for (boolean gz : new boolean[]{false, true}) {
            Path img = write(gz ? "images.gz" : "images", gz ? gzip(images) : images);
            Path lab = write(gz ? "labels.gz" : "labels", gz ? gzip(labels) : labels);

            Tensor x = Idx.images(img);
            assertEquals(DType.FLOAT32, x.dtype());
            assertArrayEquals(new int[]{3, 2, 4}, x.shape());
            float[] expected = new float[PIXELS.length];
            for (int i = 0; i < expected.length; i++) expected[i] = PIXELS[i] / 255f;
            assertArrayEquals(expected, x.toFloatArray(), 0f);

            Tensor raw = Idx.imagesRaw(img);
            assertEquals(DType.INT32, raw.dtype());
            assertArrayEquals(new int[]{3, 2, 4}, raw.shape());
            assertArrayEquals(PIXELS, raw.toIntArray());

            Tensor y = Idx.labels(lab);
            assertEquals(DType.INT32, y.dtype());
            assertArrayEquals(new int[]{3}, y.shape());
            assertArrayEquals(new int[]{9, 0, 255}, y.toIntArray());
        }
    }

    @Test
    void gzipIsRecognisedByContentNotName() throws IOException {
        Path p = write("labels-compressed-without-suffix", gzip(idx(0x801, new int[]{2}, bytes(4, 5))));
        assertArrayEquals(new int[]{4, 5}, Idx.labels(p).toIntArray());
        Path q = write("labels-plain.gz", idx(0x801, new int[]{2}, bytes(6, 7)));
        assertArrayEquals(new int[]{6, 7}, Idx.labels(q).toIntArray());
    }

    @Test
    void readsEveryElementTypeBigEndian() throws IOException {
        assertRead(0x0902, new int[]{1, 3}, bytes(0x80, 0x7f, 0xff), DType.INT32, -128, 127, -1);
        assertRead(0x0B01, new int[]{3}, ByteBuffer.allocate(6).putShort((short) -2).putShort((short) 300).putShort(Short.MAX_VALUE).array(),
                DType.INT32, -2, 300, 32767);
        assertRead(0x0C02, new int[]{2, 1}, ByteBuffer.allocate(8).putInt(Integer.MIN_VALUE).putInt(123456789).array(),
                DType.INT32, Integer.MIN_VALUE, 123456789);
        assertRead(0x0D01, new int[]{2}, ByteBuffer.allocate(8).putFloat(-1.25f).putFloat(3e-5f).array(), DType.FLOAT32, -1.25f, 3e-5f);
        assertRead(0x0E01, new int[]{2}, ByteBuffer.allocate(16).putDouble(0.1).putDouble(-7).array(), DType.FLOAT32, 0.1f, -7f);
        assertRead(0x0800, new int[]{}, bytes(42), DType.INT32, 42);
        assertRead(0x0804, new int[]{1, 0, 2, 3}, new byte[0], DType.INT32);
    }

    @Test
    void filesThatAreNotWhatTheyShouldBe() throws IOException {
        Path labels = write("labels", idx(0x801, new int[]{2}, bytes(1, 2)));
        fails(() -> Idx.images(labels), labels, "magic number 0x00000801 is not that of images (0x00000803: unsigned bytes, 3 dimensions)");
        Path images = write("images", idx(0x803, new int[]{1, 1, 2}, bytes(1, 2)));
        fails(() -> Idx.labels(images), images, "is not that of labels (0x00000801: unsigned bytes, 1 dimension)");

        Path png = write("picture.png", new byte[]{(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 0});
        fails(() -> Idx.read(png), png, "magic number 0x89504E47 does not start with two zero bytes: not an IDX file");
        Path type = write("type", idx(0x0701, new int[]{1}, bytes(1)));
        fails(() -> Idx.read(type), type, "unknown type code 0x07");

        byte[] whole = idx(0x803, new int[]{2, 3, 3}, new byte[18]);
        Path cut = write("cut", Arrays.copyOf(whole, whole.length - 5));
        fails(() -> Idx.images(cut), cut, "ends after 13 of the 18 data bytes that shape [2, 3, 3] needs; it is truncated");
        Path header = write("header", Arrays.copyOf(whole, 9));
        fails(() -> Idx.images(header), header, "ends inside the header, after 1 of 3 dimension sizes");
        Path extra = write("extra", Arrays.copyOf(whole, whole.length + 1));
        fails(() -> Idx.images(extra), extra, "has bytes after the 18 data bytes");
        Path empty = write("empty", new byte[0]);
        fails(() -> Idx.images(empty), empty, "ends before its 4-byte magic number");

        Path missing = dir.resolve("nope");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> Idx.images(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    private void assertRead(int magic, int[] shape, byte[] data, DType dtype, float... values) throws IOException {
        Tensor t = Idx.read(write("t" + Integer.toHexString(magic), idx(magic, shape, data)));
        assertEquals(dtype, t.dtype());
        assertArrayEquals(shape, t.shape());
        assertArrayEquals(values, t.toFloatArray(), 0f);
    }

    private static void fails(org.junit.jupiter.api.function.Executable body, Path file, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, body);
        assertTrue(e.getMessage().startsWith("idx: " + file + ": "), "message should name the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "message should contain \"" + fragment + "\": " + e.getMessage());
    }

    /** An IDX file as the format describes it: magic, big-endian dimension sizes, data. */
    static byte[] idx(int magic, int[] shape, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * shape.length + data.length); // big-endian by default
        b.putInt(magic);
        for (int s : shape) b.putInt(s);
        return b.put(data).array();
    }

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
        return b;
    }

    private Path write(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }
}
