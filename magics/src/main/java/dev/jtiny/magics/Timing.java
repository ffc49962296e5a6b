// %time and %timeit as IPython has them: the same measurements, the same printed form. Tensor results are realized
// (and the device waited for), so lazy work is part of what is timed.
package dev.jtiny.magics;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

public final class Timing {
    /** IPython stops looking for a loop count at 10^9 calls per run. */
    private static final int MAX_LOOP_POWER = 9;
    private static final double MIN_RUN_SECONDS = 0.2;

    private Timing() {}

    /** Calls {@code body} once; process CPU time (user, system) and wall time, and the body's value. */
    public static TimeResult time(Callable<?> body) throws Exception {
        CpuTimes.Sample c0 = CpuTimes.now();
        long t0 = System.nanoTime();
        Object value = body.call();
        Completion.await(value);
        long wall = System.nanoTime() - t0;
        CpuTimes.Sample c1 = CpuTimes.now();
        return new TimeResult(value, Math.max(0, c1.userNanos() - c0.userNanos()) * 1e-9,
                Math.max(0, c1.sysNanos() - c0.sysNanos()) * 1e-9, wall * 1e-9);
    }

    /** IPython's defaults: loops chosen, 7 runs. */
    public static TimeitResult timeit(Callable<?> body) throws Exception { return timeit(TimeitOptions.defaults(), body); }

    /** {@code loops} calls per run (0: the first of 1, 10, 100, … whose run takes at least 0.2 s), {@code repeat} runs. */
    public static TimeitResult timeit(int loops, int repeat, Callable<?> body) throws Exception {
        return timeit(new TimeitOptions(loops, repeat, TimeitOptions.DEFAULT_PRECISION, false, false), body);
    }

    public static TimeitResult timeit(TimeitOptions o, Callable<?> body) throws Exception {
        int loops = o.loops();
        if (loops == 0) {
            for (int power = 0; power <= MAX_LOOP_POWER; power++) {
                loops = (int) Math.pow(10, power);
                if (run(loops, body) >= MIN_RUN_SECONDS) break;
            }
        }
        List<Double> runs = new ArrayList<>(o.repeat());
        for (int r = 0; r < o.repeat(); r++) runs.add(run(loops, body));
        return new TimeitResult(loops, o.repeat(), runs, o.precision());
    }

    private static double run(int loops, Callable<?> body) throws Exception {
        long t0 = System.nanoTime();
        for (int i = 0; i < loops; i++) Completion.await(body.call());
        return (System.nanoTime() - t0) * 1e-9;
    }

    /** IPython's {@code _format_time} with 3 significant digits: "1.5 µs", "310 ms", "12.3 s", "1min 5s". */
    public static String formatTime(double seconds) { return formatTime(seconds, TimeitOptions.DEFAULT_PRECISION); }

    /** IPython's {@code _format_time(timespan, precision)}, digit for digit (its {@code %.*g} included). */
    public static String formatTime(double seconds, int precision) {
        if (Double.isNaN(seconds)) return "nan s";
        if (seconds >= 60.0) {
            String[] suffix = {"d", "h", "min", "s"};
            double[] length = {86400, 3600, 60, 1};
            List<String> parts = new ArrayList<>();
            double leftover = seconds;
            for (int i = 0; i < suffix.length; i++) {
                long value = (long) (leftover / length[i]);
                if (value > 0) {
                    leftover = leftover % length[i];
                    parts.add(value + suffix[i]);
                }
                if (leftover < 1) break;
            }
            return String.join(" ", parts);
        }
        String[] units = {"s", "ms", "\u00b5s", "ns"};
        double[] scaling = {1, 1e3, 1e6, 1e9};
        int order = seconds > 0 ? Math.min(-Math.floorDiv((int) Math.floor(Math.log10(seconds)), 3), 3) : 3;
        order = Math.max(order, 0);
        return formatG(seconds * scaling[order], precision) + " " + units[order];
    }

    /** C's (and Python's) {@code %.{p}g}: p significant digits, trailing zeros dropped, exponent form outside 1e-4..1e p. */
    static String formatG(double v, int precision) {
        int p = Math.max(precision, 1);
        if (Double.isNaN(v)) return "nan";
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        if (v == 0) return (1 / v < 0) ? "-0" : "0";
        BigDecimal rounded = new BigDecimal(v).round(new MathContext(p, RoundingMode.HALF_EVEN));
        int exp = rounded.precision() - rounded.scale() - 1;
        if (exp < -4 || exp >= p) {
            String mantissa = stripZeros(rounded.movePointLeft(exp).setScale(p - 1, RoundingMode.HALF_EVEN).toPlainString());
            return mantissa + String.format(java.util.Locale.ROOT, "e%+03d", exp);
        }
        return stripZeros(rounded.setScale(Math.max(p - 1 - exp, 0), RoundingMode.HALF_EVEN).toPlainString());
    }

    private static String stripZeros(String s) {
        if (s.indexOf('.') < 0) return s;
        int end = s.length();
        while (s.charAt(end - 1) == '0') end--;
        if (s.charAt(end - 1) == '.') end--;
        return s.substring(0, end);
    }
}
