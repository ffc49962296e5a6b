// The jtiny command line behind ./jtiny and the kernelspec: run, demo, jshell and kernel.
/**
 * {@link dev.jtiny.kernel.cli.Cli} is the main class; {@code jtiny run} and {@code demo} run a script in this JVM
 * ({@code ScriptRunner}, with {@code LazyValues} as JShell's in-process execution engine so that a tensor is
 * described, not computed), {@code jtiny jshell} starts the stock JShell tool, and {@code jtiny kernel} hands over to
 * {@code jupyter}. It sits on top: it depends on {@code jupyter} and on {@code dev.jtiny.kernel} ({@code Startup}),
 * and nothing in the module depends on it.
 */
package dev.jtiny.kernel.cli;
