// The README's configuration table and ./jtiny help list exactly the settings the runtime declares.
package dev.jtiny.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtiny.it.Processes.Result;
import dev.jtiny.runtime.Setting;
import dev.jtiny.runtime.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsDocsTest {
    @TempDir Path dir;

    private static TreeSet<String> declared() {
        TreeSet<String> names = new TreeSet<>();
        for (Setting<?> s : Settings.all()) names.add(s.name());
        return names;
    }

    @Test
    void theReadmeTableListsEverySettingAndNoOther() throws Exception {
        String readme = Files.readString(Processes.root().resolve("README.md"));
        int start = readme.indexOf("\n## Configuration\n");
        assertTrue(start >= 0, "README.md has no Configuration section");
        // The first table of the section: its rows up to the first line that is not a row.
        List<String> lines = readme.substring(start).lines().toList();
        int first = 0;
        while (first < lines.size() && !lines.get(first).startsWith("| name |")) first++;
        assertTrue(first < lines.size(), "the Configuration section has no '| name | meaning |' table");
        TreeSet<String> listed = new TreeSet<>();
        Pattern name = Pattern.compile("`([A-Z][A-Z0-9_]*)`");
        for (int i = first + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            String cell = lines.get(i).split("\\|")[1];
            Matcher m = name.matcher(cell);
            while (m.find()) listed.add(m.group(1));
        }
        assertEquals(declared(), listed, "README.md's Configuration table against Settings.all()");
    }

    @Test
    void jtinyHelpNamesEverySetting() throws Exception {
        Result r = Processes.run(dir, List.of(Processes.root().resolve("jtiny").toString(), "help"),
                Map.of("JAVA_HOME", System.getProperty("java.home"), "JTINY_NO_BUILD", "1"));
        assertEquals(0, r.exit(), r::toString);
        String settings = r.out().substring(r.out().indexOf("settings of the runtime"));
        TreeSet<String> listed = new TreeSet<>(List.of(settings.substring(settings.indexOf(":\n") + 2).trim().split("\\s+")));
        assertEquals(declared(), listed, "./jtiny help's settings against Settings.all()");
    }
}
