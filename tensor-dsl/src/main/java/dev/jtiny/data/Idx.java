// Reads the IDX format (MNIST's and Fashion-MNIST's), gzip'ed or not, into tensors.
package dev.jtiny.data;

import dev.jtiny.Tensor;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * IDX files: two zero bytes, a type code, the number of dimensions, each dimension as a big-endian int32, then the
 * values big-endian in row-major order. Images are {@code 0x00000803} (unsigned bytes, [n, rows, cols]); labels are
 * {@code 0x00000801} (unsigned bytes, [n]). A file starting with gzip's magic bytes is decompressed as it is read,
 * whatever its name.
 *
 * <p>A file that is not valid IDX gives an {@link IllegalArgumentException} naming the file and the problem; a
 * failure of the file system gives an {@link UncheckedIOException} naming the file.
 */
public final class Idx {
    private Idx() {}

    private static final int UBYTE = 0x08, SBYTE = 0x09, SHORT = 0x0B, INT = 0x0C, FLOAT = 0x0D, DOUBLE = 0x0E;

    /** Images as float32 scaled to [0, 1] (byte / 255), shape [n, rows, cols]. */
    public static Tensor images(Path file) {
        Raw r = readRaw(file, UBYTE, 3, "images");
        float[] f = new float[r.bytes.length];
        for (int i = 0; i < f.length; i++) f[i] = (r.bytes[i] & 0xff) / 255f;
        return Tensor.of(f, r.shape);
    }

    /** Images as their raw bytes 0..255 in an int32 tensor, shape [n, rows, cols]. */
    public static Tensor imagesRaw(Path file) {
        Raw r = readRaw(file, UBYTE, 3, "images");
        return Tensor.of(unsigned(r.bytes), r.shape);
    }

    /** Labels as int32, shape [n]. */
    public static Tensor labels(Path file) {
        Raw r = readRaw(file, UBYTE, 1, "labels");
        return Tensor.of(unsigned(r.bytes), r.shape);
    }

    /**
     * Any IDX file with its own shape: integer types (unsigned and signed bytes, int16, int32) as int32, float and
     * double as float32.
     */
    public static Tensor read(Path file) {
        Raw r = readRaw(file, -1, -1, null);
        int n = r.numel;
        ByteBuffer b = ByteBuffer.wrap(r.bytes); // big-endian, as IDX stores values
        return switch (r.type) {
            case UBYTE -> Tensor.of(unsigned(r.bytes), r.shape);
            case SBYTE -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) a[i] = r.bytes[i];
                yield Tensor.of(a, r.shape);
            }
            case SHORT -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) a[i] = b.getShort(2 * i);
                yield Tensor.of(a, r.shape);
            }
            case INT -> {
                int[] a = new int[n];
                b.asIntBuffer().get(a);
                yield Tensor.of(a, r.shape);
            }
            case FLOAT -> {
                float[] a = new float[n];
                b.asFloatBuffer().get(a);
                yield Tensor.of(a, r.shape);
            }
            case DOUBLE -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) a[i] = (float) b.getDouble(8 * i);
                yield Tensor.of(a, r.shape);
            }
            default -> throw new IllegalStateException("type checked in readRaw: " + r.type);
        };
    }

    private static int[] unsigned(byte[] bytes) {
        int[] a = new int[bytes.length];
        for (int i = 0; i < a.length; i++) a[i] = bytes[i] & 0xff;
        return a;
    }

    private record Raw(int type, int[] shape, int numel, byte[] bytes) {}

    /** The header and the values' bytes; {@code wantType}/{@code wantDims} of -1 accept any. */
    private static Raw readRaw(Path file, int wantType, int wantDims, String what) {
        try (InputStream in = open(file)) {
            DataInputStream d = new DataInputStream(in);
            int magic;
            try {
                magic = d.readInt();
            } catch (EOFException e) {
                throw bad(file, "the file ends before its 4-byte magic number");
            }
            int type = (magic >>> 8) & 0xff, dims = magic & 0xff;
            if ((magic >>> 16) != 0) {
                throw bad(file, String.format("magic number 0x%08X does not start with two zero bytes: not an IDX file", magic));
            }
            int size = switch (type) {
                case UBYTE, SBYTE -> 1;
                case SHORT -> 2;
                case INT, FLOAT -> 4;
                case DOUBLE -> 8;
                default -> throw bad(file, String.format("magic number 0x%08X has unknown type code 0x%02X", magic, type));
            };
            if (wantType >= 0 && (type != wantType || dims != wantDims)) {
                throw bad(file, String.format("magic number 0x%08X is not that of %s (0x%08X: unsigned bytes, %d dimension%s)",
                        magic, what, (wantType << 8) | wantDims, wantDims, wantDims == 1 ? "" : "s"));
            }
            int[] shape = new int[dims];
            long numel = 1;
            for (int i = 0; i < dims; i++) {
                try {
                    shape[i] = d.readInt();
                } catch (EOFException e) {
                    throw bad(file, "the file ends inside the header, after " + i + " of " + dims + " dimension sizes");
                }
                if (shape[i] < 0) throw bad(file, "dimension " + i + " has negative size " + Integer.toUnsignedString(shape[i]));
                numel *= shape[i];
                if (numel * size > Integer.MAX_VALUE - 8) throw bad(file, "shape " + Arrays.toString(Arrays.copyOf(shape, i + 1)) + "… is too large for one tensor");
            }
            byte[] bytes = new byte[(int) numel * size];
            int got = d.readNBytes(bytes, 0, bytes.length);
            if (got < bytes.length) {
                throw bad(file, "the file ends after " + got + " of the " + bytes.length + " data bytes that shape " + Arrays.toString(shape) + " needs; it is truncated");
            }
            if (d.read() >= 0) throw bad(file, "the file has bytes after the " + bytes.length + " data bytes that shape " + Arrays.toString(shape) + " needs");
            return new Raw(type, shape, (int) numel, bytes);
        } catch (IOException e) {
            String why = e instanceof NoSuchFileException ? "no such file" : e instanceof AccessDeniedException ? "permission denied" : e.toString();
            throw new UncheckedIOException("idx: cannot read " + file + ": " + why, e);
        }
    }

    /** The file's bytes, decompressed when they start with gzip's magic number. */
    private static InputStream open(Path file) throws IOException {
        BufferedInputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        in.mark(2);
        int b0 = in.read(), b1 = in.read();
        in.reset();
        if (b0 == 0x1f && b1 == 0x8b) return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
        return in;
    }

    private static IllegalArgumentException bad(Path file, String what) {
        return new IllegalArgumentException("idx: " + file + ": " + what);
    }
}
