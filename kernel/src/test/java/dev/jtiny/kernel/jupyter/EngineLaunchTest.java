// The engine JVM's launch is tried again when it fails, and a launch that never works says so after the last try.
package dev.jtiny.kernel.jupyter;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class EngineLaunchTest {
    @Test
    void aLaunchThatFailsIsTriedThreeTimesThenReported() {
        var log = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(new PrintStream(log, true));
        try {
            var sink = new PrintStream(new ByteArrayOutputStream());
            // A JVM option no JVM accepts: every launch fails the way a crashed or unreachable engine does.
            var e = assertThrows(IllegalStateException.class, () -> new Engine(System.getProperty("java.class.path"),
                    List.of("-XX:+NoSuchJtinyOption"), List.of(), 30, sink, sink, InputStream.nullInputStream()));
            assertTrue(e.getMessage().startsWith("Launching JShell execution engine threw"), e::getMessage);
        } finally {
            System.setErr(saved);
        }
        String text = log.toString();
        assertTrue(text.contains("the engine JVM did not start") && text.contains("attempt 2 of 3") && text.contains("attempt 3 of 3"), text);
        assertTrue(!text.contains("attempt 4"), text);
    }
}
