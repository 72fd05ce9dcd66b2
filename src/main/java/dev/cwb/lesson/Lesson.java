package dev.cwb.lesson;

import java.nio.file.Path;
import java.util.List;

/**
 * One lesson, as read from its Markdown file in {@code lessons/} (format: docs/teachers.md).
 *
 * @param number        the lesson's place in the course ({@code id:} in the front matter); {@code :lesson N} uses it
 * @param needsRoot     {@code needs: root}: the lesson's steps touch the kernel and need root
 * @param images        images the lesson starts from (the samples); they must be in the store
 * @param createsImages images the lesson's steps make; {@code :reset} removes them
 * @param unpacks       images whose layers the lesson unpacks into the layer cache; {@code :reset} clears those entries
 * @param containers    containers the lesson's steps make ({@code containers:}); {@code :reset} removes them
 * @param notes         {@code > instructor:} notes outside the steps, shown only in demo mode
 * @param volumes       named volumes the lesson's steps make ({@code volumes:}); {@code :reset} removes them
 */
public record Lesson(Path file, int number, String title, boolean needsRoot, List<String> images,
                     List<String> createsImages, List<String> unpacks, List<String> containers, String goal, String concept,
                     List<Step> steps, String documentation, String exercises, List<String> notes, List<String> volumes) {

    public Step step(int index) {
        return steps.get(index);
    }

    public int stepCount() {
        return steps.size();
    }
}
