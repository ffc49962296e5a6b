// The kernel's end of the engine's side channel: marked lines in the child's stdout become display messages.
package dev.jtiny.kernel;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sits between JShell's forwarded stdout of the child JVM and the notebook's stdout stream. A line that starts
 * with {@link EngineAgent#MARK} (anywhere: the 0x01 byte begins a candidate, so it works after output without a
 * line break too) is decoded and handed to the listener; every other byte passes through unchanged. Before a
 * message is handed on, the stdout written so far is flushed, so the notebook shows both in the order written.
 */
final class DisplayChannel extends OutputStream {
    /** Receives kind ("display", "update", "result"), id and MIME type -> data. */
    interface Listener {
        void message(String kind, String id, Map<String, String> data);
    }

    private static final byte[] MARK = EngineAgent.MARK.getBytes(StandardCharsets.UTF_8);
    private final PrintStream out;
    private final Listener listener;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private int matched; // bytes of MARK matched so far, MARK.length once inside a message

    DisplayChannel(PrintStream out, Listener listener) {
        this.out = out;
        this.listener = listener;
    }

    static PrintStream wrap(PrintStream out, Listener listener) {
        return new PrintStream(new DisplayChannel(out, listener), true, StandardCharsets.UTF_8);
    }

    @Override public synchronized void write(int b) {
        if (matched == MARK.length) {
            if (b == '\n') {
                String line = pending.toString(StandardCharsets.US_ASCII);
                pending.reset();
                matched = 0;
                out.flush();
                dispatch(line);
            } else {
                pending.write(b);
            }
        } else if (b == MARK[matched]) {
            matched++;
            if (matched == MARK.length) pending.reset();
        } else {
            if (matched > 0) {
                out.write(MARK, 0, matched);
                matched = 0;
                if (b == MARK[0]) { matched = 1; return; }
            }
            out.write(b);
        }
    }

    @Override public synchronized void write(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) write(b[i]);
    }

    @Override public void flush() { out.flush(); }

    private void dispatch(String line) {
        String[] parts = line.split(" ");
        if (parts.length < 2) return;
        var data = new LinkedHashMap<String, String>();
        for (int i = 2; i + 1 < parts.length; i += 2) data.put(decode(parts[i]), decode(parts[i + 1]));
        try {
            listener.message(parts[0], decode(parts[1]), data);
        } catch (RuntimeException e) {
            System.err.println("jtiny kernel: could not publish a display message: " + e);
        }
    }

    private static String decode(String s) {
        return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
    }
}
