// One setting (knob): its name, type, default and help, declared once in Settings and read through Config.
package dev.jtiny.runtime;

import java.util.function.Function;

/**
 * A setting is read from, in order, a run-time override ({@link Config#set}, {@link #override}), the system property
 * {@code jtiny.NAME} in lower case, and the environment variable {@code NAME}; otherwise its default holds. A value
 * that does not parse is an error naming the setting, the value and what was expected.
 *
 * @param name     the environment variable, e.g. {@code DEBUG}
 * @param type     what a value is, for help texts: "integer" or "text"
 * @param fallback the default, or null for "not set" (a setting whose absence means something, such as DEVICE)
 * @param help     one sentence or a few: what the values mean
 */
public record Setting<T>(String name, String type, T fallback, String help, Function<String, T> parse) {
    static Setting<Integer> integer(String name, Integer fallback, String help) {
        return new Setting<>(name, "integer", fallback, help, Integer::valueOf);
    }

    static Setting<String> text(String name, String fallback, String help) {
        return new Setting<>(name, "text", fallback, help, Function.identity());
    }

    /** The value in force now. */
    public T get() {
        String v = Config.get(name, null);
        if (v == null) return fallback;
        try {
            return parse.apply(v);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(name + "=" + v + " is not a valid " + type + " (" + help + ")");
        }
    }

    /** {@link #get} for an integer setting, as an int. */
    public int getInt() { return (Integer) get(); }

    /**
     * Overrides the setting until the returned scope is closed, then puts back exactly what was there before (the
     * previous override, or none): {@code try (var s = Settings.PROFILE.override(1)) { ... }}.
     */
    public Config.Scope override(T value) { return Config.scoped(name, value == null ? null : String.valueOf(value)); }

    @Override public String toString() { return name + " (" + type + (fallback == null ? "" : ", default " + fallback) + ")"; }
}
