// Sets a Config value for the length of a block and puts the previous one back: bench and calibration switch the
// default device and turn on PROFILE this way without leaving the session changed.
package dev.jtiny.magics;

import dev.jtiny.runtime.Config;

final class ConfigScope implements AutoCloseable {
    private final String name;
    private final String previous;

    private ConfigScope(String name, String previous) {
        this.name = name;
        this.previous = previous;
    }

    /** Sets {@code name} to {@code value} (null clears the override) until {@link #close()}. */
    static ConfigScope set(String name, String value) {
        // Config cannot tell an override from an environment value; putting the effective value back as an
        // override reads the same either way.
        ConfigScope s = new ConfigScope(name, Config.get(name, null));
        Config.set(name, value);
        return s;
    }

    @Override public void close() { Config.set(name, previous); }
}
