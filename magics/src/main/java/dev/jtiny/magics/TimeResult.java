// What %time measured of one call: CPU time of the process (user, system) and wall time, printed as IPython does.
package dev.jtiny.magics;

/** @param value what the body returned (tensors in it are realized) */
public record TimeResult(Object value, double userSeconds, double sysSeconds, double wallSeconds) implements Rendered {
    public double totalSeconds() { return userSeconds + sysSeconds; }

    /** {@code CPU times: user 1.2 ms, sys: 310 µs, total: 1.51 ms} and {@code Wall time: 3.4 ms}, as IPython prints them. */
    @Override public String text() {
        return "CPU times: user " + Timing.formatTime(userSeconds) + ", sys: " + Timing.formatTime(sysSeconds) + ", total: "
                + Timing.formatTime(totalSeconds()) + "\nWall time: " + Timing.formatTime(wallSeconds);
    }

    @Override public String toString() { return text(); }
}
