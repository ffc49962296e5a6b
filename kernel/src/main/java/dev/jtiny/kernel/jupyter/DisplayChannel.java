// The kernel's end of the engine's side channel: marked lines in the child's stdout become display messages.
package dev.jtiny.kernel.jupyter;

import dev.jtiny.kernel.engine.EngineAgent;
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
    private final byte[] charBytes = new byte[4]; // a UTF-8 character being passed on
    private int charLength, charCount;

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
            pass(b);
        }
    }

    /**
     * Passes one byte on, holding back a multi-byte UTF-8 character until it is whole: the notebook's stream
     * decodes what it has at each flush, and half a character would become two replacement characters.
     */
    private void pass(int b) {
        b &= 0xff;
        if (charLength == 0) {
            int length = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
            if (length == 1) {
                out.write(b);
                return;
            }
            charLength = length;
            charCount = 0;
        } else if ((b & 0xc0) != 0x80) { // not a continuation: give up on the broken character
            for (int i = 0; i < charCount; i++) out.write(charBytes[i]);
            charLength = 0;
            pass(b);
            return;
        }
        charBytes[charCount++] = (byte) b;
        if (charCount == charLength) { // byte by byte: PrintStream.write(byte[]) would flush a message each time
            for (int i = 0; i < charCount; i++) out.write(charBytes[i]);
            charLength = 0;
        }
    }

    @Override public synchronized void write(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) write(b[i]);
    }

    /**
     * JShell flushes after every write of the child's output; passing each flush on would send one stream message
     * per print (thousands for a loop). Output is sent at most every {@value #FLUSH_MS} ms instead, when a display
     * message needs it in order, and at the end of each cell ({@link #flushNow}).
     */
    @Override public void flush() {
        if (flushScheduled.compareAndSet(false, true)) {
            FLUSHER.schedule(() -> {
                flushScheduled.set(false);
                synchronized (this) { // never between the bytes of one character (see pass)
                    out.flush();
                }
            }, FLUSH_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    static final int FLUSH_MS = 50;
    private static final java.util.concurrent.ScheduledExecutorService FLUSHER =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "jtiny-stdout-flush");
                t.setDaemon(true);
                return t;
            });
    private final java.util.concurrent.atomic.AtomicBoolean flushScheduled = new java.util.concurrent.atomic.AtomicBoolean();

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
