// The kernel module's ground floor: what every session starts with, shared by the Jupyter kernel and the command line.
/**
 * {@link dev.jtiny.kernel.Startup} alone lives here: the imports and JTINY_STARTUP scripts that a notebook (through
 * {@code jupyter}), {@code jtiny run} and {@code jtiny jshell} (through {@code cli}) all begin with. It points at no
 * sub-package; {@code cli} and {@code jupyter} point down to it. Dependencies inside the module run one way:
 * {@code cli} → {@code jupyter} → {@code engine}, and {@code cli}, {@code jupyter} → this package.
 */
package dev.jtiny.kernel;
