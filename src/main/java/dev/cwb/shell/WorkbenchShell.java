package dev.cwb.shell;

import dev.cwb.Workbench;

/** The interactive JLine shell (to be built). */
public final class WorkbenchShell {
    private final Workbench workbench;

    public WorkbenchShell(Workbench workbench) {
        this.workbench = workbench;
    }

    public int run() {
        workbench.err().println("error: the interactive shell is not built yet");
        return 1;
    }
}
