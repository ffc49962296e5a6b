// The kernel's execution engine: runs in a child JVM, driven by the kernel through JShell's remote execution.
package dev.jtiny.kernel;

import dev.jtiny.Tensor;
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
 * ({@link #varValue}, which JShell leaves alone) only when a cell ends in an expression it displays; for a tensor
 * that text carries an HTML table as well ({@link #RICH}, read back by {@link #rich}).
 */
public final class EngineAgent extends RemoteExecutionControl {
    /** Started by JShell in the child JVM with the port of the kernel's socket, as RemoteExecutionControl is. */
    public static void main(String[] args) throws Exception {
        Socket socket = new Socket((String) null, Integer.parseInt(args[0]));
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        Map<String, Consumer<OutputStream>> outputs = new HashMap<>();
        outputs.put("out", st -> System.setOut(new PrintStream(st, true, System.out.charset())));
        outputs.put("err", st -> System.setErr(new PrintStream(st, true, System.err.charset())));
        Map<String, Consumer<InputStream>> inputs = new HashMap<>();
        inputs.put("in", System::setIn);
        Util.forwardExecutionControlAndIO(new EngineAgent(), in, out, outputs, inputs);
    }

    /** Starts a value that has an HTML form: RICH, the HTML, RICH again, then the plain text. */
    static final String RICH = "\u0001jtiny-html\u0001";
    /** JShell's remote transport truncates a value beyond 21844 chars; the HTML must leave room for some text. */
    private static final int MAX_HTML = 16_000;

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
        if (value instanceof Tensor t) {
            try {
                boolean realized = t.isRealized();
                String html = TensorHtml.render(t, realized);
                if (html.length() <= MAX_HTML) return RICH + html + RICH + t;
            } catch (RuntimeException e) {
                // JShell's own text below reports the failure the way it always does.
            }
        }
        return super.varValue(className, varName);
    }

    /** {html, plain} of a value from {@link #varValue}, or null when it is plain text only. */
    static String[] rich(String value) {
        if (value == null || !value.startsWith(RICH)) return null;
        int end = value.indexOf(RICH, RICH.length());
        if (end < 0) return null;
        return new String[] {value.substring(RICH.length(), end), value.substring(end + RICH.length())};
    }

    // Declared here also because JShell's stop() looks for an "invoke" frame of the agent class.
    @Override protected String invoke(Method doitMethod) throws Exception {
        Object value = doitMethod.invoke(null);
        return value instanceof Tensor t ? t.describe() : valueString(value);
    }
}
