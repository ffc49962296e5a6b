// Prints a linearized kernel as source code for one backend.
package dev.jtiny.runtime.codegen;

public interface Renderer {
    /** Source text for the kernel; {@code symbol} is the function (or class) name to define. */
    String render(LinearKernel kernel, String symbol);

    static Renderer forLanguage(String language) {
        return switch (language) {
            case "opencl" -> new OpenCLRenderer();
            case "java" -> new JavaRenderer();
            default -> throw new IllegalArgumentException("no renderer for language " + language);
        };
    }
}
