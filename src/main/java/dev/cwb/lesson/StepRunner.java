package dev.cwb.lesson;

import dev.cwb.CwbException;
import dev.cwb.Workbench;
import dev.cwb.cli.Commands;
import dev.cwb.lesson.check.CheckContext.LastCommand;
import dev.cwb.cli.LineSplitter;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a step's commands for real, as the learner would type them: workbench lines through the same
 * command tree as the shell, host lines with {@code /bin/sh -c} in the lesson's directory (with
 * {@code CWB_HOME} set, so {@code ls $CWB_HOME/images} means this workbench's store). What each prints goes
 * to the screen and is kept for {@code output-contains}.
 */
public final class StepRunner {
    private static final long HOST_TIMEOUT_SECONDS = 300;

    private final Workbench workbench;

    public StepRunner(Workbench workbench) {
        this.workbench = workbench;
    }

    /** Runs {@code command} (placeholders already expanded), showing its output on {@code screen}. */
    public LastCommand run(StepCommand command, Path work, Writer screen) {
        try {
            Files.createDirectories(work);
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot create the lesson directory " + work + ": " + CwbException.reason(e), "check that CWB_HOME is writable", e);
        }
        return command.kind() == StepCommand.Kind.WORKBENCH ? workbench(command.text(), screen) : host(command.text(), work, screen);
    }

    private LastCommand workbench(String line, Writer screen) {
        List<String> words = LineSplitter.split(line);
        Tee tee = new Tee(screen);
        PrintWriter out = new PrintWriter(tee, true);
        PrintWriter savedOut = workbench.out();
        PrintWriter savedErr = workbench.err();
        java.io.OutputStream savedOutBytes = workbench.outBytes();
        java.io.OutputStream savedErrBytes = workbench.errBytes();
        boolean terminal = workbench.terminalStdio();
        workbench.setOutput(out, out);
        // a container's command then writes through pipes into the tee, not straight to the terminal, so that
        // output-contains sees what it printed; a step's commands never need a terminal (verify has none)
        workbench.setTerminalStdio(false);
        try {
            int code = Commands.run(workbench, words.toArray(String[]::new));
            return new LastCommand(line, code, tee.captured());
        } finally {
            out.flush();
            workbench.setOutput(savedOut, savedErr, savedOutBytes, savedErrBytes);
            workbench.setTerminalStdio(terminal);
        }
    }

    private LastCommand host(String line, Path work, Writer screen) {
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", line).directory(work.toFile()).redirectErrorStream(true);
        builder.environment().put("CWB_HOME", workbench.home().root().toString());
        builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Tee tee = new Tee(screen);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            return new LastCommand(line, 127, "cannot run /bin/sh: " + e.getMessage());
        }
        // the output is copied on a thread of its own, so that this one can wait interruptibly: Ctrl-C in the
        // shell interrupts it, and the command (with whatever it started) is stopped
        Thread copier = new Thread(() -> copy(process, tee), "cwb-host-output");
        copier.setDaemon(true);
        copier.start();
        try {
            if (!process.waitFor(HOST_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                stop(process);
                copier.join(1000);
                return new LastCommand(line, 124, tee.captured() + "\n(stopped after " + HOST_TIMEOUT_SECONDS + " s)");
            }
            copier.join(5000); // a background child still holding the pipe must not keep the step waiting
            if (!tee.captured().isEmpty() && !tee.captured().endsWith("\n")) {
                tee.write("\n"); // the next prompt starts on a line of its own, as in a terminal
                tee.flush();
            }
            return new LastCommand(line, process.exitValue(), tee.captured());
        } catch (IOException e) {
            return new LastCommand(line, process.exitValue(), tee.captured());
        } catch (InterruptedException e) {
            stop(process);
            Thread.currentThread().interrupt();
            return new LastCommand(line, 130, tee.captured());
        }
    }

    private static void copy(Process process, Tee tee) {
        try (java.io.Reader in = new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)) {
            char[] buffer = new char[8192];
            for (int n; (n = in.read(buffer)) > 0; ) {
                synchronized (tee) {
                    tee.write(buffer, 0, n);
                    tee.flush();
                }
            }
        } catch (IOException e) {
            // the process is gone (or was stopped): what it printed so far is kept
        }
    }

    /** Stops a host command and everything it started. */
    private static void stop(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    /** Writes through to the screen and keeps a copy (without colour escapes) for the output checks. */
    private static final class Tee extends Writer {
        private final Writer screen;
        private final StringBuilder copy = new StringBuilder();

        Tee(Writer screen) {
            this.screen = screen;
        }

        @Override
        public void write(char[] cbuf, int off, int len) throws IOException {
            copy.append(cbuf, off, len);
            screen.write(cbuf, off, len);
        }

        @Override
        public void flush() throws IOException {
            screen.flush();
        }

        @Override
        public void close() throws IOException {
            flush();
        }

        String captured() {
            return copy.toString().replaceAll("\u001b\\[[0-9;]*m", "");
        }
    }
}
