package dev.cwb.cli;

import dev.cwb.Workbench;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * The base of every command: it gets the session's {@link Workbench} (injected by {@link CommandFactory})
 * and prints through the picocli spec's writers, so tests can capture the output. A command parses and
 * prints; the work lives in the domain packages.
 */
public abstract class WorkbenchCommand implements Callable<Integer> {
    protected Workbench workbench;

    @Spec
    protected CommandSpec spec;

    void setWorkbench(Workbench workbench) {
        this.workbench = workbench;
    }

    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    @Override
    public final Integer call() throws Exception {
        int code = run();
        out().flush();
        return code;
    }

    /** Does the command's work; returns the exit code (0 on success). Errors are {@link dev.cwb.CwbException}s. */
    protected abstract int run() throws Exception;
}
