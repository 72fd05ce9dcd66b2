package dev.cwb.cli;

import dev.cwb.registry.ExplainPrinter;
import dev.cwb.registry.HttpTrace;
import dev.cwb.registry.RegistrySettings;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** The options {@code pull} and {@code push} share (a picocli mixin). */
public final class RegistryOptions {
    @Option(names = "--explain", description = "Print every HTTP request and the response headers that matter, in order (secrets redacted).")
    boolean explain;

    @Option(names = "--insecure-registry", paramLabel = "HOST[:PORT]", description = "Speak plain HTTP to this registry (repeatable).")
    List<String> insecure = new ArrayList<>();

    boolean explain() {
        return explain;
    }

    RegistrySettings settings(dev.cwb.Workbench workbench) {
        return RegistrySettings.from(workbench.registryEnvironment(), insecure);
    }

    HttpTrace trace(PrintWriter out) {
        return explain ? new ExplainPrinter(out) : HttpTrace.NONE;
    }
}
