// jtiny's own class in jjava-jupyter's package: JtinyKernel replaces BaseKernel's execute handler, which needs
// JupyterIO's protected methods (the class path has no module boundary between the two jars).
package org.dflib.jjava.jupyter.kernel;

import org.dflib.jjava.jupyter.channels.ShellReplyEnvironment;

public final class JtinyIoAccess {
    private JtinyIoAccess() {}

    /** What BaseKernel.handleExecuteRequest does to route a cell's streams and stdin through {@code env}. */
    public static void attach(JupyterIO io, ShellReplyEnvironment env, boolean stdinEnabled) {
        io.setEnv(env);
        env.defer(() -> io.retractEnv(env));
        io.setJupyterInEnabled(stdinEnabled);
    }
}
