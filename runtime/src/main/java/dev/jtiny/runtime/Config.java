// Configuration: environment variable NAME, overridden by system property jtiny.name, overridden at run time.
package dev.jtiny.runtime;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The values behind {@link Settings}: where a setting's text comes from, and the run-time overrides. */
public final class Config {
    private static final Map<String, String> overrides = new ConcurrentHashMap<>();
    private static final AtomicLong version = new AtomicLong();
    /** "jtiny.debug" for "DEBUG": settings are read at every launch, so the property name is made once. */
    private static final java.util.Map<String, String> PROPERTY_NAMES = new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * The environment as the process started with it ("" where a name is unset), read once per name: a process's
     * environment does not change, and looking a name up in it converts and copies every time.
     */
    private static final java.util.Map<String, String> ENVIRONMENT = new java.util.concurrent.ConcurrentHashMap<>();

    private Config() {}

    /** The value of {@code name} (e.g. "DEBUG"), or {@code def} when it is set nowhere. */
    public static String get(String name, String def) {
        String v = overrides.get(name);
        if (v == null) v = System.getProperty(PROPERTY_NAMES.computeIfAbsent(name, n -> "jtiny." + n.toLowerCase()));
        if (v == null) v = ENVIRONMENT.computeIfAbsent(name, n -> java.util.Objects.requireNonNullElse(System.getenv(n), ""));
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

    /**
     * Sets the setting {@code name} for the rest of this process (or clears the override when value is null). A name
     * that is no setting is an error listing the settings there are (see {@link Settings}).
     */
    public static void set(String name, String value) {
        Settings.named(name);
        if (value == null) overrides.remove(name); else overrides.put(name, value);
        version.incrementAndGet();
    }

    /** A run-time override that puts back what was there before it when closed. */
    public interface Scope extends AutoCloseable {
        @Override void close();
    }

    /** Overrides {@code name} with {@code value} (null: no override) until the scope is closed. */
    static Scope scoped(String name, String value) {
        String before = overrides.get(name);
        set(name, value);
        return () -> set(name, before);
    }

    /** Changes with every {@link #set}: caches that depend on settings read {@link #overrides} again when it moves. */
    public static long version() { return version.get(); }

    /** The run-time overrides now in force, sorted by name. */
    public static SortedMap<String, String> overrides() { return new TreeMap<>(overrides); }

    public static int debug() { return Settings.DEBUG.getInt(); }
}
