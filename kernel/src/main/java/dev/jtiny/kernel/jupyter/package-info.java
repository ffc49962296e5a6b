// What runs in the Jupyter kernel's process: the protocol, the magics' parsing, and the engine JVM's keeper.
/**
 * {@link dev.jtiny.kernel.jupyter.JtinyKernel} speaks ZeroMQ to the frontend through jjava-jupyter; {@code CellMagics}
 * splits a cell into Java and magics and turns magics into calls; {@code Engine} drives the JShell whose snippets run
 * in the child JVM and starts a fresh one when it dies; {@code DisplayChannel} takes the engine's display messages out
 * of its stdout; {@code MavenArtifacts} resolves {@code %maven} here, so the engine's class path grows without the
 * engine resolving anything. It depends on {@code engine} (the agent class it launches, the side channel's marks,
 * the hooks its magics call) and on {@code dev.jtiny.kernel} ({@code Startup}); only {@code cli} depends on it.
 */
package dev.jtiny.kernel.jupyter;
