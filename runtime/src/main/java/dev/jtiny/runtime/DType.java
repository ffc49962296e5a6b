// The element types a buffer can hold, with what each looks like on the host and in kernels.
package dev.jtiny.runtime;

/**
 * Each dtype has a storage form (bytes on a device, a host array, an OpenCL C type) and a compute type (the type of
 * the locals a kernel computes in). They differ only for float16 and bfloat16: those are stored as 2-byte values
 * and computed in float32, so a load converts to float and a store rounds back (to nearest, ties to even).
 *
 * <p>Host arrays: float32 float[], float64 double[], float16 and bfloat16 short[] (the raw bits), int32 int[],
 * int64 long[], int8 and uint8 byte[] (uint8 reads as {@code b & 0xFF}), bool byte[] (0 or 1).
 */
public enum DType {
    FLOAT32(4, "float", "float", 7),
    INT32(4, "int", "int", 3),
    BOOL(1, "bool", "uchar", 0),
    FLOAT64(8, "double", "double", 8),
    FLOAT16(2, "half", "half", 5),
    BFLOAT16(2, "bfloat16", "ushort", 6),
    INT8(1, "int8", "char", 2),
    UINT8(1, "uint8", "uchar", 1),
    INT64(8, "long", "long", 4);

    /** Bytes per element on a device. */
    public final int itemSize;
    /** Name users see ("float", "int", "bool", "double", "half", "bfloat16", "int8", "uint8", "long"). */
    public final String shortName;
    /** Element type of a buffer in OpenCL C (its storage type: float16 is read with vload_half, bfloat16 is bits). */
    public final String clType;
    /** Position in the promotion order bool &lt; uint8 &lt; int8 &lt; int32 &lt; int64 &lt; float16 &lt; bfloat16 &lt; float32 &lt; float64. */
    private final int rank;

    DType(int itemSize, String shortName, String clType, int rank) {
        this.itemSize = itemSize;
        this.shortName = shortName;
        this.clType = clType;
        this.rank = rank;
    }

    public boolean isFloat() { return this == FLOAT32 || this == FLOAT64 || this == FLOAT16 || this == BFLOAT16; }

    /** Integer types (bool is not one: it is its own kind). */
    public boolean isInt() { return this == INT32 || this == INT64 || this == INT8 || this == UINT8; }

    public boolean isUnsigned() { return this == UINT8; }

    /** The type kernels compute in: float32 for the 2-byte floats (stored, not computed, at 16 bits), else this. */
    public DType computeType() { return this == FLOAT16 || this == BFLOAT16 ? FLOAT32 : this; }

    /** The smallest value of the type (bool: 0; floats: -infinity). */
    public double min() {
        return switch (this) {
            case BOOL, UINT8 -> 0;
            case INT8 -> Byte.MIN_VALUE;
            case INT32 -> Integer.MIN_VALUE;
            case INT64 -> Long.MIN_VALUE;
            default -> Double.NEGATIVE_INFINITY;
        };
    }

    /** The largest value of the type (bool: 1; floats: infinity). */
    public double max() {
        return switch (this) {
            case BOOL -> 1;
            case UINT8 -> 255;
            case INT8 -> Byte.MAX_VALUE;
            case INT32 -> Integer.MAX_VALUE;
            case INT64 -> Long.MAX_VALUE;
            default -> Double.POSITIVE_INFINITY;
        };
    }

    /**
     * Type promotion for binary ops (numpy/torch-like, over the types jtiny has):
     * <ul>
     *   <li>bool with anything gives the other type;</li>
     *   <li>two integer types give the wider one, except uint8 with int8, which gives int32 (the narrowest type here
     *       that holds both; numpy and torch give int16, which jtiny does not have);</li>
     *   <li>an integer type with a float type gives the float type (torch's rule: int64 + float16 is float16);</li>
     *   <li>float16 with bfloat16 gives float32 (neither holds the other), otherwise the wider float.</li>
     * </ul>
     */
    public static DType promote(DType a, DType b) {
        if (a == b) return a;
        if (a.rank > b.rank) return promote(b, a);
        if (a == UINT8 && b == INT8) return INT32;
        if (a == FLOAT16 && b == BFLOAT16) return FLOAT32;
        return b;
    }

    /** A host array of {@code n} elements of this type (see the class comment for which array each type uses). */
    public Object newHostArray(int n) {
        return switch (this) {
            case FLOAT32 -> new float[n];
            case FLOAT64 -> new double[n];
            case FLOAT16, BFLOAT16 -> new short[n];
            case INT32 -> new int[n];
            case INT64 -> new long[n];
            case INT8, UINT8, BOOL -> new byte[n];
        };
    }

    /** Element {@code i} of a host array of this type, as a double (int64 beyond 2^53 rounds). */
    public double read(Object hostArray, int i) {
        return switch (this) {
            case FLOAT32 -> ((float[]) hostArray)[i];
            case FLOAT64 -> ((double[]) hostArray)[i];
            case FLOAT16 -> Float.float16ToFloat(((short[]) hostArray)[i]);
            case BFLOAT16 -> HalfPrecision.bf16ToFloat(((short[]) hostArray)[i]);
            case INT32 -> ((int[]) hostArray)[i];
            case INT64 -> ((long[]) hostArray)[i];
            case INT8, BOOL -> ((byte[]) hostArray)[i];
            case UINT8 -> ((byte[]) hostArray)[i] & 0xFF;
        };
    }

    /** Element {@code i} of a host array of this type, as a long (floats truncate toward zero, as a cast does). */
    public long readLong(Object hostArray, int i) {
        return this == INT64 ? ((long[]) hostArray)[i] : (long) read(hostArray, i);
    }

    /** Stores {@code v} into element {@code i} of a host array of this type, converted as {@link #round} does. */
    public void write(Object hostArray, int i, double v) {
        switch (this) {
            case FLOAT32 -> ((float[]) hostArray)[i] = (float) v;
            case FLOAT64 -> ((double[]) hostArray)[i] = v;
            case FLOAT16 -> ((short[]) hostArray)[i] = HalfPrecision.f16(v);
            case BFLOAT16 -> ((short[]) hostArray)[i] = HalfPrecision.bf16(v);
            case INT32 -> ((int[]) hostArray)[i] = (int) v;
            case INT64 -> ((long[]) hostArray)[i] = (long) v;
            case INT8, UINT8 -> ((byte[]) hostArray)[i] = (byte) (int) v;
            case BOOL -> ((byte[]) hostArray)[i] = (byte) (v != 0 ? 1 : 0);
        }
    }

    /**
     * {@code v} as a value of this type, held in a double: floats round to nearest (ties to even); float to integer
     * truncates toward zero as Java's casts do (int32 and int64 saturate, NaN gives 0; int8 and uint8 then keep the
     * low byte, as the kernels' conversions do); anything non-zero is a true bool. int64 values are exact up to 2^53
     * (a double holds no more).
     */
    public double round(double v) {
        return switch (this) {
            case FLOAT64 -> v;
            case FLOAT32 -> (float) v;
            case FLOAT16 -> HalfPrecision.roundF16(v);
            case BFLOAT16 -> HalfPrecision.roundBf16(v);
            case INT32 -> (int) v;
            case INT64 -> (long) v;
            case INT8 -> (byte) (int) v;
            case UINT8 -> (int) v & 0xFF;
            case BOOL -> v != 0 ? 1.0 : 0.0;
        };
    }

    @Override public String toString() { return shortName; }
}
