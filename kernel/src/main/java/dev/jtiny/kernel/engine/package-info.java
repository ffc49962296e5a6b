// What runs in the engine JVM, the child process whose JShell snippets are the notebook's cells.
/**
 * The remote agent JShell starts there ({@link dev.jtiny.kernel.engine.EngineAgent}), the calls cell code makes
 * ({@link dev.jtiny.kernel.engine.Display}'s {@code display}, {@code updateDisplay} and {@code image}, imported
 * statically at the engine's startup), the hooks the kernel's magics evaluate as snippets
 * ({@link dev.jtiny.kernel.engine.CellHooks}), and the renderers that turn a value into MIME data where the value
 * lives ({@code Rich}, {@code TensorHtml}, {@code TensorImage}). It depends on no other package of the kernel module:
 * it cannot speak Jupyter, and talks to the kernel only through the side channel that {@code EngineAgent} defines.
 * The kernel's {@code jupyter} package points down here, to name the agent class it launches and to read that channel.
 */
package dev.jtiny.kernel.engine;
