// The primitive ops on host scalars: constant folding uses these, and tests compare kernels against them.
package dev.jtiny.runtime.graph;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.Op;

public final class ScalarOps {
    private ScalarOps() {}

    /**
     * Applies {@code op} to values held as doubles with dtype {@code in} (bools as 0/1), as a kernel computes it:
     * float64 in double, the other floats in float32 (float16 and bfloat16 compute in float32; the cast to the
     * result's type rounds them), integers in two's complement, wrapping at their width like C.
     */
    public static double apply(Op op, DType in, double... v) {
        boolean bool = in == DType.BOOL, f = in.isFloat();
        return switch (op) {
            case NEG -> bool ? (v[0] != 0 ? 0 : 1) : f ? -v[0] : wrap(-(long) v[0], in);
            case EXP2 -> real(Math.pow(2, v[0]), in);
            case LOG2 -> real(Math.log(v[0]) / Math.log(2), in);
            case SIN -> real(Math.sin(v[0]), in);
            case SQRT -> real(Math.sqrt(v[0]), in);
            case RECIP -> real(1.0 / v[0], in);
            case TRUNC -> real(v[0] < 0 ? Math.ceil(v[0]) : Math.floor(v[0]), in);
            case ADD -> bool ? ((v[0] != 0 || v[1] != 0) ? 1 : 0) : f ? real(v[0] + v[1], in) : wrap((long) v[0] + (long) v[1], in);
            case MUL -> bool ? ((v[0] != 0 && v[1] != 0) ? 1 : 0) : f ? real(v[0] * v[1], in) : wrap((long) v[0] * (long) v[1], in);
            case MAX -> Math.max(v[0], v[1]);
            case CMPLT -> v[0] < v[1] ? 1 : 0;
            case CMPEQ -> v[0] == v[1] ? 1 : 0;
            case IDIV -> wrap((long) v[0] / (long) v[1], in);
            case MOD -> wrap((long) v[0] % (long) v[1], in);
            case AND -> wrap((long) v[0] & (long) v[1], in);
            case OR -> wrap((long) v[0] | (long) v[1], in);
            case XOR -> wrap((long) v[0] ^ (long) v[1], in);
            case WHERE -> v[0] != 0 ? v[1] : v[2];
            default -> throw new IllegalArgumentException("not an elementwise op: " + op);
        };
    }

    /** A float result in the precision {@code t} computes in. */
    private static double real(double x, DType t) { return t == DType.FLOAT64 ? x : (float) x; }

    /** An integer result wrapped to the width of {@code t}. */
    private static double wrap(long r, DType t) {
        return switch (t) {
            case INT32 -> (int) r;
            case INT8 -> (byte) r;
            case UINT8 -> r & 0xFF;
            case BOOL -> r != 0 ? 1 : 0;
            default -> r;
        };
    }
}
