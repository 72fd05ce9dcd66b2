package dev.cwb.layer;

import dev.cwb.cli.CommandHarness;
import dev.cwb.image.Image;
import dev.cwb.image.TestImages;
import dev.cwb.image.TestImages.Layer;
import dev.cwb.kernel.DirFd;
import dev.cwb.kernel.Kernel;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * File names are bytes (issue 10, item 2). Layer 1 holds {@code b\377} and {@code b\376}; layer 2 holds
 * {@code a\377} and {@code a\376}, a whiteout {@code .wh.b\377}, a name carried by a PAX record only
 * ({@code p\377}, as Go's archive/tar writes names), and {@code evil\n\e[2J}. Read as UTF-8 with
 * replacement, or through Java's file API in an ASCII locale, the a-names both become {@code a?} (one file
 * overwriting the other) and the whiteout deletes both b-files. Here each stays itself in every place a
 * user meets it: {@code unpack --flat}, the layer cache, {@code diff} (printed escaped) and {@code cat}.
 */
class ByteNamesTest {
    /** The names as the workbench holds them (kernel.FileNames): byte 0xff is U+DCFF. */
    private static final String A_FF = "a\udcff";
    private static final String A_FE = "a\udcfe";
    private static final String B_FF = "b\udcff";
    private static final String B_FE = "b\udcfe";
    private static final String P_FF = "p\udcff";
    private static final String EVIL = "evil\n\u001b[2J";

    @TempDir
    Path tmp;
    CommandHarness cwb;

    @BeforeEach
    void setUp() {
        Requirements.requireLinux();
        cwb = new CommandHarness(tmp.resolve("home"));
        // In these layers each char of a name is one byte: "\u00ff" is the byte 0xff.
        Layer lower = Layer.withByteNames().file("b\u00ff", "lower b-ff\n").file("b\u00fe", "lower b-fe\n");
        Layer upper = Layer.withByteNames().file("a\u00ff", "a-ff\n").file("a\u00fe", "a-fe\n").whiteout("b\u00ff")
                .paxNamedFile("p\u00ff", "pax p-ff\n").file("evil\n\u001b[2J", "evil\n");
        new TestImages().layer("lower", lower).layer("upper", upper).store(cwb.workbench().images(), "names:1");
    }

    @Test
    void unpackFlatKeepsEveryNameAndTheWhiteoutDeletesOnlyItsOwn() throws IOException {
        Path flat = tmp.resolve("flat");
        assertEquals(0, cwb.run("unpack", "--flat", "names:1", flat.toString()), cwb.err());
        try (DirFd dir = DirFd.open(flat)) {
            assertEquals(new TreeSet<>(Set.of(A_FF, A_FE, B_FE, P_FF, EVIL)), new TreeSet<>(dir.list()),
                    "two distinct a-files, the b the whiteout did not name, the PAX name, the name with a newline");
            assertEquals("a-ff\n", read(dir, A_FF));
            assertEquals("a-fe\n", read(dir, A_FE));
            assertEquals("lower b-fe\n", read(dir, B_FE));
            assertEquals("pax p-ff\n", read(dir, P_FF));
        }
    }

    @Test
    void theLayerCacheKeepsBothNamesAndWhitesOutOnlyTheNamedOne() throws IOException {
        assertEquals(0, cwb.run("unpack", "names:1"), cwb.err());
        Image image = cwb.workbench().images().image("names:1");
        Path layers = tmp.resolve("home").resolve("layers");
        try (DirFd lower = DirFd.open(layers.resolve(image.config().diffIds().get(0).encoded()).resolve("fs"));
             DirFd upper = DirFd.open(layers.resolve(image.config().diffIds().get(1).encoded()).resolve("fs"))) {
            assertEquals(Set.of(B_FF, B_FE), Set.copyOf(lower.list()));
            assertEquals("lower b-ff\n", read(lower, B_FF));
            assertEquals("lower b-fe\n", read(lower, B_FE));
            Set<String> top = Set.copyOf(upper.list());
            assertTrue(top.containsAll(Set.of(A_FF, A_FE, P_FF, EVIL)), "upper layer: " + top);
            assertEquals("a-ff\n", read(upper, A_FF));
            assertEquals("a-fe\n", read(upper, A_FE));
            int whiteout = upper.mode(B_FF);
            assertEquals(Kernel.S_IFCHR, whiteout & DirFd.S_IFMT, "b\\377's whiteout is an overlayfs whiteout (0:0 device)");
            assertEquals(-1, upper.mode(B_FE), "no whiteout for b\\376: it is not deleted");
        }
    }

    @Test
    void diffPrintsEachNameEscapedAndDistinct() {
        assertEquals(0, cwb.run("diff", "names:1", "2"), cwb.err());
        String out = cwb.out();
        assertTrue(out.contains("a\\xff"), out);
        assertTrue(out.contains("a\\xfe"), out);
        assertTrue(out.contains("p\\xff"), out);
        assertTrue(out.contains("b\\xff"), "the deleted name: " + out);
        assertFalse(out.contains("b\\xfe"), "b\\376 is untouched by layer 2: " + out);
        assertTrue(out.contains("evil\\n\\x1b[2J"), out);
        assertClean(out);
        cwb.reset();
        assertEquals(0, cwb.run("diff", "names:1", "2", "--aggregate"), cwb.err());
        assertTrue(cwb.out().contains("b\\xfe") && cwb.out().contains("a\\xff") && cwb.out().contains("a\\xfe"), cwb.out());
        assertFalse(cwb.out().contains("b\\xff"), "whited out: " + cwb.out());
        assertClean(cwb.out());
        cwb.reset();
        assertEquals(0, cwb.run("diff", "names:1", "2", "--json"), cwb.err());
        assertTrue(cwb.out().contains("a\\udcff") && cwb.out().contains("a\\udcfe"), "JSON escapes, as JSON allows: " + cwb.out());
        assertClean(cwb.out());
    }

    @Test
    void catFindsEachFileByItsEscapedName() {
        assertEquals(0, cwb.run("cat", "names:1", "/a\\xff"), cwb.err());
        assertEquals("a-ff\n", cwb.out());
        cwb.reset();
        assertEquals(0, cwb.run("cat", "names:1", "/a\\xfe"), cwb.err());
        assertEquals("a-fe\n", cwb.out());
        cwb.reset();
        assertEquals(0, cwb.run("cat", "names:1", "/b\\xfe"), cwb.err());
        assertEquals("lower b-fe\n", cwb.out());
        cwb.reset();
        assertEquals(0, cwb.run("cat", "names:1", "/p\\xff"), cwb.err());
        assertEquals("pax p-ff\n", cwb.out());
        cwb.reset();
        assertNotEquals(0, cwb.run("cat", "names:1", "/b\\xff"), "deleted by layer 2's whiteout");
        assertTrue(cwb.err().startsWith("error: "), cwb.err());
        assertClean(cwb.err());
        cwb.reset();
        assertNotEquals(0, cwb.run("cat", "names:1", "/evil\n"));
        assertFalse(cwb.err().replace("\n", "").isEmpty());
        assertEquals(1, cwb.err().lines().count(), "a name typed with a newline is printed escaped: " + cwb.err());
    }

    /** Nothing a terminal would act on or mangle: no control character but the line ends, no lone surrogate, no U+FFFD. */
    private static void assertClean(String printed) {
        for (int i = 0; i < printed.length(); i++) {
            char c = printed.charAt(i);
            boolean control = c < 0x20 && c != '\n' || c == 0x7f;
            assertFalse(control || Character.isSurrogate(c) || c == '\ufffd',
                    "printed a raw " + String.format("U+%04X", (int) c) + " at " + i + ": " + printed);
        }
    }

    private static String read(DirFd dir, String name) throws IOException {
        try (InputStream in = dir.read(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
