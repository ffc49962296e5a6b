// Settings: one declaration each, read through Config's layers, scoped overrides that put back what was there.
package dev.jtiny.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SettingsTest {
    @AfterEach void reset() {
        Config.set("BEAMKEEP", null);
    }

    @Test
    void everySettingIsDeclaredOnceWithHelp() {
        Set<String> names = new HashSet<>();
        for (Setting<?> s : Settings.all()) {
            assertTrue(names.add(s.name()), s.name() + " is declared twice");
            assertTrue(s.name().matches("[A-Z][A-Z0-9_]*"), s.name());
            assertTrue(s.help().length() > 10, s.name() + " has no help");
        }
        assertEquals(Settings.DEBUG, Settings.named("DEBUG"));
    }

    @Test
    void defaultsOverridesAndScopes() {
        assertEquals(12, Settings.BEAMKEEP.getInt());
        Config.set("BEAMKEEP", "5");
        assertEquals(5, Settings.BEAMKEEP.getInt());
        try (var s = Settings.BEAMKEEP.override(7)) {
            assertEquals(7, Settings.BEAMKEEP.getInt());
            try (var inner = Settings.BEAMKEEP.override(null)) {
                assertEquals(12, Settings.BEAMKEEP.getInt(), "no override: the default");
            }
            assertEquals(7, Settings.BEAMKEEP.getInt());
        }
        assertEquals(5, Settings.BEAMKEEP.getInt(), "the override from before the scope is back");
    }

    @Test
    void badNamesAndValuesSayWhatWasExpected() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Config.set("DEBGU", "2"));
        assertTrue(unknown.getMessage().contains("no setting named DEBGU") && unknown.getMessage().contains("DEBUG"), unknown.getMessage());
        Config.set("BEAMKEEP", "many");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, Settings.BEAMKEEP::getInt);
        assertTrue(bad.getMessage().startsWith("BEAMKEEP=many is not a valid integer"), bad.getMessage());
    }
}
