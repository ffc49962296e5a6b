// In-process JShell execution that never computes a tensor just to describe a value.
package dev.jtiny.kernel.cli;

import dev.jtiny.Tensor;
import jdk.jshell.execution.DirectExecutionControl;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Map;

/**
 * JShell turns the value of every snippet and declared variable into a string as soon as it runs. For a tensor
 * that would call toString and realize it, which defeats laziness: {@code var y = x.matmul(w);} would launch
 * kernels before the script asks for anything. This engine describes tensors without computing them.
 */
final class LazyValues implements ExecutionControlProvider {
    @Override public String name() { return "jtiny-local"; }

    @Override public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
        return new DirectExecutionControl() {
            @Override protected String invoke(Method doitMethod) throws Exception {
                // Scripts run on the calling thread; JShell's own stop() support is not needed here.
                Object value = doitMethod.invoke(null);
                return value instanceof Tensor t ? t.describe() : valueString(value);
            }

            @Override public String varValue(String className, String varName) throws ExecutionControl.RunException,
                    ExecutionControl.EngineTerminationException, ExecutionControl.InternalException {
                try {
                    Field f = findClass(className).getDeclaredField(varName);
                    f.setAccessible(true);
                    if (f.get(null) instanceof Tensor t) return t.describe();
                } catch (ReflectiveOperationException | RuntimeException e) {
                    // JShell's own description below.
                }
                return super.varValue(className, varName);
            }
        };
    }
}
