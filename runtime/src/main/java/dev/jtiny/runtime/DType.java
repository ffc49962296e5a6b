// The element types a buffer can hold, with what each looks like on the host and in kernels.
package dev.jtiny.runtime;

public enum DType {
    FLOAT32(4, "float", "float"),
    INT32(4, "int", "int"),
    BOOL(1, "bool", "uchar");

    /** Bytes per element on a device. */
    public final int itemSize;
    /** Name users see ("float", "int", "bool"). */
    public final String shortName;
    /** Element type in OpenCL C. */
    public final String clType;

    DType(int itemSize, String shortName, String clType) {
        this.itemSize = itemSize;
        this.shortName = shortName;
        this.clType = clType;
    }

    public boolean isFloat() { return this == FLOAT32; }

    /** A host array of {@code n} elements of this type: float[], int[] or byte[] (bool as 0/1). */
    public Object newHostArray(int n) {
        return switch (this) {
            case FLOAT32 -> new float[n];
            case INT32 -> new int[n];
            case BOOL -> new byte[n];
        };
    }

    /** Type promotion for binary ops, as in numpy/tinygrad: bool &lt; int32 &lt; float32. */
    public static DType promote(DType a, DType b) {
        return a.ordinal() < b.ordinal() ? a : b;
    }

    @Override public String toString() { return shortName; }
}
