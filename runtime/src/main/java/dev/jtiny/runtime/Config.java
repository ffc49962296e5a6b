// Configuration: environment variable NAME, overridden by system property jtiny.name, overridden at run time.
package dev.jtiny.runtime;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

public final class Config {
    private static final Map<String, String> overrides = new ConcurrentHashMap<>();
    private static final java.util.concurrent.atomic.AtomicLong version = new java.util.concurrent.atomic.AtomicLong();

    private Config() {}

    /** The value of {@code name} (e.g. "DEBUG"), or {@code def} when it is set nowhere. */
    public static String get(String name, String def) {
        String v = overrides.get(name);
        if (v == null) v = System.getProperty("jtiny." + name.toLowerCase());
        if (v == null) v = System.getenv(name);
        return v == null || v.isBlank() ? def : v.trim();
    }

    public static int getInt(String name, int def) {
        String v = get(name, null);
        if (v == null) return def;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "=" + v + " is not a number; expected an integer such as " + def);
        }
    }

    /** Sets {@code name} for the rest of this process (or clears the override when value is null). */
    public static void set(String name, String value) {
        if (value == null) overrides.remove(name); else overrides.put(name, value);
        version.incrementAndGet();
    }

    /** Changes with every {@link #set}: caches that depend on settings read {@link #overrides} again when it moves. */
    static long version() { return version.get(); }

    /** The run-time overrides now in force, sorted by name. */
    static java.util.SortedMap<String, String> overrides() { return new java.util.TreeMap<>(overrides); }

    public static int debug() { return getInt("DEBUG", 0); }
}
