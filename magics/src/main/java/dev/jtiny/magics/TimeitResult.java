// What %timeit measured: repeat runs of loops calls each; mean and standard deviation per call, printed as IPython does.
package dev.jtiny.magics;

import java.util.List;
import java.util.Locale;

/** @param allRuns seconds each run took for all of its {@code loops} calls */
public record TimeitResult(int loops, int repeat, List<Double> allRuns, int precision) implements Rendered {
    public TimeitResult {
        allRuns = List.copyOf(allRuns);
    }

    /** Seconds per call of each run. */
    public List<Double> timings() { return allRuns.stream().map(t -> t / loops).toList(); }

    public double best() { return timings().stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN); }

    public double worst() { return timings().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN); }

    public double average() { return timings().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN); }

    /** Population standard deviation of the per-call timings, as IPython computes it. */
    public double stdev() {
        double mean = average();
        return Math.sqrt(timings().stream().mapToDouble(t -> (t - mean) * (t - mean)).sum() / timings().size());
    }

    /** IPython's warning when the slowest run took more than four times the fastest, or null. */
    public String warning() {
        double best = best(), worst = worst();
        if (worst > 4 * best && best > 0 && worst > 1e-6) {
            return String.format(Locale.ROOT, "The slowest run took %.2f times longer than the fastest. This could mean that an intermediate result is being cached.", worst / best);
        }
        return null;
    }

    /** {@code 1.23 ms ± 45.6 µs per loop (mean ± std. dev. of 7 runs, 100 loops each)}, after IPython's warning if any. */
    @Override public String text() {
        String line = Timing.formatTime(average(), precision) + " \u00b1 " + Timing.formatTime(stdev(), precision) + " per loop (mean \u00b1 std. dev. of "
                + repeat + " run" + (repeat == 1 ? "" : "s") + ", " + String.format(Locale.ROOT, "%,d", loops) + " loop" + (loops == 1 ? "" : "s") + " each)";
        String w = warning();
        return w == null ? line : w + "\n" + line;
    }

    @Override public String toString() { return text(); }
}
