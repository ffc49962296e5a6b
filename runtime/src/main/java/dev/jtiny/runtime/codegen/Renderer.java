// Prints a linearized kernel as source code for one backend; each device holds the renderer for its language.
package dev.jtiny.runtime.codegen;

public interface Renderer {
    /** Source text for the kernel; {@code symbol} is the function (or class) name to define. */
    String render(LinearKernel kernel, String symbol);

    /** A kernel's source and the name it is compiled and launched by. */
    record Named(String symbol, String source) {}

    /**
     * The kernel's source under the name it is compiled by: its own name, unless the backend needs every compiled
     * name to be unique (Java classes), where the name carries a hash of the source.
     */
    default Named named(LinearKernel kernel) { return new Named(kernel.name(), render(kernel, kernel.name())); }
}
