// ONNX TensorProto <-> jtiny Tensor: reads initializers, constants and the conformance data's .pb files, and writes them.
package dev.jtiny.onnx;

import dev.jtiny.Tensor;
import dev.jtiny.onnx.OnnxProto.TensorProto;
import dev.jtiny.runtime.DType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.AbstractMap;
import java.util.Arrays;
import java.util.Map;

/**
 * A serialized TensorProto is what ONNX tools save single tensors as (the backend test data's {@code input_0.pb},
 * {@code output_0.pb}). Element types jtiny has map to themselves (float, double, float16, bfloat16, int8, uint8,
 * int32, int64, bool); narrower or unsigned integer types widen to the nearest jtiny type that holds every value
 * (int16 and uint16 to int32, uint32 to int64, uint64 to int64 with an error for values of 2^63 or more). Strings,
 * complex numbers, 8-bit and 4-bit floats and 4-bit integers give an {@link OnnxException} naming the type.
 */
public final class OnnxTensors {
    private OnnxTensors() {}

    /** The tensor in a serialized TensorProto file. */
    public static Tensor read(Path file) { return readNamed(file).getValue(); }

    /** The tensor in a serialized TensorProto file, with the name it carries ("" when it has none). */
    public static Map.Entry<String, Tensor> readNamed(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tensor file " + file + ": " + e.getMessage(), e);
        }
        try {
            TensorProto tp = OnnxProto.parseTensor(new ProtoReader(bytes));
            return new AbstractMap.SimpleImmutableEntry<>(tp.name(), toTensor(tp, file.toAbsolutePath().getParent()));
        } catch (OnnxException e) {
            throw new OnnxException(file + ": " + e.getMessage(), e);
        }
    }

    /** The tensor in a serialized TensorProto (external data is not allowed: there is no file to be relative to). */
    public static Tensor parse(byte[] bytes) { return toTensor(OnnxProto.parseTensor(new ProtoReader(bytes)), null); }

    /** Writes {@code t} as a serialized TensorProto with raw little-endian data. */
    public static void write(Path file, Tensor t) { write(file, t, ""); }

    public static void write(Path file, Tensor t, String name) {
        try {
            Files.write(file, toBytes(t, name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write tensor file " + file + ": " + e.getMessage(), e);
        }
    }

    /** A serialized TensorProto holding {@code t}'s values (this realizes {@code t}). */
    public static byte[] toBytes(Tensor t, String name) {
        DType d = t.dtype();
        int n = (int) t.numel();
        ByteBuffer b = ByteBuffer.allocate(n * d.itemSize).order(ByteOrder.LITTLE_ENDIAN);
        int type;
        switch (d) {
            case FLOAT32 -> { type = OnnxProto.FLOAT; for (float v : t.toFloatArray()) b.putFloat(v); }
            case FLOAT64 -> { type = OnnxProto.DOUBLE; for (double v : t.toDoubleArray()) b.putDouble(v); }
            case FLOAT16 -> { type = OnnxProto.FLOAT16; for (float v : t.toFloatArray()) b.putShort(Float.floatToFloat16(v)); }
            case BFLOAT16 -> { type = OnnxProto.BFLOAT16; for (float v : t.toFloatArray()) b.putShort((short) (Float.floatToRawIntBits(v) >>> 16)); }
            case INT32 -> { type = OnnxProto.INT32; for (int v : t.toIntArray()) b.putInt(v); }
            case INT64 -> { type = OnnxProto.INT64; for (long v : t.toLongArray()) b.putLong(v); }
            case INT8 -> { type = OnnxProto.INT8; for (long v : t.toLongArray()) b.put((byte) v); }
            case UINT8 -> { type = OnnxProto.UINT8; for (long v : t.toLongArray()) b.put((byte) v); }
            case BOOL -> { type = OnnxProto.BOOL; for (boolean v : t.toBooleanArray()) b.put((byte) (v ? 1 : 0)); }
            default -> throw new OnnxException("cannot write a " + d + " tensor as a TensorProto");
        }
        long[] dims = Arrays.stream(t.shape()).asLongStream().toArray();
        ProtoWriter w = new ProtoWriter();
        if (dims.length > 0) w.packedVarints(1, dims);
        w.varint(2, type);
        if (!name.isEmpty()) w.string(8, name);
        w.bytes(9, b.array());
        return w.toByteArray();
    }

    /** The jtiny dtype that holds an ONNX element type, or an error naming the type. */
    static DType dtypeOf(int onnxType, String what) {
        return switch (onnxType) {
            case OnnxProto.FLOAT -> DType.FLOAT32;
            case OnnxProto.DOUBLE -> DType.FLOAT64;
            case OnnxProto.FLOAT16 -> DType.FLOAT16;
            case OnnxProto.BFLOAT16 -> DType.BFLOAT16;
            case OnnxProto.INT32, OnnxProto.INT16, OnnxProto.UINT16 -> DType.INT32;
            case OnnxProto.INT64, OnnxProto.UINT32, OnnxProto.UINT64 -> DType.INT64;
            case OnnxProto.INT8 -> DType.INT8;
            case OnnxProto.UINT8 -> DType.UINT8;
            case OnnxProto.BOOL -> DType.BOOL;
            default -> throw new OnnxException(what + " has element type " + OnnxProto.dataTypeName(onnxType) + ", which jtiny has no dtype for");
        };
    }

    /** The ONNX element type for a jtiny dtype. */
    static int onnxTypeOf(DType d) {
        return switch (d) {
            case FLOAT32 -> OnnxProto.FLOAT;
            case FLOAT64 -> OnnxProto.DOUBLE;
            case FLOAT16 -> OnnxProto.FLOAT16;
            case BFLOAT16 -> OnnxProto.BFLOAT16;
            case INT32 -> OnnxProto.INT32;
            case INT64 -> OnnxProto.INT64;
            case INT8 -> OnnxProto.INT8;
            case UINT8 -> OnnxProto.UINT8;
            case BOOL -> OnnxProto.BOOL;
        };
    }

    /**
     * The tensor a TensorProto holds, on the default device (a host buffer, copied to the device on first use).
     * {@code baseDir} is the directory external data is relative to, or null when there is none.
     */
    static Tensor toTensor(TensorProto tp, Path baseDir) {
        String what = tp.name().isEmpty() ? "a tensor" : "tensor '" + tp.name() + "'";
        if (tp.segmented()) throw new OnnxException(what + " is stored in segments, which jtiny does not read");
        DType dtype = dtypeOf(tp.dataType(), what);
        int[] shape = new int[tp.dims().length];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            long d = tp.dims()[i];
            if (d < 0 || d > Integer.MAX_VALUE) throw new OnnxException(what + " has dimension " + d + " in dims " + Arrays.toString(tp.dims()));
            shape[i] = (int) d;
            numel *= d;
        }
        if (numel > Integer.MAX_VALUE) throw new OnnxException(what + " has " + numel + " elements; jtiny tensors hold at most 2^31-1");
        int n = (int) numel;
        ByteBuffer raw = null;
        if (tp.external()) raw = external(tp, baseDir, what);
        else if (tp.raw() != null) raw = ByteBuffer.wrap(tp.raw().array(), tp.raw().offset(), tp.raw().length()).slice();
        Object host = raw != null ? fromRaw(raw.order(ByteOrder.LITTLE_ENDIAN), tp.dataType(), n, what) : fromFields(tp, n, what);
        return switch (dtype) {
            case FLOAT32 -> Tensor.of((float[]) host, shape);
            case FLOAT64 -> Tensor.ofDoubles((double[]) host, shape);
            case FLOAT16, BFLOAT16 -> Tensor.ofBits((short[]) host, dtype, shape);
            case INT32 -> Tensor.of((int[]) host, shape);
            case INT64 -> Tensor.of((long[]) host, shape);
            case INT8, UINT8, BOOL -> Tensor.of((byte[]) host, dtype, shape);
        };
    }

    private static ByteBuffer external(TensorProto tp, Path baseDir, String what) {
        Map<String, String> ext = tp.externalData();
        String location = ext.get("location");
        if (location == null) throw new OnnxException(what + " has external data without a location");
        if (baseDir == null) throw new OnnxException(what + " keeps its data in external file '" + location + "'; load the model from its path so the file can be found");
        Path rel = Path.of(location);
        if (rel.isAbsolute() || rel.normalize().startsWith("..")) {
            throw new OnnxException(what + " has external data location '" + location + "' outside the model's directory");
        }
        Path file = baseDir.resolve(rel);
        long offset = parseLong(ext.getOrDefault("offset", "0"), what, "offset");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long length = ext.containsKey("length") ? parseLong(ext.get("length"), what, "length") : size - offset;
            if (offset < 0 || length < 0 || offset + length > size) {
                throw new OnnxException(what + ": external data range offset " + offset + " length " + length + " is outside " + file + " (" + size + " bytes)");
            }
            if (length > Integer.MAX_VALUE) throw new OnnxException(what + ": external data of " + length + " bytes is more than one tensor can hold");
            ByteBuffer b = ByteBuffer.allocate((int) length);
            while (b.hasRemaining()) {
                if (ch.read(b, offset + b.position()) < 0) throw new OnnxException(what + ": " + file + " ended early");
            }
            return b.flip();
        } catch (IOException e) {
            throw new OnnxException(what + ": cannot read external data " + file + ": " + e.getMessage(), e);
        }
    }

    private static long parseLong(String s, String what, String key) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new OnnxException(what + ": external data " + key + " '" + s + "' is not a number");
        }
    }

    /** Element size in bytes of an ONNX type's raw_data. */
    private static int rawSize(int t) {
        return switch (t) {
            case OnnxProto.FLOAT, OnnxProto.INT32, OnnxProto.UINT32 -> 4;
            case OnnxProto.DOUBLE, OnnxProto.INT64, OnnxProto.UINT64 -> 8;
            case OnnxProto.FLOAT16, OnnxProto.BFLOAT16, OnnxProto.INT16, OnnxProto.UINT16 -> 2;
            default -> 1;
        };
    }

    private static Object fromRaw(ByteBuffer b, int t, int n, String what) {
        int size = rawSize(t);
        if ((long) n * size != b.remaining()) {
            throw new OnnxException(what + ": raw data of " + b.remaining() + " bytes does not hold " + n + " " + OnnxProto.dataTypeName(t) + " values");
        }
        switch (t) {
            case OnnxProto.FLOAT -> { float[] a = new float[n]; b.asFloatBuffer().get(a); return a; }
            case OnnxProto.DOUBLE -> { double[] a = new double[n]; b.asDoubleBuffer().get(a); return a; }
            case OnnxProto.FLOAT16, OnnxProto.BFLOAT16 -> { short[] a = new short[n]; b.asShortBuffer().get(a); return a; }
            case OnnxProto.INT32 -> { int[] a = new int[n]; b.asIntBuffer().get(a); return a; }
            case OnnxProto.INT16 -> { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = b.getShort(2 * i); return a; }
            case OnnxProto.UINT16 -> { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = b.getShort(2 * i) & 0xFFFF; return a; }
            case OnnxProto.INT64 -> { long[] a = new long[n]; b.asLongBuffer().get(a); return a; }
            case OnnxProto.UINT32 -> { long[] a = new long[n]; for (int i = 0; i < n; i++) a[i] = b.getInt(4 * i) & 0xFFFFFFFFL; return a; }
            case OnnxProto.UINT64 -> { long[] a = new long[n]; b.asLongBuffer().get(a); return checkUnsigned(a, what); }
            case OnnxProto.BOOL -> { byte[] a = new byte[n]; b.get(a); for (int i = 0; i < n; i++) a[i] = (byte) (a[i] != 0 ? 1 : 0); return a; }
            default -> { byte[] a = new byte[n]; b.get(a); return a; } // int8, uint8
        }
    }

    /** Values from the typed repeated fields, each type in the field the specification puts it in. */
    private static Object fromFields(TensorProto tp, int n, String what) {
        int t = tp.dataType();
        int have = switch (t) {
            case OnnxProto.FLOAT -> tp.floatData().length;
            case OnnxProto.DOUBLE -> tp.doubleData().length;
            case OnnxProto.INT64 -> tp.int64Data().length;
            case OnnxProto.UINT32, OnnxProto.UINT64 -> tp.uint64Data().length;
            default -> tp.int32Data().length;
        };
        if (have != n) {
            throw new OnnxException(what + " of shape " + Arrays.toString(tp.dims()) + " needs " + n + " values but holds " + have);
        }
        int[] i32 = tp.int32Data();
        return switch (t) {
            case OnnxProto.FLOAT -> tp.floatData();
            case OnnxProto.DOUBLE -> tp.doubleData();
            case OnnxProto.INT64 -> tp.int64Data();
            case OnnxProto.UINT32 -> tp.uint64Data();
            case OnnxProto.UINT64 -> checkUnsigned(tp.uint64Data(), what);
            case OnnxProto.INT32 -> i32;
            case OnnxProto.INT16 -> { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = (short) i32[i]; yield a; }
            case OnnxProto.UINT16 -> { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = i32[i] & 0xFFFF; yield a; }
            case OnnxProto.FLOAT16, OnnxProto.BFLOAT16 -> { short[] a = new short[n]; for (int i = 0; i < n; i++) a[i] = (short) i32[i]; yield a; }
            case OnnxProto.BOOL -> { byte[] a = new byte[n]; for (int i = 0; i < n; i++) a[i] = (byte) (i32[i] != 0 ? 1 : 0); yield a; }
            default -> { byte[] a = new byte[n]; for (int i = 0; i < n; i++) a[i] = (byte) i32[i]; yield a; } // int8, uint8
        };
    }

    private static long[] checkUnsigned(long[] a, String what) {
        for (long v : a) {
            if (v < 0) throw new OnnxException(what + " holds the uint64 value " + Long.toUnsignedString(v) + ", which int64 (jtiny's widest integer) cannot hold");
        }
        return a;
    }
}
