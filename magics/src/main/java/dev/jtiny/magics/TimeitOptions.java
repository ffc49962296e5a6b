// The options of %timeit as IPython spells them: -n loops, -r repeats, -p precision, -q quiet, -o return the result.
package dev.jtiny.magics;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * @param loops        calls per run; 0 chooses it (1, 10, 100, … until one run takes 0.2 s, as IPython does)
 * @param repeat       runs
 * @param precision    significant digits of the printed times
 * @param quiet        -q: the magic prints nothing
 * @param returnResult -o: the magic returns the {@link TimeitResult}
 */
public record TimeitOptions(int loops, int repeat, int precision, boolean quiet, boolean returnResult) {
    public static final int DEFAULT_REPEAT = 7;
    public static final int DEFAULT_PRECISION = 3;
    private static final String VALID = "valid options: -n N (loops per run), -r R (runs), -p P (precision), -q, -o";
    private static final Pattern OPTION = Pattern.compile("--?[A-Za-z]\\S*");

    public TimeitOptions {
        if (loops < 0) throw new IllegalArgumentException("timeit: -n must be 0 (choose) or more, got " + loops);
        if (repeat < 1) throw new IllegalArgumentException("timeit: -r must be at least 1, got " + repeat);
        if (precision < 1) throw new IllegalArgumentException("timeit: -p must be at least 1, got " + precision);
    }

    public static TimeitOptions defaults() { return new TimeitOptions(0, DEFAULT_REPEAT, DEFAULT_PRECISION, false, false); }

    /** Options and the code after them, for a line magic such as {@code %timeit -n 10 x.sum()}. */
    public record Line(TimeitOptions options, String code) {}

    /** Parses only options (e.g. a cell magic's first line); anything else is an error naming it. */
    public static TimeitOptions parse(String args) {
        Line l = parseLine(args);
        if (!l.code().isEmpty()) throw new IllegalArgumentException("timeit: unexpected '" + l.code() + "'; " + VALID);
        return l.options();
    }

    /**
     * Reads leading options ({@code -n 10}, {@code -n10}, {@code -r 3}, {@code -q}, {@code -o}; {@code --} ends them)
     * and returns them with the rest of the line, untouched. An unknown option or a bad number throws an
     * IllegalArgumentException whose one-line message names it and the valid options.
     */
    public static Line parseLine(String line) {
        int loops = 0, repeat = DEFAULT_REPEAT, precision = DEFAULT_PRECISION;
        boolean quiet = false, returnResult = false;
        String s = line == null ? "" : line.strip();
        while (!s.isEmpty()) {
            int end = s.indexOf(' ') < 0 ? s.length() : s.indexOf(' ');
            String tok = s.substring(0, end);
            if (tok.equals("--")) {
                s = s.substring(end).strip();
                break;
            }
            Matcher m = OPTION.matcher(tok);
            if (!m.matches()) break;
            String rest = s.substring(end).strip();
            String opt = tok.length() > 2 && !tok.startsWith("--") ? tok.substring(0, 2) : tok;
            switch (opt) {
                case "-q" -> quiet = true;
                case "-o" -> returnResult = true;
                case "-n", "-r", "-p" -> {
                    String value;
                    if (tok.length() > 2) value = tok.substring(2);
                    else {
                        if (rest.isEmpty()) throw new IllegalArgumentException("timeit: " + opt + " needs a number; " + VALID);
                        int e = rest.indexOf(' ') < 0 ? rest.length() : rest.indexOf(' ');
                        value = rest.substring(0, e);
                        rest = rest.substring(e).strip();
                    }
                    int n = number(opt, value);
                    switch (opt) {
                        case "-n" -> loops = n;
                        case "-r" -> repeat = n;
                        default -> precision = n;
                    }
                }
                default -> throw new IllegalArgumentException("timeit: unknown option " + tok + "; " + VALID);
            }
            if ((opt.equals("-q") || opt.equals("-o")) && tok.length() > 2) {
                throw new IllegalArgumentException("timeit: unknown option " + tok + "; " + VALID);
            }
            s = rest;
        }
        return new Line(new TimeitOptions(loops, repeat, precision, quiet, returnResult), s);
    }

    private static int number(String opt, String value) {
        int min = opt.equals("-n") ? 0 : 1;
        try {
            int n = Integer.parseInt(value);
            if (n >= min) return n;
        } catch (NumberFormatException ignored) {
            // reported below with the option's name
        }
        throw new IllegalArgumentException("timeit: " + opt + " expects a whole number of at least " + min + ", got '" + value + "'; " + VALID);
    }
}
