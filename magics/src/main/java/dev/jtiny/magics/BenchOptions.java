// How %%bench runs a cell: timed runs, warm-up runs, and the devices to compare (empty: the default device).
package dev.jtiny.magics;

import java.util.ArrayList;
import java.util.List;

public record BenchOptions(int runs, int warmup, List<String> devices) {
    public static final int DEFAULT_RUNS = 10;
    public static final int DEFAULT_WARMUP = 2;
    private static final String VALID = "valid options: -n/--runs N, -w/--warmup N, -d/--devices A,B";

    public BenchOptions {
        if (runs < 1) throw new IllegalArgumentException("bench: runs must be at least 1, got " + runs);
        if (warmup < 0) throw new IllegalArgumentException("bench: warmup must be 0 or more, got " + warmup);
        devices = List.copyOf(devices);
    }

    /** 10 runs after 2 warm-up runs on the default device. */
    public static BenchOptions defaults() { return new BenchOptions(DEFAULT_RUNS, DEFAULT_WARMUP, List.of()); }

    public BenchOptions withRuns(int n) { return new BenchOptions(n, warmup, devices); }
    public BenchOptions withWarmup(int n) { return new BenchOptions(runs, n, devices); }
    public BenchOptions withDevices(String... names) { return new BenchOptions(runs, warmup, List.of(names)); }

    /**
     * Parses a magic's argument line: {@code -n 20 --warmup 3 --devices JAVA,OPENCL} (also {@code -n20},
     * {@code --runs=20}). Options left out keep their defaults; an unknown option or a bad value throws an
     * IllegalArgumentException whose one-line message names it and the valid options.
     */
    public static BenchOptions parse(String args) {
        int runs = DEFAULT_RUNS, warmup = DEFAULT_WARMUP;
        List<String> devices = List.of();
        String[] tokens = args == null || args.isBlank() ? new String[0] : args.trim().split("\\s+");
        for (int i = 0; i < tokens.length; i++) {
            String tok = tokens[i];
            String opt = tok, value = null;
            int eq = tok.indexOf('=');
            if (tok.startsWith("--") && eq > 0) {
                opt = tok.substring(0, eq);
                value = tok.substring(eq + 1);
            } else if (tok.startsWith("-") && !tok.startsWith("--") && tok.length() > 2) {
                opt = tok.substring(0, 2);
                value = tok.substring(2);
            }
            String canonical = switch (opt) {
                case "-n", "--runs" -> "runs";
                case "-w", "--warmup" -> "warmup";
                case "-d", "--devices", "--device" -> "devices";
                default -> throw new IllegalArgumentException("bench: unknown option " + tok + "; " + VALID);
            };
            if (value == null) {
                if (i + 1 >= tokens.length) throw new IllegalArgumentException("bench: " + opt + " needs a value; " + VALID);
                value = tokens[++i];
            }
            switch (canonical) {
                case "runs" -> runs = count(opt, value, 1);
                case "warmup" -> warmup = count(opt, value, 0);
                default -> devices = deviceList(opt, value);
            }
        }
        return new BenchOptions(runs, warmup, devices);
    }

    private static int count(String opt, String value, int min) {
        try {
            int n = Integer.parseInt(value);
            if (n >= min) return n;
        } catch (NumberFormatException ignored) {
            // reported below with the option's name
        }
        throw new IllegalArgumentException("bench: " + opt + " expects a whole number " + (min == 0 ? "of 0 or more" : "of at least " + min)
                + ", got '" + value + "'; " + VALID);
    }

    private static List<String> deviceList(String opt, String value) {
        List<String> out = new ArrayList<>();
        for (String d : value.split(",")) {
            if (d.isBlank()) throw new IllegalArgumentException("bench: " + opt + " expects device names separated by commas (e.g. JAVA,OPENCL), got '" + value + "'; " + VALID);
            out.add(d.trim());
        }
        return out;
    }
}
