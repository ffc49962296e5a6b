// Every document a help text points to (%help, %lsmagic, ./jtiny help) is in the repository.
package dev.jtiny.magics;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HelpDocsTest {
    /** A file name ending in .md, with the folders before it, as a help text would name it. */
    private static final Pattern DOC = Pattern.compile("[A-Za-z0-9_./-]*\\.md\\b");

    private static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("jtiny")) && Files.isRegularFile(p.resolve("pom.xml"))) return p;
        }
        throw new AssertionError("no folder above " + Path.of("").toAbsolutePath() + " holds the jtiny launcher");
    }

    @Test
    void documentsNamedInHelpTextsExist() throws IOException {
        Path root = root();
        List<String> texts = new ArrayList<>();
        for (MagicSpec m : MagicSpec.all()) texts.addAll(List.of(m.usage(), m.help(), m.java()));
        texts.add(Files.readString(root.resolve("jtiny"))); // its usage() is what ./jtiny help prints
        List<String> missing = new ArrayList<>();
        for (String text : texts) {
            Matcher m = DOC.matcher(text);
            while (m.find()) {
                if (!Files.isRegularFile(root.resolve(m.group()))) missing.add(m.group());
            }
        }
        assertEquals(List.of(), missing, "help texts name documents that are not in " + root);
    }

    @Test
    void theDebugHelpSaysWhatEachLevelAdds() {
        String help = MagicSpec.all().stream().filter(m -> m.name().equals("debug")).findFirst().orElseThrow().help();
        for (String level : List.of("1 devices opened", "2 one '*** ' line", "3 launch dims", "4 each kernel's source", "5 its input graph")) {
            assertTrue(help.contains(level), () -> "%help debug does not explain level " + level + ": " + help);
        }
    }
}
