package dev.cwb.cli;

import dev.cwb.Workbench;
import dev.cwb.WorkbenchHome;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

/** Runs commands against a workbench in a temporary home and captures what a user would see. */
public final class CommandHarness {
    private final Workbench workbench;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    public CommandHarness(Path home) {
        workbench = new Workbench(new WorkbenchHome(home), new PrintWriter(out, true), new PrintWriter(err, true));
    }

    public Workbench workbench() {
        return workbench;
    }

    /** Runs one command line; returns the exit code. Output accumulates until {@link #reset()}. */
    public int run(String... args) {
        return Commands.run(workbench, args);
    }

    public String out() {
        return out.toString();
    }

    public String err() {
        return err.toString();
    }

    public void reset() {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
    }
}
