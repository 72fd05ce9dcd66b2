package dev.cwb.container;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code exec -c NAME} from a second workbench, into a container a first one (this test's JVM) made in the
 * same home: one line that names the owner and says how to get in, and the host command it gives works.
 */
class OtherWorkbenchContainerTest {
    @TempDir
    Path home;

    @Test
    void execIntoAnotherWorkbenchsContainerSaysHowAndTheWayItGivesWorks() throws Exception {
        try (ContainerBench cwb = ContainerBench.open(home)) {
            String name = cwb.name("owned");
            cwb.ok("new", name, "from", "busybox");
            cwb.ok("unshare", "uts");
            cwb.ok("hostname", "h17");

            List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "dev.cwb.Main", "exec", "-c", name, "hostname"));
            ProcessBuilder pb = new ProcessBuilder(java).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().put("CWB_HOME", home.toString());
            Process second = pb.start();
            assertTrue(second.waitFor(60, TimeUnit.SECONDS));
            String err = new String(second.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            String out = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertNotEquals(0, second.exitValue(), out + err);
            assertTrue(err.contains("error: container " + name + " belongs to another workbench (pid " + ProcessHandle.current().pid() + ")"), err);
            assertEquals(1, err.lines().filter(l -> !l.isBlank()).count(), "one line:\n" + err);

            Matcher way = Pattern.compile("!nsenter --target (\\d+) --all --root --wd CMD").matcher(err);
            assertTrue(way.find(), "it names the host command that enters the container:\n" + err);
            Process nsenter = new ProcessBuilder("nsenter", "--target", way.group(1), "--all", "--root", "--wd", "hostname")
                    .redirectErrorStream(true).start();
            assertTrue(nsenter.waitFor(30, TimeUnit.SECONDS));
            String inside = new String(nsenter.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, nsenter.exitValue(), inside);
            assertEquals("h17\n", inside, "the command given runs in the container's namespaces");
        }
    }
}
