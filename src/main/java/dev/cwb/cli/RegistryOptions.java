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

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "How long the registry may send nothing (no answer, or no bytes of a download)"
            + " before the request is retried or the download resumed (default: ${DEFAULT-VALUE}; decimals allowed).", defaultValue = "30")
    double timeoutSeconds;

    boolean explain() {
        return explain;
    }

    RegistrySettings settings(dev.cwb.Workbench workbench) {
        if (!(timeoutSeconds >= 0.1 && timeoutSeconds <= 24 * 3600)) {
            throw dev.cwb.CwbException.badInput("--timeout " + timeoutSeconds + " is not a number of seconds the registry may stay quiet",
                    "give 0.1 to 86400 seconds (the default is 30)");
        }
        return RegistrySettings.from(workbench.registryEnvironment(), insecure)
                .withStallTimeout(java.time.Duration.ofMillis(Math.round(timeoutSeconds * 1000)));
    }

    HttpTrace trace(PrintWriter out) {
        return explain ? new ExplainPrinter(out) : HttpTrace.NONE;
    }
}
