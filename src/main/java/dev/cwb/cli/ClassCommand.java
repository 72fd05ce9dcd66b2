package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.classroom.ClassClient;
import dev.cwb.classroom.ClassMembership;
import dev.cwb.classroom.ClassPage;
import dev.cwb.classroom.ClassRoom;
import dev.cwb.classroom.ClassServer;
import dev.cwb.classroom.ProgressReport;
import dev.cwb.classroom.StepState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Path;
import java.util.Collections;
import java.util.concurrent.CountDownLatch;

/**
 * {@code class serve | join | leave | show}: a teacher's live view of the room. The teacher runs
 * {@code class serve} and opens the page it names; each student runs {@code class join URL CODE}, and from
 * then on their workbench sends each change of their lesson progress to it (see {@link ClassClient}).
 */
@Command(name = "class", description = "A teacher's live class view: class serve (the teacher), class join URL CODE (each student), class leave, class show.",
        subcommands = {ClassCommand.Serve.class, ClassCommand.Join.class, ClassCommand.Leave.class, ClassCommand.Show.class},
        footer = {"", "See docs/teachers.md. Progress is sent only after 'class join', only to that server, with its join code."})
public final class ClassCommand extends WorkbenchCommand {
    @Override
    protected int run() {
        Path home = workbench.home().root();
        ClassMembership.read(home).ifPresentOrElse(
                m -> out().println("Joined the class at " + m.url() + " as " + m.name() + ". 'class leave' stops sending progress."),
                () -> out().println("Not in a class. A student: class join URL CODE [--name NAME]; a teacher: class serve."));
        return 0;
    }

    static Path roomFile(Path home) {
        return home.resolve("class").resolve("room.json");
    }

    @Command(name = "serve", description = "Serve the class view until Ctrl-C: a page with one row per student and one cell per step.",
            footer = {"", "The page and its API (/api/progress, /api/progress.csv) need the key in the address printed;",
                    "students need the join code. A second 'class serve' resumes the same class; --new starts another."})
    static final class Serve extends WorkbenchCommand {
        @Option(names = "--bind", paramLabel = "ADDR", description = "The address to listen on (default: 127.0.0.1, this machine only; 0.0.0.0 for a lab network).")
        String bind = "127.0.0.1";

        @Option(names = {"-p", "--port"}, paramLabel = "N", description = "The port (default: " + ClassServer.DEFAULT_PORT + ").")
        int port = ClassServer.DEFAULT_PORT;

        @Option(names = "--lesson", paramLabel = "N", description = "Show this lesson's steps for everyone (default: each student's latest lesson).")
        Integer lesson;

        @Option(names = "--new", description = "Start a new class: a new join code and key, no students.")
        boolean fresh;

        @Override
        protected int run() throws Exception {
            if (port < 0 || port > 65535) {
                throw CwbException.badInput("port " + port + " is out of range", "give a port from 1 to 65535 (0: any free one)");
            }
            ClassRoom room = ClassRoom.open(roomFile(workbench.home().root()), fresh);
            String host = advertisedHost(bind);
            try (ClassServer server = ClassServer.start(room, bind, port, lesson, null, System::currentTimeMillis)) {
                // With --port 0 the port is known only now that the server listens.
                String join = "./cwb class join http://" + host + ":" + server.port() + " " + room.code() + " --name YOUR-NAME";
                server.setJoinLine("Students run: " + join);
                out().println("Class view:  http://" + host + ":" + server.port() + "/?key=" + room.key() + "   (open it in a browser: the key lets you see the class)");
                out().println("Join code:   " + room.code() + "   (" + room.size() + " students so far)");
                out().println("Each student runs:  " + join);
                out().println("Ctrl-C stops serving; the class is kept in " + room.file() + ", and 'class serve' again resumes it.");
                out().flush();
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                out().println("Stopped serving the class (" + room.size() + " students); it is kept in " + room.file() + ".");
            }
            return 0;
        }

        /** What students type to reach this machine: the bound address, or for a wildcard this machine's first non-loopback IPv4 address. */
        static String advertisedHost(String bind) throws java.io.IOException {
            InetAddress a = InetAddress.getByName(bind);
            if (!a.isAnyLocalAddress()) {
                return a instanceof Inet4Address ? a.getHostAddress() : "[" + a.getHostAddress() + "]";
            }
            for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (n.isUp() && !n.isLoopback()) {
                    for (InetAddress i : Collections.list(n.getInetAddresses())) {
                        if (i instanceof Inet4Address) {
                            return i.getHostAddress();
                        }
                    }
                }
            }
            return "127.0.0.1";
        }
    }

    @Command(name = "join", description = "Join a teacher's class: from now on, your lesson progress is sent to URL.")
    static final class Join extends WorkbenchCommand {
        @Parameters(index = "0", paramLabel = "URL", description = "The class server, as the teacher's screen shows it (http://HOST:PORT).")
        String url;

        @Parameters(index = "1", paramLabel = "CODE", description = "The class's join code.")
        String code;

        @Option(names = "--name", paramLabel = "NAME", description = "The name the teacher sees (default: user@host).")
        String name;

        @Override
        protected int run() {
            ClassMembership.parseUrl(url);
            String shown = name == null ? defaultName() : name.strip();
            ProgressReport probe = new ProgressReport(shown, 0, null, 0, java.util.List.of(new ProgressReport.Step(StepState.NOT_STARTED.wire, 0)));
            String problem = probe.problem();
            if (problem != null) {
                throw CwbException.badInput("cannot use the name '" + dev.cwb.view.Excerpt.of(shown) + "': " + problem.replace("the student name", "it"),
                        "give --name a short plain name, e.g. --name ana");
            }
            ClassMembership m = new ClassMembership(url.endsWith("/") ? url.substring(0, url.length() - 1) : url, code, shown);
            switch (ClassClient.checkJoin(m)) {
                case WRONG_CODE -> throw new CwbException(CwbException.BAD_INPUT, "the class server at " + m.url() + " refused the code " + code,
                        "check the code on the teacher's screen (case and the dash do not matter)");
                case TAKEN -> {
                    m.save(workbench.home().root());
                    out().println("Joined the class at " + m.url() + " as " + shown + ". Your lesson progress is sent as you go; 'class leave' stops it.");
                }
                case UNREACHABLE, BUSY, REJECTED -> {
                    m.save(workbench.home().root());
                    workbench.err().println("class: cannot reach " + m.url() + " now; joined anyway as " + shown
                            + ": progress is sent when it answers (check the address if it never does)");
                }
            }
            return 0;
        }

        static String defaultName() {
            String user = System.getenv("SUDO_USER") != null ? System.getenv("SUDO_USER") : System.getProperty("user.name");
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                host = "?";
            }
            String n = user + "@" + host;
            return n.length() > ProgressReport.MAX_NAME ? n.substring(0, ProgressReport.MAX_NAME) : n;
        }
    }

    @Command(name = "leave", description = "Stop sending lesson progress to the class server.")
    static final class Leave extends WorkbenchCommand {
        @Override
        protected int run() {
            boolean was = ClassMembership.forget(workbench.home().root());
            out().println(was ? "Left the class: progress is no longer sent." : "Not in a class.");
            return 0;
        }
    }

    @Command(name = "show", description = "The class as the teacher's server last saved it, in the terminal, or as --json / --csv.")
    static final class Show extends WorkbenchCommand {
        @Option(names = "--csv", description = "A line per student for a grade book.")
        boolean csv;

        @Option(names = "--lesson", paramLabel = "N", description = "Show this lesson (default: each student's latest).")
        Integer lesson;

        @Override
        protected int run() {
            Path file = roomFile(workbench.home().root());
            if (!java.nio.file.Files.isRegularFile(file)) {
                throw CwbException.notFound("no class has been served from this workbench (" + file + ")", "start one with 'class serve'");
            }
            ClassRoom room = ClassRoom.open(file, false);
            if (csv) {
                out().print(ClassPage.csv(room, lesson));
                return 0;
            }
            out().println("Class " + room.code() + ": " + room.size() + " students  (" + legend() + ")");
            for (ClassRoom.Row row : room.rows(lesson)) {
                ProgressReport r = row.report();
                StringBuilder cells = new StringBuilder();
                if (r != null) {
                    for (int i = 0; i < r.steps().size(); i++) {
                        cells.append(r.steps().get(i).stateOrNull().symbol);
                    }
                }
                out().printf("  %-24s %s  %s%n", dev.cwb.view.Printable.of(row.name()),
                        r == null ? "  -" : String.format("%3d", r.lesson()), cells);
            }
            return 0;
        }

        private static String legend() {
            StringBuilder b = new StringBuilder();
            for (StepState s : StepState.values()) {
                b.append(b.length() == 0 ? "" : ", ").append(s.symbol).append(' ').append(s.words);
            }
            return b.toString();
        }
    }
}
