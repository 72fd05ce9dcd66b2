package dev.cwb.classroom;

import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The teacher's page in a real browser, headless Chromium, with two students joined over loopback: the
 * grid is drawn in the states' colours and grows as the students progress, names are text, and the page's
 * own script refreshes it (no framework, nothing downloaded).
 */
class ClassPageBrowserTest {
    /** The page's colours for a passed and a failed step (ClassPage's style sheet). */
    private static final int PASSED = 0x4ade80;
    private static final int FAILED = 0xf87171;

    @TempDir
    Path dir;

    @Test
    void theGridShowsEachStudentsStepsInTheirColoursAndRefreshesItself() throws Exception {
        Path chromium = Requirements.requireCommand("chromium", "chromium");
        ClassRoom room = ClassRoom.open(dir.resolve("room.json"), false);
        try (ClassServer server = ClassServer.start(room, "127.0.0.1", 0, null, "Students run: ./cwb class join ...", System::currentTimeMillis);
             ClassClient ana = new ClassClient(new ClassMembership("http://127.0.0.1:" + server.port(), room.code(), "ana"), n -> { });
             ClassClient bo = new ClassClient(new ClassMembership("http://127.0.0.1:" + server.port(), room.code(), "<img src=x onerror=alert(1)>"), n -> { })) {
            String url = "http://127.0.0.1:" + server.port() + "/?key=" + room.key();
            ana.offer(ClassServerTest.report("ana", 6, 1, "passed", "working", "not-started", "not-started", "not-started"));
            bo.offer(ClassServerTest.report("<img src=x onerror=alert(1)>", 6, 0, "working", "not-started", "not-started", "not-started", "not-started"));
            assertTrue(ana.flush(Duration.ofSeconds(10)) && bo.flush(Duration.ofSeconds(10)));
            int[] before = colours(screenshot(chromium, url, "before.png"));

            ana.offer(ClassServerTest.report("ana", 6, 4, "passed", "passed", "passed", "passed", "failed"));
            bo.offer(ClassServerTest.report("<img src=x onerror=alert(1)>", 6, 2, "passed", "passed", "working", "not-started", "not-started"));
            assertTrue(ana.flush(Duration.ofSeconds(10)) && bo.flush(Duration.ofSeconds(10)));
            int[] after = colours(screenshot(chromium, url, "after.png"));

            // Five more passed cells and one failed: each cell is about 50 x 30 pixels on this page.
            assertTrue(after[0] - before[0] >= 5 * 800, "passed pixels before " + before[0] + ", after " + after[0]);
            assertTrue(after[1] - before[1] >= 800, "failed pixels before " + before[1] + ", after " + after[1]);

            String dom = run(chromium, "--virtual-time-budget=3500", "--dump-dom", url);
            assertEquals(2, dom.split("<td class=\"name\"", -1).length - 1, dom);
            assertTrue(dom.contains("&lt;img src=x onerror=alert(1)&gt;"), "the name is shown as text");
            assertFalse(dom.contains("<img"), "and never becomes an element");
            // The server writes an ISO instant into the status line; the page's script replaces it with the local time.
            String status = dom.substring(dom.indexOf("<p id=\"status\">"));
            assertFalse(status.startsWith("<p id=\"status\">updated 20"), "the page's script refreshed the grid: " + status.lines().findFirst().orElse(""));
            assertTrue(status.startsWith("<p id=\"status\">updated "), status.lines().findFirst().orElse(""));
        }
    }

    private BufferedImage screenshot(Path chromium, String url, String name) throws Exception {
        Path png = dir.resolve(name);
        run(chromium, "--hide-scrollbars", "--window-size=1000,500", "--screenshot=" + png, url);
        BufferedImage image = ImageIO.read(png.toFile());
        assertTrue(image != null, "chromium wrote no screenshot");
        return image;
    }

    /** {passed pixels, failed pixels}. */
    private static int[] colours(BufferedImage image) {
        int[] counts = new int[2];
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                counts[0] += rgb == PASSED ? 1 : 0;
                counts[1] += rgb == FAILED ? 1 : 0;
            }
        }
        return counts;
    }

    private String run(Path chromium, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--user-data-dir=" + dir.resolve("profile")));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(dir.resolve("chromium.log").toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "chromium did not finish");
        assertEquals(0, p.exitValue(), () -> "chromium failed: " + read(dir.resolve("chromium.log")));
        return new String(out, StandardCharsets.UTF_8);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
