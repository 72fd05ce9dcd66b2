package dev.cwb.lesson;

import java.util.Map;
import java.util.Set;

/**
 * Told each time a learner's place in a lesson changes: a step entered, a check that passed or said "not
 * yet", a hint shown, a solution shown, a lesson reset. The shell gives the {@link LessonSession} one that
 * sends the change to the teacher's class view (dev.cwb.classroom) once the learner has joined a class; it
 * must never block.
 */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = (lesson, passed, current, failed, hints, solutions) -> { };

    /**
     * @param passed    the 0-based steps whose checks passed
     * @param current   the 0-based step the learner is on
     * @param failed    the steps whose last check in this session said "not yet" (and that have not passed since)
     * @param hints     per step, how many of its hint tiers were shown (kept with the progress)
     * @param solutions the challenges whose solution the learner asked for
     */
    void progressed(Lesson lesson, Set<Integer> passed, int current, Set<Integer> failed, Map<Integer, Integer> hints, Set<Integer> solutions);
}
