package dev.cwb.shell;

import org.jline.reader.Highlighter;
import org.jline.reader.LineReader;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;

/**
 * Colours the line as it is typed, so a typo shows before Enter: the command word is bold green when the
 * workbench knows it, plain while it is still the beginning of a known name, and red when no command starts
 * that way. Options ({@code --json}) are cyan. Without colour the line is returned as typed.
 */
final class CommandHighlighter implements Highlighter {
    static final AttributedStyle KNOWN = AttributedStyle.BOLD.foreground(AttributedStyle.GREEN);
    static final AttributedStyle UNKNOWN = AttributedStyle.BOLD.foreground(AttributedStyle.RED);
    static final AttributedStyle OPTION = AttributedStyle.DEFAULT.foreground(AttributedStyle.CYAN);

    private final CommandTree tree;
    private final boolean color;
    private boolean warmedUp;

    CommandHighlighter(CommandTree tree, boolean color) {
        this.tree = tree;
        this.color = color;
    }

    @Override
    public AttributedString highlight(LineReader reader, String buffer) {
        if (!warmedUp) {
            // the prompt is on screen: build the command tree now, while the learner reads and types
            warmedUp = true;
            tree.warmUpInBackground();
        }
        if (!color || buffer.isBlank()) {
            return new AttributedString(buffer);
        }
        AttributedStringBuilder line = new AttributedStringBuilder(buffer.length() + 16);
        int i = 0;
        boolean first = true;
        while (i < buffer.length()) {
            int start = i;
            if (Character.isWhitespace(buffer.charAt(i))) {
                while (i < buffer.length() && Character.isWhitespace(buffer.charAt(i))) {
                    i++;
                }
                line.append(buffer.substring(start, i));
                continue;
            }
            while (i < buffer.length() && !Character.isWhitespace(buffer.charAt(i))) {
                i++;
            }
            String word = buffer.substring(start, i);
            boolean complete = i < buffer.length(); // a word followed by a space is finished
            line.styled(first ? commandStyle(word, complete) : wordStyle(word), word);
            first = false;
        }
        return line.toAttributedString();
    }

    /** The style of the first word: known, still being typed, or unknown. */
    AttributedStyle commandStyle(String word, boolean complete) {
        if (isKnown(word)) {
            return KNOWN;
        }
        if (!complete && isPrefixOfKnown(word)) {
            return AttributedStyle.DEFAULT;
        }
        return UNKNOWN;
    }

    private boolean isKnown(String word) {
        return tree.isCommand(word) || MetaCommand.named(word).isPresent() || MetaCommand.isQuit(word)
                || word.startsWith("!") && word.length() > 1; // a host command
    }

    private boolean isPrefixOfKnown(String prefix) {
        for (String name : tree.commandNames()) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        for (MetaCommand meta : MetaCommand.values()) {
            for (String name : meta.names()) {
                if (name.startsWith(prefix)) {
                    return true;
                }
            }
        }
        return "exit".startsWith(prefix) || "quit".startsWith(prefix);
    }

    private static AttributedStyle wordStyle(String word) {
        return word.startsWith("-") ? OPTION : AttributedStyle.DEFAULT;
    }
}
