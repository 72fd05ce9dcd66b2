package dev.cwb.lesson;

import dev.cwb.Workbench;
import dev.cwb.WorkbenchHome;
import dev.cwb.lesson.check.CheckVocabulary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the shell asks the lesson session about a typed line. */
class LessonSessionTest {
    @TempDir
    Path tmp;

    @Test
    void aTypedLineIsAStepCommandWhenItIsOneOfTheCurrentStepsWorkbenchLines() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("lessons"));
        Files.writeString(dir.resolve("01-one.md"), """
                ---
                id: 1
                title: One
                ---
                ## Goal
                Test.
                ## Steps
                ### Run two things
                ```cwb
                exec sh -c 'echo "a b"'
                unpack --flat busybox {work}/rootfs
                ```
                ```sh
                ls {work}
                ```
                check: last-exit 0
                hint: type them
                """);
        Workbench workbench = new Workbench(new WorkbenchHome(tmp.resolve("home")), new PrintWriter(new StringWriter()),
                new PrintWriter(new StringWriter()));
        LessonSession session = new LessonSession(workbench, () -> LessonLibrary.open(dir, CheckVocabulary.standard()));
        assertFalse(session.isStepCommand("exec sh -c 'echo \"a b\"'"), "no lesson started yet");
        session.start(1, new PrintWriter(new StringWriter()));
        assertTrue(session.isStepCommand("exec sh -c 'echo \"a b\"'"));
        assertTrue(session.isStepCommand("exec  sh  -c  \"echo \\\"a b\\\"\""), "the same words, quoted otherwise");
        assertTrue(session.isStepCommand("unpack --flat busybox " + tmp.resolve("home/lessons/work/1/rootfs")), "with {work} filled in");
        assertFalse(session.isStepCommand("exec sh"));
        assertFalse(session.isStepCommand("ls " + tmp.resolve("home/lessons/work/1")), "a host line is not typed at the cwb> prompt");
        assertFalse(session.isStepCommand("exec sh -c 'unclosed"));
    }
}
