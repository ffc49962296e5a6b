// display(...) and updateDisplay(...) for cell code: imported statically at the engine's startup.
package dev.jtiny.kernel.engine;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Shows a value now, in the middle of a cell, with the renderers of a cell's result ({@link Rich}): a tensor or a
 * Tablesaw table as HTML, a BufferedImage or an XChart chart as a PNG, a magic's result in its own forms, anything
 * else as text. Runs in the engine's child JVM, which
 * cannot speak Jupyter: it writes one marked line to the kernel ({@link EngineAgent#send}), and the kernel turns
 * it into a display_data or update_display_data message of the running cell.
 */
public final class Display {
    private static final AtomicLong NEXT = new AtomicLong();
    private static final String SESSION = Long.toHexString(System.nanoTime());

    private Display() {}

    /** Sends display_data for {@code value} and returns its display id, for {@link #updateDisplay}. */
    public static String display(Object value) {
        String id = "jtiny-" + SESSION + "-" + NEXT.incrementAndGet();
        EngineAgent.send("display", id, Rich.render(value, null));
        return id;
    }

    /**
     * A 2-D or 3-D tensor as a picture (grey [H, W]; RGB(A) [C, H, W] or [H, W, C]), enlarged when small: a cell
     * ending in {@code image(x)}, or {@code display(image(x))}, shows it as a PNG.
     */
    public static java.awt.image.BufferedImage image(dev.jtiny.Tensor t) { return TensorImage.of(t, 0); }

    /** {@link #image(dev.jtiny.Tensor)} with each value drawn as a {@code scale} x {@code scale} square. */
    public static java.awt.image.BufferedImage image(dev.jtiny.Tensor t, int scale) { return TensorImage.of(t, scale); }

    /** Replaces what {@link #display} showed under {@code id} (update_display_data) with {@code value}. */
    public static void updateDisplay(String id, Object value) {
        if (id == null) throw new IllegalArgumentException("updateDisplay: the id is null (display(...) returns one)");
        EngineAgent.send("update", id, Rich.render(value, null));
    }
}
