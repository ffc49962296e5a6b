// Bad input: every error names the op the user called and what was wrong with it, and the session stays usable after it.
package dev.jtiny;

import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.engine.Devices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.function.Executable;


import static org.junit.jupiter.api.Assertions.*;

class TensorErrorsTest {
    @AfterEach
    void resetDevice() { Config.set("DEVICE", null); }

    /**
     * {@code body} throws {@code type} with a message containing every fragment; then the same thread computes a fused
     * kernel correctly (nothing half-built is left behind).
     */
    static <E extends Throwable> E fails(Class<E> type, Executable body, String... fragments) {
        E e = assertThrows(type, body);
        String m = e.getMessage();
        assertNotNull(m, "the error has a message");
        for (String f : fragments) assertTrue(m.contains(f), "message should contain \"" + f + "\": " + m);
        stillComputes();
        return e;
    }

    static void stillComputes() {
        Tensor x = Tensor.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3);
        assertArrayEquals(new float[]{15, 33}, x.mul(2).add(1).sum(1).toFloatArray(), "the session still computes after an error");
    }

    /** The message names a shape, in the tuple style "(2,3)" or the list style "[2, 3]". */
    static void assertNamesShape(String message, int... shape) {
        String tuple = Tensor.shapeText(shape), list = java.util.Arrays.toString(shape);
        String spaced = tuple.replace(",", ", ").replace(", )", ",)");
        assertTrue(message.contains(tuple) || message.contains(list) || message.contains(spaced),
                "message should name shape " + tuple + ": " + message);
    }

    @OnEachDevice
    void matmulShapesThatDoNotLineUp(String device) {
        Reference.use(device);
        IllegalArgumentException e = fails(IllegalArgumentException.class, () -> Tensor.zeros(3, 4).matmul(Tensor.zeros(5, 6)));
        assertEquals("matmul: shapes (3,4) and (5,6) do not line up (4 != 5)", e.getMessage());
        e = fails(IllegalArgumentException.class, () -> Tensor.zeros(3).matmul(Tensor.zeros(4)));
        assertEquals("matmul: shapes (3,) and (4,) do not line up (3 != 4)", e.getMessage());
        e = fails(IllegalArgumentException.class, () -> Tensor.zeros(2, 3, 4).matmul(Tensor.zeros(2, 3, 4)));
        assertEquals("matmul: shapes (2,3,4) and (2,3,4) do not line up (4 != 3)", e.getMessage());
        fails(IllegalArgumentException.class, () -> Tensor.scalar(2).matmul(Tensor.zeros(3)), "matmul");
    }

    /** Batch dimensions that do not broadcast: the error is about the user's matmul and its operands' shapes. */
    @OnEachDevice
    void matmulBatchDimensionsThatDoNotBroadcast(String device) {
        Reference.use(device);
        String m = fails(IllegalArgumentException.class, () -> Tensor.zeros(2, 3, 4).matmul(Tensor.zeros(5, 4, 6))).getMessage();
        assertTrue(m.startsWith("matmul:"), "the message names matmul, the op the user called: " + m);
        assertNamesShape(m, 2, 3, 4);
        assertNamesShape(m, 5, 4, 6);
    }

    @OnEachDevice
    void broadcastErrorsNameTheOpAndBothShapes(String device) {
        Reference.use(device);
        Tensor a = Tensor.zeros(2, 3), b = Tensor.zeros(4);
        for (String op : new String[]{"add", "sub", "mul", "div", "maximum", "lt", "eq"}) {
            Executable call = switch (op) {
                case "add" -> () -> a.add(b);
                case "sub" -> () -> a.sub(b);
                case "mul" -> () -> a.mul(b);
                case "div" -> () -> a.div(b);
                case "maximum" -> () -> a.maximum(b);
                case "lt" -> () -> a.lt(b);
                default -> () -> a.eq(b);
            };
            String m = fails(IllegalArgumentException.class, call, op).getMessage();
            assertTrue(m.startsWith(op + ":"), "the message starts with the op the user called: " + m);
            assertNamesShape(m, 2, 3);
            assertNamesShape(m, 4);
        }
        String m = fails(IllegalArgumentException.class, () -> a.gt(0).where(a, b), "where").getMessage();
        assertNamesShape(m, 4);
        fails(IllegalArgumentException.class, () -> a.broadcastTo(2, 4), "broadcastTo");
        fails(IllegalArgumentException.class, () -> a.expand(3), "expand");
    }

    @OnEachDevice
    void expandErrorsNameExpand(String device) {
        Reference.use(device);
        String m = fails(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).expand(4, 3)).getMessage();
        assertTrue(m.startsWith("expand:"), "the message names expand, the op the user called: " + m);
        assertNamesShape(m, 2, 3);
        assertNamesShape(m, 4, 3);
    }

    @OnEachDevice
    void reshapeToAWrongSizeNamesBothShapes(String device) {
        Reference.use(device);
        Tensor a = Tensor.zeros(2, 3);
        String m = fails(IllegalArgumentException.class, () -> a.reshape(4, 2), "reshape").getMessage();
        assertNamesShape(m, 2, 3);
        assertNamesShape(m, 4, 2);
        m = fails(IllegalArgumentException.class, () -> a.reshape(-1, 4), "reshape").getMessage();
        assertNamesShape(m, 2, 3);
        fails(IllegalArgumentException.class, () -> a.reshape(-1, -1), "reshape", "-1");
        fails(IllegalArgumentException.class, () -> a.reshape(-2, -3), "reshape");
        fails(IllegalArgumentException.class, () -> Tensor.of(new float[]{1, 2, 3}, 2, 2), "of", "3");
        fails(IllegalArgumentException.class, () -> Tensor.of(new float[][]{{1, 2}, {3}}), "of", "row 1");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(2, -1), "negative");
    }

    @OnEachDevice
    void itemNeedsExactlyOneElement(String device) {
        Reference.use(device);
        String m = fails(IllegalArgumentException.class, () -> Tensor.of(new float[]{1, 2}, 2).item(), "item", "2 elements").getMessage();
        assertNamesShape(m, 2);
        fails(IllegalArgumentException.class, () -> Tensor.zeros(0).item(), "item", "0 elements");
        assertEquals(5f, Tensor.of(new float[]{5}, 1, 1).item(), "a (1,1) tensor has an item");
    }

    @OnEachDevice
    void axesOutOfRange(String device) {
        Reference.use(device);
        Tensor a = Tensor.zeros(2, 3);
        fails(IllegalArgumentException.class, () -> a.sum(2), "axis 2", "2, 3");
        fails(IllegalArgumentException.class, () -> a.sum(-3), "axis -3");
        fails(IllegalArgumentException.class, () -> a.max(5, true), "axis 5");
        fails(IllegalArgumentException.class, () -> a.mean(0, 0), "repeated axis");
        fails(IllegalArgumentException.class, () -> a.softmax(2), "axis 2");
        fails(IllegalArgumentException.class, () -> a.argmax(-3), "axis -3");
        fails(IllegalArgumentException.class, () -> a.transpose(0, 2), "axis 2");
        fails(IllegalArgumentException.class, () -> a.flip(3), "axis 3");
        fails(IllegalArgumentException.class, () -> a.slice(2, 0, 1), "axis 2");
        fails(IllegalArgumentException.class, () -> a.unsqueeze(3), "unsqueeze", "axis 3");
        fails(IllegalArgumentException.class, () -> a.permute(0, 0), "permute", "repeats");
        fails(IllegalArgumentException.class, () -> a.permute(1, 0, 2), "permute", "3 axes");
        fails(IllegalArgumentException.class, () -> T.cat(2, a, a), "axis 2");
        fails(IndexOutOfBoundsException.class, () -> a.get(2), "get", "index 2", "size 2");
        fails(IndexOutOfBoundsException.class, () -> a.get(-3), "get", "index -3");
    }

    @OnEachDevice
    void padAndShrinkWithTheWrongArity(String device) {
        Reference.use(device);
        Tensor a = Tensor.zeros(2, 3);
        String m = fails(IllegalArgumentException.class, () -> a.pad(new int[][]{{1, 1}}), "pad", "1 pairs", "2 dimensions").getMessage();
        assertNamesShape(m, 2, 3);
        fails(IllegalArgumentException.class, () -> a.pad(new int[][]{{1, 1}, {0, 0}, {0, 0}}, 5.0), "pad", "3 pairs");
        fails(IllegalArgumentException.class, () -> a.pad(new int[][]{{1, 1}, {0, -1}}), "pad", "non-negative");
        fails(IllegalArgumentException.class, () -> a.pad(new int[][]{{1, 1}, {0, 0, 0}}), "pad");
        fails(IllegalArgumentException.class, () -> a.shrink(new int[][]{{0, 1}}), "shrink", "1 ranges");
        fails(IllegalArgumentException.class, () -> a.shrink(new int[][]{{0, 1}, {1, 4}}), "shrink", "dimension 1", "size 3");
        fails(IllegalArgumentException.class, () -> a.shrink(new int[][]{{1, 0}, {0, 3}}), "shrink");
    }

    @OnEachDevice
    void otherBadArguments(String device) {
        Reference.use(device);
        Tensor a = Tensor.zeros(2, 3);
        fails(IllegalArgumentException.class, () -> a.slice(0, 0, 2, 0), "slice", "step");
        fails(IllegalArgumentException.class, () -> Tensor.arange(0, 5, 0), "arange", "step");
        fails(IllegalArgumentException.class, () -> Tensor.arange(0.0, 1.0, 0.0), "arange", "step");
        fails(IllegalArgumentException.class, () -> Tensor.linspace(0, 1, 0), "linspace", "steps");
        fails(IllegalArgumentException.class, () -> T.cat(0, a, Tensor.zeros(2, 4)), "cat", "dimension 1");
        fails(IllegalArgumentException.class, () -> T.cat(0, a, Tensor.zeros(3)), "cat", "numbers of dimensions");
        fails(IllegalArgumentException.class, () -> T.cat(0), "cat");
        fails(IllegalArgumentException.class, () -> T.stack(0, a, Tensor.zeros(3, 2)), "stack");
        fails(IllegalArgumentException.class, () -> a.repeat(2), "repeat");
    }

    @OnEachDevice
    void operandsOnDifferentDevices(String device) {
        Reference.use(device);
        String other = device.equals("JAVA") ? "OPENCL:0" : "JAVA";
        Tensor a = Tensor.ones(3), b = Tensor.ones(3).to(other);
        fails(IllegalArgumentException.class, () -> a.add(b), "add", device, other, "to(");
        fails(IllegalArgumentException.class, () -> a.matmul(b), "matmul", "different devices");
        fails(IllegalArgumentException.class, () -> T.cat(0, a, b), "cat", "different devices");
        assertArrayEquals(new float[]{2, 2, 2}, a.add(b.to(device)).toFloatArray(), "after moving, they add");
    }

    @OnEachDevice
    void unknownDeviceListsTheAvailableOnes(String device) {
        Reference.use(device);
        Tensor ok = Tensor.ones(3);
        Config.set("DEVICE", "FOO");
        // The configured name is used lazily: the error may come at creation or when the value is needed.
        RuntimeException e = assertThrows(RuntimeException.class, () -> Tensor.ones(3).add(Tensor.ones(3)).toFloatArray());
        String m = e.getMessage();
        assertTrue(m.contains("FOO"), m);
        for (String d : Devices.available()) assertTrue(m.contains(d), "message should list " + d + ": " + m);
        assertTrue(m.contains("OPENCL:0"), m);
        Config.set("DEVICE", device);
        stillComputes();
        assertArrayEquals(new float[]{2, 2, 2}, ok.mul(2).toFloatArray(), "tensors made before still compute");

        e = fails(RuntimeException.class, () -> ok.to("foo").toFloatArray(), "FOO");
        for (String d : Devices.available()) assertTrue(e.getMessage().contains(d), e.getMessage());
        fails(RuntimeException.class, () -> ok.to("OPENCL:7").toFloatArray(), "OPENCL:7");
        fails(RuntimeException.class, () -> ok.to("OPENCL:x").toFloatArray(), "OPENCL:X");
    }
}
