package dev.cwb.classroom;

import dev.cwb.lesson.Lesson;
import dev.cwb.lesson.ProgressListener;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The shell's {@link ProgressListener}: turns each change of a learner's lesson into a
 * {@link ProgressReport} for the class they joined. The membership file is read at each change, so a
 * {@code class join} or {@code class leave} typed in the same session takes effect at once; without one
 * nothing is sent anywhere.
 */
public final class ClassReporter implements ProgressListener, AutoCloseable {
    private final Path home;
    private final Consumer<String> notes;
    private ClassClient client;

    public ClassReporter(Path home, Consumer<String> notes) {
        this.home = home;
        this.notes = notes;
    }

    @Override
    public synchronized void progressed(Lesson lesson, Set<Integer> passed, int current, Set<Integer> failed, Map<Integer, Integer> hints,
                                        Set<Integer> solutions) {
        Optional<ClassMembership> m = ClassMembership.read(home);
        if (m.isEmpty()) {
            closeClient();
            return;
        }
        if (client == null || !client.membership().equals(m.get())) {
            closeClient();
            client = new ClassClient(m.get(), notes);
        }
        client.offer(report(m.get().name(), lesson.number(), lesson.title(), lesson.stepCount(), passed, current, failed, hints, solutions));
    }

    /**
     * A step's state: passed (after its solution was shown: "solution shown"); else the step the learner is on
     * (its last check failed, or being worked on); else failed earlier; else not started.
     */
    static ProgressReport report(String name, int number, String title, int steps, Set<Integer> passed, int current,
                                 Set<Integer> failed, Map<Integer, Integer> hints, Set<Integer> solutions) {
        List<ProgressReport.Step> list = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            StepState s = passed.contains(i) && solutions.contains(i) ? StepState.SOLUTION_SHOWN
                    : passed.contains(i) ? StepState.PASSED
                    : failed.contains(i) ? StepState.CHECK_FAILED
                    : i == current ? StepState.WORKING : StepState.NOT_STARTED;
            list.add(new ProgressReport.Step(s.wire, Math.min(99, hints.getOrDefault(i, 0))));
        }
        String shownTitle = title == null || title.length() <= ProgressReport.MAX_TITLE ? title : title.substring(0, ProgressReport.MAX_TITLE);
        return new ProgressReport(name, number, shownTitle, Math.min(Math.max(0, current), steps - 1), list);
    }

    private void closeClient() {
        if (client != null) {
            client.close();
            client = null;
        }
    }

    /** Leaving the shell: a moment (at most two seconds) for what is still waiting to be sent. */
    @Override
    public synchronized void close() {
        if (client != null) {
            try {
                client.flush(Duration.ofSeconds(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            closeClient();
        }
    }
}
