package dev.cwb.container;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Multi-stage builds, {@code --target}, {@code COPY --from}, ONBUILD triggers and {@code builder ls|prune}. */
class BuildStagesTest {
    @TempDir
    static Path home;
    @TempDir
    static Path ctx;
    static ContainerBench cwb;

    @BeforeAll
    static void samples() throws IOException {
        cwb = ContainerBench.open(home);
        Files.writeString(ctx.resolve("Dockerfile"), """
                FROM busybox AS build
                RUN mkdir /out && head -c 200000 /dev/urandom > /out/junk && echo artifact > /out/artifact && rm /out/junk
                FROM busybox AS broken
                RUN exit 7
                FROM scratch AS final
                COPY --from=build /out/artifact /artifact
                COPY --from=build /bin/busybox /bin/busybox
                CMD ["/bin/busybox", "cat", "/artifact"]
                """);
    }

    @AfterAll
    static void close() {
        if (cwb != null) {
            cwb.close();
        }
    }

    @Test
    void onlyTheStagesTheTargetNeedsAreBuilt() {
        ContainerBench.Result r = cwb.ok("build", "-t", "staged:final", ctx.toString());
        assertFalse(r.out().contains("RUN exit 7"), "a stage the target does not need was built: " + r.out());
        assertTrue(r.out().contains("[1/6] FROM busybox:latest AS build"), r.out());
        assertTrue(r.out().contains("[4/6] COPY --from=build /out/artifact /artifact"), r.out());
        assertEquals("artifact", cwb.ok("run", "staged:final").lines().get(0));
        // the final image holds only what was copied: the build stage's layers and its junk are not in it
        assertEquals(2, cwb.harness().workbench().images().image("staged:final").layers().size());

        ContainerBench.Result build = cwb.ok("build", "--target", "build", "-t", "staged:build", ctx.toString());
        assertTrue(build.out().contains("[2/2] CACHED RUN mkdir /out"), build.out());
        assertEquals(4, cwb.harness().workbench().images().image("staged:build").layers().size());

        ContainerBench.Result broken = cwb.run("build", "--target", "broken", "-t", "staged:broken", ctx.toString());
        assertNotEquals(0, broken.code());
        assertTrue(broken.err().contains("Dockerfile:4: RUN exit 7 exited with status 7"), broken.toString());

        ContainerBench.Result none = cwb.run("build", "--target", "nosuch", ctx.toString());
        assertTrue(none.err().contains("--target nosuch: no stage of that name in Dockerfile (its stages: build, broken, final)"), none.toString());
    }

    @Test
    void onbuildTriggersRunWhenTheImageIsAFrom() throws IOException {
        Path base = Files.createDirectories(ctx.resolve("base"));
        Files.writeString(base.resolve("Dockerfile"), "FROM busybox\nONBUILD RUN echo triggered > /triggered\n");
        cwb.ok("build", "-t", "with-trigger", base.toString());
        assertTrue(cwb.ok("inspect", "with-trigger", "--json").out().contains("\"OnBuild\""));
        Path child = Files.createDirectories(ctx.resolve("child"));
        Files.writeString(child.resolve("Dockerfile"), "FROM with-trigger\nCMD [\"cat\", \"/triggered\"]\n");
        ContainerBench.Result r = cwb.ok("build", "-t", "triggered", child.toString());
        assertTrue(r.out().contains("RUN echo triggered > /triggered  (ONBUILD of with-trigger)"), r.out());
        assertEquals("triggered", cwb.ok("run", "triggered").lines().get(0));
        assertFalse(cwb.ok("inspect", "triggered", "--json").out().contains("\"OnBuild\""), "triggers are not inherited");
    }

    @Test
    void builderListsAndPrunesTheCacheAndAPrunedStepRunsAgain() throws IOException {
        Path c = Files.createDirectories(ctx.resolve("prune"));
        Files.writeString(c.resolve("Dockerfile"), "FROM busybox\nRUN echo prune-me > /p\n");
        ContainerBench.Result first = cwb.ok("build", "-t", "prune-me", c.toString());
        assertTrue(first.out().matches("(?s).*layer [0-9a-f]{12}: 1 entry, .*"), "one file, said in the singular: " + first.out());
        assertTrue(cwb.ok("builder", "ls").out().contains("RUN /bin/sh -c echo prune-me > /p # buildkit"));
        // rmi deletes the layer blob from the store; the cache keeps it and gives it back
        cwb.ok("rmi", "prune-me");
        ContainerBench.Result again = cwb.ok("build", "-t", "prune-me", c.toString());
        assertTrue(again.out().contains("[2/2] CACHED RUN echo prune-me"), again.out());
        assertEquals("prune-me", cwb.ok("run", "prune-me", "cat", "/p").lines().get(0));

        ContainerBench.Result pruned = cwb.ok("builder", "prune");
        assertTrue(pruned.out().startsWith("Removed "), pruned.out());
        assertTrue(cwb.ok("builder", "ls").out().contains("The build cache is empty"));
        ContainerBench.Result fresh = cwb.ok("build", "-t", "prune-me", c.toString());
        assertFalse(fresh.out().contains("CACHED"), fresh.out());
        assertTrue(fresh.out().contains("      exit 0 · "), "the RUN did not run again: " + fresh.out());
    }
}
