package dev.cwb.shell;

import dev.cwb.Workbench;
import dev.cwb.WorkbenchHome;
import dev.cwb.cli.Commands;
import org.jline.reader.Candidate;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.terminal.impl.DumbTerminal;
import org.junit.jupiter.api.BeforeEach;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import org.jline.reader.impl.DefaultParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What Tab offers at a given point of a line, read from the real command tree. */
class CommandCompleterTest {
    @TempDir
    Path home;

    private LineReader reader;

    @BeforeEach
    void openReader() throws Exception {
        reader = LineReaderBuilder.builder()
                .terminal(new DumbTerminal(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream())).build();
    }

    private Workbench workbench() {
        PrintWriter sink = new PrintWriter(new StringWriter());
        return new Workbench(new WorkbenchHome(home), sink, sink);
    }

    private Set<String> offered(Workbench workbench, String line) {
        CommandCompleter completer = new CommandCompleter(new CommandTree(() -> Commands.create(workbench)), new ImageNames(workbench),
                new ImagePaths(workbench));
        List<Candidate> candidates = new ArrayList<>();
        completer.complete(reader, new DefaultParser().parse(line, line.length()), candidates);
        Set<String> values = new TreeSet<>();
        candidates.forEach(c -> values.add(c.value()));
        return values;
    }

    @Test
    void firstWordOffersEveryCommandAndColonOffersTheShellCommands() {
        Workbench workbench = workbench();
        assertTrue(offered(workbench, "").containsAll(Set.of("images", "inspect", "load", "save", "rmi", "help")));
        assertEquals(Set.of(":help", ":history", ":clear", ":quit", ":q", ":exit", ":lessons", ":lesson", ":next", ":back", ":hint",
                ":check", ":run", ":solution", ":undo", ":reset", ":demo", ":record"), offered(workbench, ":"));
    }

    @Test
    void catCompletesPathsInsideTheImageNotOnTheHost() {
        Workbench workbench = workbench();
        new dev.cwb.image.TestImages()
                .layer("base", new dev.cwb.image.TestImages.Layer().dir("etc").file("etc/passwd", "root\n").file("etc/motd", "hi\n").dir("bin"))
                .layer("rm motd", new dev.cwb.image.TestImages.Layer().whiteout("etc/motd").file("etc/group", "root\n"))
                .store(workbench.images(), "box");
        assertEquals(Set.of("/bin/", "/etc/"), offered(workbench, "cat box /"));
        assertEquals(Set.of("/etc/group", "/etc/passwd"), offered(workbench, "cat box /etc/"), "the whited-out motd is gone");
        assertEquals(Set.of("/etc/motd", "/etc/passwd"), offered(workbench, "cat box@1 /etc/"), "as layer 1 left it");
    }

    @Test
    void imageParametersOfferTheStoredImagesLongAndShort() {
        Workbench workbench = workbench();
        WorkbenchShellTest.storeEmptyImage(workbench, "alpine");
        WorkbenchShellTest.storeEmptyImage(workbench, "busybox:1.36");
        assertEquals(Set.of("layers", "alpine", "alpine:latest", "busybox:1.36"), offered(workbench, "inspect "));
        assertEquals(Set.of("alpine", "alpine:latest", "busybox:1.36"), offered(workbench, "inspect layers "));
        assertEquals(Set.of("alpine", "alpine:latest", "busybox:1.36"), offered(workbench, "rmi alpine "), "rmi takes many images");
        assertEquals(Set.of("alpine", "alpine:latest", "busybox:1.36"), offered(workbench, "save --unknown "));
    }

    @Test
    void containerStepsOfferTheirWordsAndNewOffersFromThenImages() {
        Workbench workbench = workbench();
        WorkbenchShellTest.storeEmptyImage(workbench, "alpine");
        assertEquals(Set.of("user", "mnt", "uts", "ipc", "net", "pid", "cgroup", "time"), offered(workbench, "unshare "));
        assertEquals(Set.of("user", "mnt", "uts", "ipc", "net", "pid", "cgroup", "time"), offered(workbench, "unshare uts "),
                "unshare takes several kinds");
        assertEquals(Set.of("proc", "sys", "dev", "masked", "tmpfs", "bind"), offered(workbench, "mount "));
        assertEquals(Set.of("create", "set", "show"), offered(workbench, "cgroup "));
        assertEquals(Set.of("load", "show"), offered(workbench, "seccomp "));
        assertEquals(Set.of("show", "drop", "keep"), offered(workbench, "caps "));
        assertEquals(Set.of("from"), offered(workbench, "new box "));
        assertEquals(Set.of("alpine", "alpine:latest"), offered(workbench, "new box from "));
        assertEquals(Set.of("alpine", "alpine:latest"), offered(workbench, "run "));
        assertTrue(offered(workbench, "exec -").containsAll(Set.of("-c", "--container", "-u", "--user")));
    }

    @Test
    void completingImagesNeverCreatesAStore() {
        Workbench workbench = workbench();
        assertEquals(Set.of("--json", "--no-trunc"), offered(workbench, "history "), "no images, so the options are offered");
        assertFalse(Files.exists(home.resolve("images")));
    }

    @Test
    void optionsAreOfferedAfterADash() {
        Workbench workbench = workbench();
        assertEquals(Set.of("-f", "--force"), offered(workbench, "rmi -"));
        assertEquals(Set.of("--json", "--no-trunc"), offered(workbench, "inspect layers --"));
    }

    @Test
    void helpOffersCommandsThenTheirSubcommands() {
        Workbench workbench = workbench();
        assertTrue(offered(workbench, "help ").containsAll(Set.of("images", "inspect", "rmi")));
        assertEquals(Set.of("layers"), offered(workbench, "help inspect "));
    }

    @Test
    void pathParametersOfferFiles() throws Exception {
        Workbench workbench = workbench();
        Path dir = Files.createDirectory(home.resolve("tars"));
        Files.createFile(dir.resolve("alpine.tar"));
        Set<String> offered = offered(workbench, "load " + dir + "/");
        assertEquals(Set.of(dir + "/alpine.tar"), offered);
        assertTrue(offered(workbench, "save alpine " + dir + "/al").contains(dir + "/alpine.tar"));
    }
}
