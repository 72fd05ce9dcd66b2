package dev.cwb.container;

import dev.cwb.CwbException;
import dev.cwb.image.ImageConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Entrypoint + Cmd, Env, WorkingDir and User as the OCI image spec's config defines them. */
class ProcessSpecTest {
    @TempDir
    Path root;

    private static ImageConfig.RunConfig config(String user, List<String> env, List<String> entrypoint, List<String> cmd, String workdir) {
        return new ImageConfig.RunConfig(user, env, entrypoint, cmd, workdir, null, null, null, null);
    }

    @Test
    void aGivenCommandReplacesCmdButKeepsTheEntrypoint() {
        ImageConfig.RunConfig c = config(null, List.of("A=1"), List.of("/entry", "-x"), List.of("default"), "/srv");
        assertEquals(List.of("/entry", "-x", "default"), ProcessSpec.of(c, List.of()).argv());
        assertEquals(List.of("/entry", "-x", "ls", "-l"), ProcessSpec.of(c, List.of("ls", "-l")).argv());
        ProcessSpec s = ProcessSpec.of(c, List.of());
        assertEquals("/srv", s.workingDir());
        assertEquals(List.of("PATH=" + ProcessSpec.DEFAULT_PATH, "A=1"), s.env(), "PATH added when the image has none");
    }

    @Test
    void noCommandAtAllIsOneClearError() {
        CwbException e = assertThrows(CwbException.class, () -> ProcessSpec.of(config(null, null, null, null, null), List.of()));
        assertTrue(e.getMessage().contains("no Entrypoint or Cmd"), e.getMessage());
    }

    @Test
    void programsAreFoundOnTheContainersPathNotTheHosts() throws Exception {
        Files.createDirectories(root.resolve("usr/local/bin"));
        Files.writeString(root.resolve("usr/local/bin/tool"), "");
        ProcessSpec s = ProcessSpec.of(config(null, List.of("PATH=/usr/local/bin:/bin"), null, List.of("tool"), null), List.of());
        assertEquals("/usr/local/bin/tool", s.resolveProgram(root));
        ProcessSpec missing = ProcessSpec.of(config(null, List.of("PATH=/bin"), null, List.of("ls"), null), List.of());
        CwbException e = assertThrows(CwbException.class, () -> missing.resolveProgram(root));
        assertTrue(e.getMessage().contains("executable file not found in $PATH"), e.getMessage());
    }

    @Test
    void usersByNameAndNumberAreLookedUpInTheImagesOwnFiles() throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\nwww:x:33:44::/var/www:/bin/false\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\nstaff:x:50:\n");
        assertNull(ProcessSpec.of(config("", null, null, List.of("x"), null), List.of()).credentials(root), "no User: stays root");
        assertArrayEquals(new int[] {33, 44}, spec("www").credentials(root));
        assertArrayEquals(new int[] {33, 50}, spec("www:staff").credentials(root));
        assertArrayEquals(new int[] {1000, 1000}, spec("1000").credentials(root), "an unknown uid gets its own gid");
        assertArrayEquals(new int[] {1000, 7}, spec("1000:7").credentials(root));
        assertThrows(CwbException.class, () -> spec("nobody-here").credentials(root));
    }

    @Test
    void supplementaryGroupsComeFromTheImagesGroupFileAndGroupAdd() throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\nwww:x:33:44::/var/www:/bin/false\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\nwww:x:44:\nstaff:x:50:www,other\nadm:x:4:other\n");
        assertArrayEquals(new int[] {33, 44, 44, 50}, spec("www").credentials(root, List.of()), "primary, then staff (www is a member)");
        assertArrayEquals(new int[] {33, 44, 44, 50, 4, 1234}, spec("www").credentials(root, List.of("adm", "1234")));
        assertArrayEquals(new int[] {0, 0, 0, 4}, ProcessSpec.of(config("", null, null, List.of("x"), null), List.of())
                .credentials(root, List.of("adm")), "no User but --group-add: root with the group");
        assertNull(ProcessSpec.of(config("", null, null, List.of("x"), null), List.of()).credentials(root, List.of()));
        CwbException e = assertThrows(CwbException.class, () -> spec("www").credentials(root, List.of("wheel")));
        assertTrue(e.getMessage().contains("--group-add wheel"), e.getMessage());
    }

    private static ProcessSpec spec(String user) {
        return ProcessSpec.of(config(user, null, null, List.of("x"), null), List.of());
    }

    @Test
    void homeComesFromThePasswdEntryInsideTheRootAndTermOnlyWithATerminal() throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
        ProcessSpec byName = ProcessSpec.of(config("app", List.of(), List.of("sh"), null, null), List.of());
        assertEquals(List.of("PATH=" + ProcessSpec.DEFAULT_PATH, "HOME=/home/app"),
                byName.environment(root, byName.credentials(root), null), "no terminal: no TERM");
        ProcessSpec byUid = ProcessSpec.of(config("1000", List.of(), List.of("sh"), null, null), List.of());
        assertTrue(byUid.environment(root, byUid.credentials(root), "screen-256color").containsAll(
                List.of("HOME=/home/app", "TERM=screen-256color")));
        ProcessSpec asRoot = ProcessSpec.of(config(null, List.of("TERM=dumb"), List.of("sh"), null, null), List.of());
        assertEquals(List.of("PATH=" + ProcessSpec.DEFAULT_PATH, "TERM=dumb", "HOME=/root"), asRoot.environment(root, null, "xterm"),
                "the image's own TERM stays");
        ProcessSpec unknown = ProcessSpec.of(config("4242", List.of(), List.of("sh"), null, null), List.of());
        assertTrue(unknown.environment(root, unknown.credentials(root), null).contains("HOME=/"), "no entry: runc's default");

        // an image whose /etc/passwd is a link to an absolute path: followed inside the root, never to the host's file
        Files.delete(root.resolve("etc/passwd"));
        Files.createDirectories(root.resolve("data"));
        Files.writeString(root.resolve("data/passwd"), "root:x:0:0:root:/data/root-home:/bin/sh\n");
        Files.createSymbolicLink(root.resolve("etc/passwd"), Path.of("/data/passwd"));
        assertTrue(asRoot.environment(root, null, null).contains("HOME=/data/root-home"), asRoot.environment(root, null, null).toString());
    }
}
