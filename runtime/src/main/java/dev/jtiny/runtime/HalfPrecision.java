// Conversions between float/double and the 2-byte floats (float16, bfloat16), rounding to nearest with ties to even.
package dev.jtiny.runtime;

/**
 * Used on the host (creating, folding and reading tensors) and by the Java kernels. float16 conversion from float is
 * the JDK's ({@link Float#floatToFloat16}); bfloat16 is a float's upper 16 bits, rounded. From a double, the value
 * is first narrowed to a float rounded to odd, so that the second rounding gives the correctly rounded result
 * (rounding to nearest twice could be off by one unit in a near-tie).
 */
public final class HalfPrecision {
    private HalfPrecision() {}

    /** bfloat16 bits to float: the bits are the float's upper half. */
    public static float bf16ToFloat(short bits) { return Float.intBitsToFloat(bits << 16); }

    /** float to bfloat16 bits, to nearest with ties to even; NaN stays a (quiet) NaN, overflow gives infinity. */
    public static short bf16(float f) {
        int b = Float.floatToRawIntBits(f);
        if ((b & 0x7fffffff) > 0x7f800000) return (short) ((b >>> 16) | 0x40);
        return (short) ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16);
    }

    public static short bf16(double d) { return bf16(roundToOdd(d)); }

    /** float to float16 bits, to nearest with ties to even. */
    public static short f16(float f) { return Float.floatToFloat16(f); }

    public static short f16(double d) { return Float.floatToFloat16(roundToOdd(d)); }

    /** A float rounded to float16 precision, kept as a float: what a cast to float16 computes inside a kernel. */
    public static float roundF16(float f) { return Float.float16ToFloat(Float.floatToFloat16(f)); }

    public static float roundBf16(float f) { return bf16ToFloat(bf16(f)); }

    public static float roundF16(double d) { return Float.float16ToFloat(f16(d)); }

    public static float roundBf16(double d) { return bf16ToFloat(bf16(d)); }

    /**
     * {@code d} as a float rounded to odd: of the two floats around {@code d}, the one whose last bit is set
     * ({@code d} itself when it is a float).
     */
    public static float roundToOdd(double d) {
        float f = (float) d;
        if (f == d || Double.isNaN(d) || Float.isInfinite(f)) return f;
        if ((Float.floatToRawIntBits(f) & 1) != 0) return f;
        return Math.nextAfter(f, d);
    }
}
