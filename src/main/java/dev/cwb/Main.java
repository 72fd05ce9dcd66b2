package dev.cwb;

import dev.cwb.cli.Commands;
import dev.cwb.shell.ScriptRunner;
import dev.cwb.shell.WorkbenchShell;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Starts the workbench in one of three ways:
 * <ul>
 *   <li>{@code cwb} on a terminal: the interactive shell;</li>
 *   <li>{@code cwb COMMAND ARGS...}: one command, exit code = its result;</li>
 *   <li>{@code cwb --script FILE}, or commands piped on stdin: many commands, stopping at the first failure.</li>
 * </ul>
 * Global options come before the command: {@code --debug}, {@code --no-color}, {@code --script FILE},
 * {@code --keep-going}, {@code --demo N} and {@code --pace MS} (a lesson played for an audience), {@code --version}, {@code --help}.
 */
public final class Main {
    public static final String VERSION = "0.1.0";

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.in));
    }

    static int run(String[] args, InputStream stdin) {
        dev.cwb.kernel.JnaStart.configure(); // before JNA's first use, here or in JLine's terminal
        Hush outText = new Hush(System.out);
        Hush errText = new Hush(System.err);
        PrintWriter out = new PrintWriter(new OutputStreamWriter(outText, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(errText, StandardCharsets.UTF_8), true);
        boolean debug = false;
        boolean color = System.console() != null && System.getenv("NO_COLOR") == null;
        boolean keepGoing = false;
        boolean rootless = false;
        Path script = null;
        String demo = null;
        String pace = "";
        int i = 0;
        options:
        for (; i < args.length; i++) {
            switch (args[i]) {
                case "--debug" -> debug = true;
                case "--no-color" -> color = false;
                case "--keep-going" -> keepGoing = true;
                case "--rootless" -> rootless = true;
                case "--version" -> {
                    out.println("cwb " + VERSION);
                    return 0;
                }
                case "--help", "-h" -> {
                    out.println(USAGE);
                    return 0;
                }
                case "--demo", "--pace" -> {
                    if (i + 1 >= args.length || !args[i + 1].matches("\\d+")) {
                        err.println("error: " + args[i] + " needs a number — usage: cwb --demo LESSON [--pace MILLISECONDS_PER_CHARACTER]");
                        return CwbException.USAGE;
                    }
                    if (args[i].equals("--demo")) {
                        demo = args[++i];
                    } else {
                        pace = " " + args[++i];
                    }
                }
                case "--script" -> {
                    if (i + 1 >= args.length) {
                        err.println("error: --script needs a file — usage: cwb --script FILE");
                        return CwbException.USAGE;
                    }
                    script = Path.of(args[++i]);
                }
                default -> {
                    break options; // the command starts here
                }
            }
        }
        List<String> command = new ArrayList<>(Arrays.asList(args).subList(i, args.length));

        Workbench workbench = new Workbench(WorkbenchHome.fromEnvironment(), out, err);
        PrintWriter textOut = out;
        PrintWriter textErr = err;
        if (!workbench.unicode()) {
            // a C/POSIX locale: the few symbols we print become ASCII rather than mojibake
            textOut = new PrintWriter(new dev.cwb.view.AsciiWriter(out), true);
            textErr = new PrintWriter(new dev.cwb.view.AsciiWriter(err), true);
        }
        // what the workbench passes through (a container's output, a file's content) goes to descriptors 1
        // and 2 as the same bytes, unbuffered: each write is one write(2), after the text before it is flushed
        java.io.OutputStream stdout = new FlushingFirst(out, new FileOutputStream(FileDescriptor.out));
        workbench.setOutput(textOut, textErr, stdout, new FlushingFirst(err, new FileOutputStream(FileDescriptor.err)));
        workbench.setRawOutput(stdout, () -> System.console() == null && !dev.cwb.kernel.Kernel.isTerminal(1));
        workbench.setDebug(debug);
        workbench.setColor(color);
        workbench.setRootless(rootless);
        int uid = WorkbenchHome.effectiveUid();
        if (uid >= 0) {
            // state directories narrowed to 0700, and anyone who could swap $CWB_HOME named, before any command
            HomeSafety.check(workbench.home(), uid).forEach(workbench.err()::println);
        }
        // a container's command gets a terminal (a pty of its container, relayed) when the workbench's own 0 and 1 are one
        workbench.detectTerminalStdio(() -> dev.cwb.kernel.Kernel.isTerminal(0) && dev.cwb.kernel.Kernel.isTerminal(1));
        workbench.setConfirmer(question -> askAtTerminal(workbench, question)); // the shell puts its own in
        // the thread running a one-shot command or a script, until it has finished (for the shutdown hook)
        java.util.concurrent.atomic.AtomicReference<Thread> running = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.CountDownLatch commandDone = new java.util.concurrent.CountDownLatch(1);
        Thread teardown = new Thread(() -> {
            // SIGTERM, SIGHUP (terminal closed), or a normal exit. The command's thread may still be running
            // (in the middle of a run, the hook kills its PID 1): what it would print from here on — how the
            // command ended, an error about the container the hook took away — races the JVM's halt, so
            // it is not printed at all. The hook removes each container once, and says only what it could not.
            outText.hush();
            errText.hush();
            Thread commandThread = running.get();
            if (commandThread != null) {
                workbench.containers().refuseNew(); // a script's next run must not start meanwhile
            }
            if (commandThread != null && !workbench.containers().removing()) {
                // as a first Ctrl-C: the command stops and rolls back in its own way (a run takes its container
                // down, a detached one's shim keeps the workspace and records how PID 1 ended, a load or pull
                // deletes what it half-wrote), then the rest goes below; a removal already under way is not cut short
                commandThread.interrupt();
                try {
                    commandDone.await(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    // the JVM goes on with its shutdown
                }
            }
            if (workbench.containersInUse()) {
                List<String> problems = workbench.containers().shutDown();
                if (!problems.isEmpty()) {
                    PrintWriter last = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8));
                    problems.forEach(p -> last.println("warning: " + p));
                    last.flush();
                }
            }
        }, "cwb-teardown");
        Runtime.getRuntime().addShutdownHook(teardown);
        try {
            if (demo != null) {
                dev.cwb.lesson.LessonLibrary.open().get(Integer.parseInt(demo)); // a missing lesson is one error line, before any screen is cleared
                return new WorkbenchShell(workbench).startingWith(List.of(":demo " + demo + pace)).run();
            }
            if (!command.isEmpty()) {
                if (System.console() != null) {
                    workbench.setTerminalWidth(dev.cwb.kernel.Kernel.terminalColumns(1));
                }
                CtrlC ctrlC = CtrlC.interruptThisThread();
                running.set(Thread.currentThread());
                try {
                    int code = Commands.run(workbench, command.toArray(String[]::new));
                    return ctrlC.pressed() ? Commands.CANCELLED : code;
                } finally {
                    running.set(null);
                    commandDone.countDown();
                }
            }
            if (script != null) {
                try (InputStream in = Files.newInputStream(script)) {
                    CtrlC.interruptThisThread();
                    running.set(Thread.currentThread());
                    return new ScriptRunner(workbench, keepGoing).run(in, script.toString());
                } catch (NoSuchFileException e) {
                    err.println("error: no such script file '" + dev.cwb.view.Excerpt.of(dev.cwb.view.Printable.of(script.toString())) + "' — check the path");
                    return CwbException.NOT_FOUND;
                } catch (IOException e) {
                    return Commands.report(workbench, CwbException.io("cannot read the script " + script, e, "give --script a text file of commands"));
                }
            }
            if (System.console() == null) {
                running.set(Thread.currentThread());
                return new ScriptRunner(workbench, keepGoing).run(stdin, "standard input");
            }
            return new WorkbenchShell(workbench).run();
        } catch (IOException e) {
            return Commands.report(workbench, new CwbException(CwbException.IO, e.getMessage(), null, e));
        } catch (RuntimeException e) {
            return Commands.report(workbench, e);
        } finally {
            running.set(null);
            commandDone.countDown();
        }
    }

    /**
     * A one-shot command's question at the terminal: the answer is a line typed on descriptor 0 (cooked, so
     * it is echoed and can be corrected); y or yes is yes. Read after poll(2), so a Ctrl-C (this thread's
     * interrupt) ends the wait.
     */
    static boolean askAtTerminal(Workbench workbench, String question) throws InterruptedException {
        workbench.out().flush();
        workbench.err().print(question + " [y/N] ");
        workbench.err().flush();
        StringBuilder line = new StringBuilder();
        byte[] one = new byte[1];
        while (true) {
            if (Thread.interrupted()) {
                workbench.err().println();
                throw new InterruptedException();
            }
            if (!dev.cwb.kernel.Pty.readable(0, 100)) {
                continue;
            }
            if (dev.cwb.kernel.Kernel.read(0, one) <= 0 || one[0] == '\n') {
                break; // end of input is no
            }
            line.append((char) (one[0] & 0xff));
        }
        String answer = line.toString().strip();
        return answer.equalsIgnoreCase("y") || answer.equalsIgnoreCase("yes");
    }

    /**
     * Ctrl-C in one-shot and script mode. Java's default answer to SIGINT is to exit at once, which would
     * skip the clean-up of a half-done load or unpack. Instead the first Ctrl-C interrupts the command (which
     * rolls back, as it does in the shell) and a second one exits immediately.
     */
    static final class CtrlC {
        private final java.util.concurrent.atomic.AtomicInteger presses = new java.util.concurrent.atomic.AtomicInteger();

        static CtrlC interruptThisThread() {
            CtrlC ctrlC = new CtrlC();
            Thread command = Thread.currentThread();
            try {
                sun.misc.Signal.handle(new sun.misc.Signal("INT"), signal -> {
                    if (ctrlC.presses.incrementAndGet() > 1) {
                        Runtime.getRuntime().halt(Commands.CANCELLED);
                    }
                    command.interrupt();
                });
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // no SIGINT here (not a POSIX system): Java's default stays
            }
            return ctrlC;
        }

        boolean pressed() {
            return presses.get() > 0;
        }
    }

    /**
     * The workbench's text on its way to a standard stream, until {@link #hush}: then dropped. (A container's
     * bytes do not pass here: they go to the descriptor directly.)
     */
    private static final class Hush extends java.io.FilterOutputStream {
        private volatile boolean hushed;

        Hush(java.io.OutputStream out) {
            super(out);
        }

        void hush() {
            hushed = true;
        }

        @Override
        public void write(int b) throws IOException {
            if (!hushed) {
                out.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (!hushed) {
                out.write(b, off, len);
            }
        }

        @Override
        public void flush() throws IOException {
            if (!hushed) {
                out.flush();
            }
        }
    }

    /** A descriptor's byte stream that first flushes the text written to the same descriptor, so both keep their order. */
    private static final class FlushingFirst extends java.io.OutputStream {
        private final PrintWriter text;
        private final java.io.OutputStream bytes;

        FlushingFirst(PrintWriter text, java.io.OutputStream bytes) {
            this.text = text;
            this.bytes = bytes;
        }

        @Override
        public void write(int b) throws IOException {
            text.flush();
            bytes.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            text.flush();
            bytes.write(b, off, len);
        }
    }

    static final String USAGE = """
            Usage: cwb [--debug] [--no-color] [--rootless]      open the workbench shell
                   cwb [--debug] COMMAND [ARGS...]              run one command and exit
                   cwb [--debug] [--keep-going] --script FILE   run the commands in FILE
                   cwb --demo N [--pace MS]                     play lesson N for an audience (then the shell)
                   ... | cwb                                    run the commands piped on stdin
            --rootless gives every container a user namespace first (root inside = you outside),
            so a user without root can do the steps the kernel allows there.
            Type 'cwb help' for the list of commands. Images live in $CWB_HOME
            (default /var/lib/cwb as root, ~/.local/share/cwb otherwise).""";
}
