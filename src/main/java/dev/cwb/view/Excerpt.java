package dev.cwb.view;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps a message that quotes what the user typed to a readable length. An error line names the argument
 * it is about ({@code no image 'xyz'}), and an argument can be megabytes long (a script line, a pasted
 * file): quoting it whole would bury the one line the learner needs under a screenful of it. A word longer
 * than {@value #LONGEST_WORD} characters keeps its start and its end with the count of what was left out
 * between them; a line still longer than {@value #LONGEST_LINE} keeps its start (what failed) and its end
 * (what to do).
 */
public final class Excerpt {
    /** The longest word (a run without spaces) shown whole. */
    public static final int LONGEST_WORD = 160;
    /** The longest line shown whole. */
    public static final int LONGEST_LINE = 1000;

    private static final Pattern LONG_WORD = Pattern.compile("\\S{" + (LONGEST_WORD + 1) + ",}");

    private Excerpt() {
    }

    /** {@code text} with every over-long word, then the line itself, cut in the middle. */
    public static String of(String text) {
        if (text == null || text.length() <= LONGEST_WORD) {
            return text;
        }
        Matcher m = LONG_WORD.matcher(text);
        StringBuilder sb = new StringBuilder();
        int last = 0;
        while (m.find()) {
            sb.append(text, last, m.start()).append(middleCut(text, m.start(), m.end(), 100, 40));
            last = m.end();
        }
        sb.append(text, last, text.length());
        return sb.length() <= LONGEST_LINE ? sb.toString() : middleCut(sb, 0, sb.length(), 600, 300);
    }

    /** The first {@code head} and last {@code tail} characters of {@code text[start, end)}, and how many were between. */
    private static String middleCut(CharSequence text, int start, int end, int head, int tail) {
        int headEnd = start + head;
        int tailStart = end - tail;
        if (Character.isLowSurrogate(text.charAt(headEnd))) {
            headEnd--; // never split a character made of two chars
        }
        if (Character.isLowSurrogate(text.charAt(tailStart))) {
            tailStart++;
        }
        return text.subSequence(start, headEnd) + " [... " + (tailStart - headEnd) + " characters left out ...] "
                + text.subSequence(tailStart, end);
    }
}
