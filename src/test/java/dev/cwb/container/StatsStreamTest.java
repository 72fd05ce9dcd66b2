package dev.cwb.container;

import dev.cwb.testing.Pty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code stats} at the shell's terminal streams as {@code docker stats} does: a new table over the last one
 * every second, CPU % from each pair of samples, until Ctrl-C — which ends stats and leaves the shell.
 * Through a pipe it prints one sample and returns.
 */
class StatsStreamTest {
    private static final Duration BOUND = Duration.ofSeconds(30);
    /** Cursor Previous Line by the table's height: the redraw in place. */
    private static final Pattern BACK_OVER_TABLE = Pattern.compile("\u001b\\[(\\d+)F\u001b\\[J");

    @TempDir
    static Path home;
    static ContainerBench cwb;

    @BeforeAll
    static void buildSamples() {
        cwb = ContainerBench.open(home);
    }

    @AfterAll
    static void removeContainers() {
        if (cwb != null) {
            for (DetachedContainers.Entry e : new DetachedContainers(cwb.harness().workbench().containers()).all()) {
                cwb.run("rm", "-f", e.name());
            }
            cwb.close();
        }
    }

    /** The CPU % cells of {@code name}'s rows, in the order the tables were drawn. */
    private static List<Double> cpuOf(String screen, String name) {
        List<Double> out = new ArrayList<>();
        Matcher m = Pattern.compile("│ " + Pattern.quote(name) + " +│ +([0-9.]+)% │").matcher(screen);
        while (m.find()) {
            out.add(Double.parseDouble(m.group(1)));
        }
        return out;
    }

    @Test
    void atTheShellsTerminalStatsRedrawsEverySecondUntilCtrlC() throws Exception {
        String busy = cwb.name("sbusy");
        String idle = cwb.name("sidle");
        // busy until told to stop, then asleep: CPU % from each pair of samples falls to 0 after, where CPU time
        // over the container's whole life would stay high
        cwb.ok("run", "-d", "--network", "none", "--name", busy, "busybox", "sh", "-c",
                "while [ ! -e /stop ]; do :; done; exec sleep 1000");
        cwb.ok("run", "-d", "--network", "none", "--name", idle, "busybox", "sleep", "1000");
        try (Pty pty = ContainerBench.shellOnPty(home)) {
            pty.type("stats " + busy + " " + idle + "\n");
            pty.awaitScreen("│ " + idle + " ", 3, BOUND); // three tables: three seconds of samples
            cwb.ok("exec", busy, "touch", "/stop");
            int tables = pty.count("│ " + idle + " ");
            pty.awaitScreen("│ " + idle + " ", tables + 3, BOUND); // three more, the last two wholly after the stop
            assertTrue(pty.alive());
            pty.type("\u0003");
            pty.awaitScreen("cwb> ", 2, BOUND); // Ctrl-C ended stats, the shell prompts again
            String raw = pty.rawScreen();
            Matcher back = BACK_OVER_TABLE.matcher(raw);
            int redraws = 0;
            while (back.find()) {
                assertEquals("6", back.group(1), "each redraw goes back over the last table (header, rule, two rows, frame):\n" + raw);
                redraws++;
            }
            assertTrue(redraws >= 5, "the table was drawn again in place each second (" + redraws + " redraws):\n" + raw);
            String screen = pty.screen();
            List<Double> busyCpu = cpuOf(screen, busy);
            List<Double> idleCpu = cpuOf(screen, idle);
            assertTrue(busyCpu.size() >= 6, screen);
            assertTrue(busyCpu.subList(0, 3).stream().allMatch(c -> c > 5), "the busy seconds show CPU use: " + busyCpu + "\n" + screen);
            assertTrue(busyCpu.subList(busyCpu.size() - 2, busyCpu.size()).stream().allMatch(c -> c < 2),
                    "once it sleeps each second's sample shows none: " + busyCpu + "\n" + screen);
            assertTrue(idleCpu.stream().allMatch(c -> c < 2), "the sleeping container's CPU %: " + idleCpu);
            assertFalse(screen.contains("error: cancelled"), "Ctrl-C is how stats ends, not an error:\n" + screen);
            pty.type("ps\n");
            pty.awaitScreen("cwb> ", 3, BOUND);
            assertTrue(pty.screen().substring(pty.screen().lastIndexOf("ps\n")).contains(busy), "the shell still answers:\n" + pty.screen());
            pty.type(":quit\n");
            assertEquals(0, pty.waitFor(BOUND), pty.screen());
        }
    }

    @Test
    void throughAPipeStatsPrintsOneSampleAndReturns() {
        String name = cwb.name("spipe");
        cwb.ok("run", "-d", "--network", "none", "--name", name, "busybox", "sleep", "1000");
        long start = System.nanoTime();
        ContainerBench.Result r = cwb.ok("stats", name);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis >= 1000 && millis < 10_000, "one sample over one second: " + millis + " ms");
        assertEquals(1, r.out().lines().filter(l -> l.contains(name)).count(), r.toString());
        assertFalse(r.out().contains("\u001b"), "no escapes into a pipe:\n" + r);
    }
}
