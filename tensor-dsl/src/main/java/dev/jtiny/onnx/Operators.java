// The table of ONNX operators jtiny implements: (domain, op type) to the operator and the opsets it handles.
package dev.jtiny.onnx;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Each operator registers the lowest opset version of its domain that jtiny handles; versions up to
 * {@link #MAX_OPSET} (for the default domain) are handled, with each operator's compile step branching on the
 * opset where the specification changed an attribute into an input or changed a default. Operators live in one
 * file per family: {@link ElementwiseOps}, {@link ShapeOps}, {@link NnOps}, {@link ReduceOps}, {@link SequenceOps},
 * {@link ScatterGatherOps}, {@link Resize}, {@link GradientOp}, {@link ControlFlowOps}, {@link QuantizeOps},
 * {@link RecurrentOps}.
 */
final class Operators {
    private Operators() {}

    /** The newest default-domain (ai.onnx) opset whose operator versions jtiny knows. */
    static final int MAX_OPSET = 22;

    static final String TRAINING = "ai.onnx.preview.training";

    record Entry(String domain, String opType, int since, Operator op) {}

    private static final Map<String, Entry> TABLE = new TreeMap<>();

    static {
        ElementwiseOps.register();
        ShapeOps.register();
        NnOps.register();
        ReduceOps.register();
        SequenceOps.register();
        ScatterGatherOps.register();
        GradientOp.register();
        ControlFlowOps.register();
        QuantizeOps.register();
        RecurrentOps.register();
    }

    /** Registers an operator of the default domain handled from opset {@code since} on. */
    static void add(String opType, int since, Operator op) { add("", opType, since, op); }

    static void add(String domain, String opType, int since, Operator op) {
        if (TABLE.put(key(domain, opType), new Entry(domain, opType, since, op)) != null) {
            throw new IllegalStateException(opType + " registered twice");
        }
    }

    /** The operator for a node, or null when jtiny has none. The domain "ai.onnx" is the default domain "". */
    static Entry find(String domain, String opType) { return TABLE.get(key(domain, opType)); }

    /** Every registered operator, by domain and op type. */
    static Map<String, Entry> all() { return Collections.unmodifiableMap(TABLE); }

    static String normalDomain(String domain) { return domain.equals("ai.onnx") ? "" : domain; }

    private static String key(String domain, String opType) { return normalDomain(domain) + ":" + opType; }
}
