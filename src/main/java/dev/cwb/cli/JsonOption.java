package dev.cwb.cli;

import picocli.CommandLine.Option;

/** The {@code --json} option every listing and inspect command shares (a picocli mixin). */
public final class JsonOption {
    @Option(names = "--json", description = "Print JSON instead of a table, for scripts and graders.")
    boolean json;

    public boolean enabled() {
        return json;
    }
}
