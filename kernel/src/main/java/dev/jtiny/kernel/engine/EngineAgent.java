// The kernel's execution engine: runs in a child JVM, driven by the kernel through JShell's remote execution.
package dev.jtiny.kernel.engine;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.KernelLog;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.Socket;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import jdk.jshell.execution.RemoteExecutionControl;
import jdk.jshell.execution.Util;

/**
 * JShell's own remote agent, except that running a snippet describes a tensor ({@code Tensor(shape=..., lazy)})
 * instead of printing it: {@code var y = x.matmul(w);} must not launch kernels. The kernel asks for the full text
 * ({@link #varValue}, which JShell leaves alone) only when a cell ends in an expression it displays; for a tensor,
 * a Tablesaw table, an image, a chart or a magic's result the rich form ({@link Rich}) goes to the kernel through the side channel
 * ({@link #send}) and the text names it ({@link #REF}, read back by {@link #rich}).
 */
public final class EngineAgent extends RemoteExecutionControl {
    /** Started by JShell in the child JVM with the port of the kernel's socket, as RemoteExecutionControl is. */
    public static void main(String[] args) throws Exception {
        Socket socket = new Socket((String) null, Integer.parseInt(args[0]));
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        Map<String, Consumer<OutputStream>> outputs = new HashMap<>();
        outputs.put("out", st -> {
            channel = new PrintStream(st, true, System.out.charset());
            System.setOut(channel);
        });
        outputs.put("err", st -> System.setErr(new PrintStream(st, true, System.err.charset())));
        Map<String, Consumer<InputStream>> inputs = new HashMap<>();
        inputs.put("in", System::setIn);
        Util.forwardExecutionControlAndIO(new EngineAgent(), in, out, outputs, inputs);
    }

    /**
     * The side channel to the kernel: the child's stdout as JShell forwards it, kept here so that a cell that
     * replaces System.out does not cut it. A message is one line: {@link #MARK}, kind, id, then MIME type and data
     * pairs, each base64 (so that neither holds a space or a line break). The kernel's {@code DisplayChannel}
     * takes such lines out of the stream before the rest reaches the notebook as stdout. JShell forwards output
     * written during a command before the command's answer, so a line sent by {@link #varValue} has reached the
     * kernel when varValue returns; the payload has no size limit (JShell's value string has one, 21844 chars).
     */
    public static final String MARK = "\u0001jtiny-display\u0001";
    /** Starts a value whose rich form went through the side channel: REF, the id, REF again, the plain text. */
    public static final String REF = "\u0001jtiny-result\u0001";
    private static volatile PrintStream channel;
    private static final java.util.concurrent.atomic.AtomicLong RESULTS = new java.util.concurrent.atomic.AtomicLong();

    /** Sends one message to the kernel ("display", "update" or "result"); MIME type -> data. */
    static void send(String kind, String id, Map<String, String> data) {
        var line = new StringBuilder(MARK).append(kind).append(' ').append(b64(id));
        data.forEach((mime, value) -> line.append(' ').append(b64(mime)).append(' ').append(b64(value)));
        PrintStream out = channel != null ? channel : System.out;
        synchronized (out) {
            out.print(line.append('\n'));
            out.flush();
        }
    }

    private static String b64(String s) {
        return java.util.Base64.getEncoder().encodeToString(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override public String varValue(String className, String varName) throws RunException, EngineTerminationException,
            InternalException {
        Object value;
        try {
            Field f = findClass(className).getDeclaredField(varName);
            f.setAccessible(true);
            value = f.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return super.varValue(className, varName);
        }
        if (Rich.isRich(value)) {
            try {
                Map<String, String> data = Rich.render(value, null);
                if (data.size() > 1) {
                    String id = "result-" + RESULTS.incrementAndGet();
                    send("result", id, data);
                    return REF + id + REF + data.get("text/plain");
                }
            } catch (RuntimeException e) {
                // JShell's own text below reports the failure the way it always does.
            }
        }
        return super.varValue(className, varName);
    }

    /** Snippet id -> the kernel log's marks before and after it ran: how %kernels finds the previous cell's kernels. */
    private static final Map<String, long[]> MARKS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.util.regex.Pattern SNIPPET_ID = java.util.regex.Pattern.compile("\\$JShell\\$(\\d+)");

    /**
     * The kernel-log entries of the snippets {@code ids} (a cell's), as [first mark before, last mark after]; {0, 0}
     * when none of them ran.
     */
    public static long[] marks(String... ids) {
        long from = Long.MAX_VALUE, to = Long.MIN_VALUE;
        for (String id : ids) {
            long[] m = MARKS.get(id);
            if (m == null) continue;
            from = Math.min(from, m[0]);
            to = Math.max(to, m[1]);
        }
        return from == Long.MAX_VALUE ? new long[] {0, 0} : new long[] {from, to};
    }

    /** {id, plain} of a value from {@link #varValue} whose rich form went through the side channel, or null. */
    public static String[] rich(String value) {
        if (value == null || !value.startsWith(REF)) return null;
        int end = value.indexOf(REF, REF.length());
        if (end < 0) return null;
        return new String[] {value.substring(REF.length(), end), value.substring(end + REF.length())};
    }

    // Declared here also because JShell's stop() looks for an "invoke" frame of the agent class.
    @Override protected String invoke(Method doitMethod) throws Exception {
        long before = KernelLog.mark();
        Object value;
        try {
            value = doitMethod.invoke(null);
        } finally {
            var id = SNIPPET_ID.matcher(doitMethod.getDeclaringClass().getName());
            if (id.find()) MARKS.put(id.group(1), new long[] {before, KernelLog.mark()});
        }
        return value instanceof Tensor t ? t.describe() : valueString(value);
    }
}
