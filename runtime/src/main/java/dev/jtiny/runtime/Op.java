// The primitive operations every tensor computation is built from; higher ops are compositions of these.
package dev.jtiny.runtime;

public enum Op {
    // sources
    BUFFER, CONST,
    // unary
    NEG, EXP2, LOG2, SIN, SQRT, RECIP, CAST, TRUNC,
    // binary
    ADD, MUL, MAX, CMPLT, CMPEQ, IDIV, MOD, AND, OR, XOR,
    // ternary
    WHERE,
    // reduce
    SUM, RMAX, PROD,
    // forces its source into a buffer of its own; COPY moves a buffer between devices
    CONTIGUOUS, COPY;

    public boolean isUnary() { return ordinal() >= NEG.ordinal() && ordinal() <= TRUNC.ordinal(); }
    public boolean isBinary() { return ordinal() >= ADD.ordinal() && ordinal() <= XOR.ordinal(); }
    public boolean isReduce() { return this == SUM || this == RMAX || this == PROD; }
    public boolean isElementwise() { return isUnary() || isBinary() || this == WHERE; }
    public boolean isComparison() { return this == CMPLT || this == CMPEQ; }

    /** The value a reduction starts from. */
    public double identity() {
        return switch (this) {
            case SUM -> 0.0;
            case PROD -> 1.0;
            case RMAX -> Double.NEGATIVE_INFINITY;
            default -> throw new IllegalStateException(this + " is not a reduction");
        };
    }

    /** The binary op a reduction accumulates with. */
    public Op accumulate() {
        return switch (this) {
            case SUM -> ADD;
            case PROD -> MUL;
            case RMAX -> MAX;
            default -> throw new IllegalStateException(this + " is not a reduction");
        };
    }
}
