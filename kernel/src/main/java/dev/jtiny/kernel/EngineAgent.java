// The kernel's execution engine: runs in a child JVM, driven by the kernel through JShell's remote execution.
package dev.jtiny.kernel;

import dev.jtiny.Tensor;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
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
 * ({@link #varValue}, which JShell leaves alone) only when a cell ends in an expression it displays.
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

    // Declared here also because JShell's stop() looks for an "invoke" frame of the agent class.
    @Override protected String invoke(Method doitMethod) throws Exception {
        Object value = doitMethod.invoke(null);
        return value instanceof Tensor t ? t.describe() : valueString(value);
    }
}
