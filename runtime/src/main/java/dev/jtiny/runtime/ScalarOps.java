// The primitive ops on host scalars: constant folding uses these, and tests compare kernels against them.
package dev.jtiny.runtime;

public final class ScalarOps {
    private ScalarOps() {}

    /** Applies {@code op} to values held as doubles with dtype {@code in} (bools as 0/1). */
    public static double apply(Op op, DType in, double... v) {
        boolean f = in == DType.FLOAT32;
        return switch (op) {
            case NEG -> in == DType.BOOL ? (v[0] != 0 ? 0 : 1) : -v[0];
            case EXP2 -> (float) Math.pow(2, v[0]);
            case LOG2 -> (float) (Math.log(v[0]) / Math.log(2));
            case SIN -> (float) Math.sin(v[0]);
            case SQRT -> (float) Math.sqrt(v[0]);
            case RECIP -> (float) (1.0 / v[0]);
            case TRUNC -> (float) (v[0] < 0 ? Math.ceil(v[0]) : Math.floor(v[0]));
            case ADD -> in == DType.BOOL ? ((v[0] != 0 || v[1] != 0) ? 1 : 0) : f ? (float) (v[0] + v[1]) : (double) (int) ((long) v[0] + (long) v[1]);
            case MUL -> in == DType.BOOL ? ((v[0] != 0 && v[1] != 0) ? 1 : 0) : f ? (float) (v[0] * v[1]) : (double) (int) ((long) v[0] * (long) v[1]);
            case MAX -> Math.max(v[0], v[1]);
            case CMPLT -> v[0] < v[1] ? 1 : 0;
            case CMPEQ -> v[0] == v[1] ? 1 : 0;
            case IDIV -> (double) ((int) v[0] / (int) v[1]);
            case MOD -> (double) ((int) v[0] % (int) v[1]);
            case AND -> (double) ((int) v[0] & (int) v[1]);
            case OR -> (double) ((int) v[0] | (int) v[1]);
            case XOR -> (double) ((int) v[0] ^ (int) v[1]);
            case WHERE -> v[0] != 0 ? v[1] : v[2];
            default -> throw new IllegalArgumentException("not an elementwise op: " + op);
        };
    }
}
