package dev.cwb.lesson;

import dev.cwb.CwbException;
import dev.cwb.lesson.check.CheckVocabulary;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The container, root file system, mount and trace checks on real containers (as root): each check
 * fails before its step is done (or when it was left out) and passes after it, reading the state.
 */
class ContainerChecksTest {
    @TempDir
    static Path home;
    static CheckBench bench;

    @BeforeAll
    static void samples() {
        Requirements.requireCommand("busybox", "busybox-static");
        bench = new CheckBench(home);
    }

    @AfterAll
    static void removeContainers() {
        if (bench != null) {
            bench.removeAll();
        }
    }

    @Test
    void containerExistsUntilRemovedWithoutATrace() {
        Requirements.requireRoot();
        bench.fails("container-exists cc1");
        bench.passes("container-absent cc1");
        bench.run("new cc1 from busybox");
        bench.passes("container-exists cc1");
        assertTrue(bench.fails("container-absent cc1").saw().contains("still in the session"));
        bench.run("overlay -c cc1", "cgroup create -c cc1");
        bench.run("rm cc1");
        bench.passes("container-absent cc1");
        bench.fails("container-exists cc1");
    }

    @Test
    void overlayAndItsUpperDirectory() {
        Requirements.requireRoot();
        bench.run("new ov1 from busybox");
        bench.fails("overlay-mounted ov1"); // the overlay step left out
        bench.run("overlay -c ov1");
        bench.passes("overlay-mounted ov1");
        bench.passes("upper-empty ov1");
        bench.run("chroot -c ov1");
        bench.fails("upper-has ov1 /new.txt");
        bench.run("exec -c ov1 sh -c \"echo new > /new.txt\"");
        bench.passes("upper-has ov1 /new.txt");
        bench.fails("upper-empty ov1");
        bench.fails("upper-whiteout ov1 /new.txt");

        bench.fails("upper-whiteout ov1 /etc/hostname"); // not deleted yet
        bench.run("exec -c ov1 rm /etc/hostname");
        assertTrue(bench.passes("upper-whiteout ov1 /etc/hostname").saw().contains("0:0"));
        assertTrue(bench.fails("upper-has ov1 /etc/hostname").saw().contains("whiteout"));
    }

    @Test
    void twoContainersOfOneImageShareItsLayerDirectories() {
        Requirements.requireRoot();
        bench.run("new sh1 from busybox", "overlay -c sh1", "new sh2 from busybox");
        bench.fails("shares-lowers sh1 sh2"); // sh2's overlay not mounted yet
        bench.run("overlay -c sh2");
        bench.passes("shares-lowers sh1 sh2");
        bench.run("new sh3 from layers-demo", "overlay -c sh3");
        bench.fails("shares-lowers sh1 sh3"); // layers-demo stacks five more layers on busybox's three
        bench.run("rm sh1 sh2 sh3");
    }

    @Test
    void chrootThenTheEscape() {
        Requirements.requireRoot();
        bench.run("new rc1 from busybox", "overlay -c rc1");
        bench.passes("root-is-host rc1");
        bench.fails("root-chrooted rc1"); // the chroot step left out
        assertTrue(bench.fails("root-pivoted rc1").saw().contains("— its root has not moved (chroot or pivot_root moves it)"));
        bench.fails("host-not-mounted {rootfs:rc1}"); // no mount namespace of its own: the host has the overlay
        bench.run("chroot -c rc1");
        bench.passes("root-chrooted rc1");
        assertTrue(bench.fails("root-pivoted rc1").saw().contains("— chroot moved the process's root only"));
        bench.fails("root-is-host rc1");
        bench.run("escape -c rc1");
        bench.passes("root-is-host rc1");
        assertTrue(bench.fails("root-chrooted rc1").saw().contains("— it moved, then got out again (escape)"));
        bench.run("rm rc1");
    }

    @Test
    void pivotRootAndMountsInTheContainersOwnNamespace() {
        Requirements.requireRoot();
        bench.run("new pv1 from busybox", "unshare -c pv1 mnt", "overlay -c pv1");
        bench.passes("host-not-mounted {rootfs:pv1}");
        bench.fails("root-pivoted pv1"); // pivot_root left out
        bench.run("pivot_root -c pv1");
        bench.passes("root-pivoted pv1");
        bench.fails("root-chrooted pv1");
        bench.passes("mounted pv1 / overlay");
        bench.fails("mounted pv1 /tmp tmpfs");
        bench.run("mount -c pv1 tmpfs /tmp");
        bench.passes("mounted pv1 /tmp tmpfs");
        bench.passes("mounted pv1 /tmp");
        bench.fails("mounted pv1 /tmp proc");
        bench.run("escape -c pv1");
        bench.passes("root-pivoted pv1"); // the escape failed: nothing is above the root
        bench.run("rm pv1");
    }

    @Test
    void theTraceKeepsWhatRunDidAfterTheContainerIsGone() {
        Requirements.requireRoot();
        bench.fails("trace-shows tr1 execve"); // no such run yet
        bench.run("run --name tr1 busybox true");
        bench.passes("container-absent tr1");
        bench.passes("trace-shows tr1 unshare(CLONE_NEWNS clone pivot_root 'execve(\"/bin/true\"'");
        bench.fails("trace-shows tr1 execve pivot_root"); // not in this order
        bench.fails("trace-shows tr1 'execve(\"/bin/false\"'");
        bench.run("new tr2 from busybox", "overlay -c tr2", "chroot -c tr2", "exec -c tr2 true");
        bench.passes("trace-shows tr2 'mount(\"overlay\"' chroot execve"); // step mode: cwb-init and its children
        bench.fails("trace-shows tr2 pivot_root");
        bench.run("rm tr2");
    }

    @Test
    void containerPlaceholders() throws Exception {
        Requirements.requireRoot();
        bench.run("new ph1 from busybox");
        var c = bench.cwb.workbench().containers().get("ph1");
        assertEquals(Integer.toString(c.current().pid()), bench.expand("{pid:ph1}"));
        assertEquals(c.dirs().upper().toString(), bench.expand("{upper:ph1}"));
        assertEquals(c.dirs().rootfs().toString(), bench.expand("{rootfs:ph1}"));
        assertEquals(Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip(), bench.expand("uname: {kernel-release}").substring(7));
        bench.run("rm ph1");
        CwbException e = assertThrows(CwbException.class, () -> bench.expand("{pid:ph1}"));
        assertTrue(e.getMessage().contains("names container ph1, which this session does not have"), e.getMessage());
    }

    @Test
    void resetRemovesTheLessonsContainersAndNoOther() {
        Requirements.requireRoot();
        Lesson lesson = new LessonParser(CheckVocabulary.standard()).parse(home.resolve("20-reset.md"), """
                ---
                id: 20
                title: Reset
                needs: root
                containers: rs1 rs2
                ---
                ## Goal
                Test.
                ## Steps
                ### Make one
                ```cwb
                new rs1 from busybox
                ```
                check: container-exists rs1
                hint: new rs1 from busybox
                """);
        bench.run("new rs1 from busybox", "overlay -c rs1", "cgroup create -c rs1", "new keep1 from busybox");
        List<String> report = new LessonWorkspace(bench.cwb.workbench()).reset(lesson);
        assertTrue(report.contains("removed container rs1"), report.toString());
        bench.passes("container-absent rs1");
        bench.passes("container-exists keep1");
        bench.run("rm keep1");
    }

    @Test
    void aStepsContainerOutputReachesTheOutputChecksEvenOnATerminal() {
        Requirements.requireRoot();
        bench.run("new tt1 from busybox", "overlay -c tt1", "chroot -c tt1");
        var workbench = bench.cwb.workbench();
        workbench.setTerminalStdio(true); // as in the shell: exec would hand the command the terminal itself
        try {
            // the text printed is not in the command line (which the trace shows): only the command's output has it
            var ran = new StepRunner(workbench).run(new StepCommand(StepCommand.Kind.WORKBENCH, "exec -c tt1 sh -c 'echo captured-$((6*7))'"),
                    home.resolve("work"), new java.io.StringWriter());
            assertTrue(ran.output().contains("captured-42"), ran.output());
            assertTrue(workbench.terminalStdio(), "the shell's setting is back");
        } finally {
            workbench.setTerminalStdio(false);
        }
        bench.run("rm tt1");
    }

    @Test
    void fileLacks(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("passwd"), "root:x:0:0\n");
        bench.passes("file-lacks " + f + " guest");
        bench.fails("file-lacks " + f + " root:x");
        bench.fails("file-lacks " + dir.resolve("missing") + " guest");
    }
}
