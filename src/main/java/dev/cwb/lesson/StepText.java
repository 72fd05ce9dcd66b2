package dev.cwb.lesson;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the Markdown the lessons use into what a terminal of a given width shows. Paragraphs and list items
 * are wrapped to the width (a list item's later lines under its text); {@code **strong**} becomes bold,
 * {@code *emphasis*} italic and {@code `code`} coloured — on a terminal without colour the markers are
 * dropped and code keeps its backticks; {@code [text](url)} shows its address in brackets. Tables are laid
 * out in columns that fit, cells wrapped in their column, or, when even that does not fit, as one
 * "header: value" line per cell. Fenced command blocks become indented lines with the prompt they are
 * typed at ({@code cwb> } or {@code $ }), other fenced blocks are indented; code is never wrapped, so what
 * is shown can be typed as it is.
 */
public final class StepText {
    private static final String BOLD = "\u001b[1m";
    private static final String ITALIC = "\u001b[3m";
    private static final String CODE = "\u001b[36m";
    private static final String RESET = "\u001b[0m";
    private static final Pattern ANSI = Pattern.compile("\u001b\\[[0-9;]*m");
    private static final Pattern LIST_ITEM = Pattern.compile("^(\\s*)([-*+]|\\d+[.)])\\s+(.*)$");
    private static final Pattern STRONG = Pattern.compile("\\*\\*(?=\\S)(.+?)(?<=\\S)\\*\\*|__(?=\\S)(.+?)(?<=\\S)__");
    private static final Pattern EMPHASIS = Pattern.compile("(?<![\\w*])\\*(?=[^\\s*])(.+?)(?<=[^\\s*])\\*(?![\\w*])|(?<!\\w)_(?=\\S)(.+?)(?<=\\S)_(?!\\w)");
    private static final Pattern LINK = Pattern.compile("\\[([^\\]]+)]\\((\\S+?)\\)");
    private static final int NARROWEST_COLUMN = 8;

    private final int width;
    private final boolean color;
    private final StringBuilder out = new StringBuilder();

    private StepText(int width, boolean color) {
        this.width = Math.max(20, width);
        this.color = color;
    }

    /** Plain text for an 80-column terminal. */
    public static String render(String markdown) {
        return render(markdown, 80, false);
    }

    public static String render(String markdown, int width, boolean color) {
        StepText text = new StepText(width, color);
        text.blocks(markdown.split("\n", -1));
        // blank lines trimmed, never the indentation of a first line that is a command
        return text.out.toString().replaceAll("\n{3,}", "\n\n").replaceAll("^\n+", "").stripTrailing();
    }

    /** The width of {@code line} as a terminal shows it: escape sequences take no room. */
    public static int visibleLength(String line) {
        String plain = ANSI.matcher(line).replaceAll("");
        return plain.codePointCount(0, plain.length());
    }

    private void blocks(String[] lines) {
        List<String> paragraph = new ArrayList<>();
        int i = 0;
        while (i < lines.length) {
            String line = lines[i];
            String stripped = line.strip();
            if (stripped.startsWith("```")) {
                flush(paragraph);
                i = fence(lines, i);
                continue;
            }
            if (stripped.startsWith("|")) {
                flush(paragraph);
                List<String> rows = new ArrayList<>();
                while (i < lines.length && lines[i].strip().startsWith("|")) {
                    rows.add(lines[i].strip());
                    i++;
                }
                table(rows);
                continue;
            }
            if (stripped.isEmpty()) {
                flush(paragraph);
                out.append('\n');
            } else if (LIST_ITEM.matcher(line).matches() || stripped.startsWith("#") || stripped.startsWith(">")) {
                flush(paragraph);
                paragraph.add(line);
            } else if (!paragraph.isEmpty() && !line.startsWith(" ") && LIST_ITEM.matcher(paragraph.get(0)).matches()
                    && paragraph.get(paragraph.size() - 1).isBlank()) {
                flush(paragraph);
                paragraph.add(line);
            } else {
                paragraph.add(line);
            }
            i++;
        }
        flush(paragraph);
    }

    /** A fenced block from {@code lines[start]}; returns the index after its closing fence. */
    private int fence(String[] lines, int start) {
        String language = lines[start].strip().substring(3).strip();
        String prompt = language.equals("cwb") ? "    cwb> " : language.equals("sh") ? "    $ " : "    ";
        int i = start + 1;
        for (; i < lines.length && !lines[i].strip().startsWith("```"); i++) {
            out.append(prompt).append(lines[i].stripTrailing()).append('\n');
        }
        return i + 1;
    }

    /** A paragraph, list item, heading or quote: its lines joined and wrapped. */
    private void flush(List<String> paragraph) {
        if (paragraph.isEmpty()) {
            return;
        }
        String first = paragraph.get(0);
        StringBuilder joined = new StringBuilder();
        for (String l : paragraph) {
            joined.append(joined.isEmpty() ? "" : " ").append(l.strip());
        }
        paragraph.clear();
        String text = joined.toString();
        Matcher item = LIST_ITEM.matcher(first);
        if (item.matches()) {
            String indent = " ".repeat(Math.min(8, item.group(1).length()));
            String marker = item.group(2).matches("[-*+]") ? "•" : item.group(2);
            String body = text.substring(text.indexOf(item.group(2)) + item.group(2).length()).strip();
            wrap(inline(body), indent + "  " + marker + " ", indent + "  " + " ".repeat(marker.length() + 1));
        } else if (first.strip().startsWith("#")) {
            String heading = text.replaceFirst("^#+\\s*", "");
            out.append(color ? BOLD + inline(heading) + RESET : inline(heading)).append('\n');
        } else if (first.strip().startsWith(">")) {
            wrap(inline(text.replaceAll("(^|\\s)>\\s?", "$1").strip()), "  │ ", "  │ ");
        } else {
            wrap(inline(text), "", "");
        }
    }

    /** Word-wraps {@code text} (which may hold escape sequences) to the width. */
    private void wrap(String text, String firstIndent, String restIndent) {
        StringBuilder line = new StringBuilder(firstIndent);
        int length = visibleLength(firstIndent);
        boolean empty = true;
        for (String word : text.split(" +")) {
            if (word.isEmpty()) {
                continue;
            }
            int w = visibleLength(word);
            if (!empty && length + 1 + w > width) {
                out.append(line).append('\n');
                line = new StringBuilder(restIndent);
                length = visibleLength(restIndent);
                empty = true;
            }
            if (!empty) {
                line.append(' ');
                length++;
            }
            line.append(word);
            length += w;
            empty = false;
        }
        out.append(line).append('\n');
    }

    /** Inline Markdown: code spans first (nothing inside them is markup), then links, strong, emphasis. */
    String inline(String text) {
        StringBuilder result = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            int tick = text.indexOf('`', i);
            int close = tick < 0 ? -1 : text.indexOf('`', tick + 1);
            if (tick < 0 || close < 0) {
                result.append(markup(text.substring(i)));
                break;
            }
            result.append(markup(text.substring(i, tick)));
            String code = text.substring(tick + 1, close);
            result.append(color ? CODE + code + RESET : "`" + code + "`");
            i = close + 1;
        }
        return result.toString();
    }

    private String markup(String text) {
        String s = LINK.matcher(text).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + " (" + m.group(2) + ")"));
        s = STRONG.matcher(s).replaceAll(m -> Matcher.quoteReplacement(styled(BOLD, m.group(1) != null ? m.group(1) : m.group(2))));
        s = EMPHASIS.matcher(s).replaceAll(m -> Matcher.quoteReplacement(styled(ITALIC, m.group(1) != null ? m.group(1) : m.group(2))));
        return s;
    }

    private String styled(String style, String text) {
        return color ? style + text + RESET : text;
    }

    /** A Markdown table: columns that fit the width (cells wrapped inside them), else a block per row. */
    private void table(List<String> rows) {
        List<List<String>> cells = new ArrayList<>();
        for (String row : rows) {
            if (row.matches("\\|?[\\s:|-]+\\|?") && row.contains("-")) {
                continue; // the |---|---| line under the header
            }
            String inner = row.substring(1, row.endsWith("|") && row.length() > 1 ? row.length() - 1 : row.length());
            List<String> r = new ArrayList<>();
            for (String cell : inner.split("(?<!\\\\)\\|", -1)) {
                r.add(inline(cell.strip().replace("\\|", "|")));
            }
            cells.add(r);
        }
        if (cells.isEmpty()) {
            return;
        }
        int columns = cells.stream().mapToInt(List::size).max().orElse(0);
        for (List<String> r : cells) {
            while (r.size() < columns) {
                r.add("");
            }
        }
        int[] widths = new int[columns];
        for (List<String> r : cells) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], visibleLength(r.get(c)));
            }
        }
        int gap = 2;
        int available = width - 2 - gap * (columns - 1);
        while (sum(widths) > available) {
            int widest = 0;
            for (int c = 1; c < columns; c++) {
                if (widths[c] > widths[widest]) {
                    widest = c;
                }
            }
            if (widths[widest] <= NARROWEST_COLUMN) {
                rowsAsBlocks(cells);
                return;
            }
            widths[widest]--;
        }
        for (int r = 0; r < cells.size(); r++) {
            List<List<String>> wrapped = new ArrayList<>();
            int height = 1;
            for (int c = 0; c < columns; c++) {
                List<String> pieces = wrapCell(cells.get(r).get(c), widths[c]);
                wrapped.add(pieces);
                height = Math.max(height, pieces.size());
            }
            for (int h = 0; h < height; h++) {
                StringBuilder line = new StringBuilder("  ");
                for (int c = 0; c < columns; c++) {
                    String piece = h < wrapped.get(c).size() ? wrapped.get(c).get(h) : "";
                    String shown = r == 0 && color && !piece.isEmpty() ? BOLD + piece + RESET : piece;
                    line.append(shown);
                    if (c + 1 < columns) {
                        line.append(" ".repeat(widths[c] - visibleLength(piece) + gap));
                    }
                }
                out.append(line.toString().stripTrailing()).append('\n');
            }
            if (r == 0) {
                StringBuilder rule = new StringBuilder("  ");
                for (int c = 0; c < columns; c++) {
                    rule.append("─".repeat(widths[c])).append(c + 1 < columns ? " ".repeat(gap) : "");
                }
                out.append(rule).append('\n');
            }
        }
    }

    /** The plain fallback for a table too wide for any columns: each row a block of "header: value" lines. */
    private void rowsAsBlocks(List<List<String>> cells) {
        List<String> header = cells.get(0);
        for (int r = 1; r < cells.size(); r++) {
            for (int c = 0; c < header.size(); c++) {
                String value = cells.get(r).get(c);
                if (!value.isEmpty()) {
                    // a row's first cell heads its block; an empty header (a table's corner) adds nothing
                    String label = header.get(c).isEmpty() ? "" : header.get(c) + ": ";
                    wrap(label + value, c == 0 ? "  • " : "    ", "      ");
                }
            }
        }
    }

    /** A cell's text wrapped to {@code width} columns; a word longer than that is cut. */
    private static List<String> wrapCell(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" +")) {
            while (visibleLength(word) > width) {
                if (!line.isEmpty()) {
                    lines.add(line.toString());
                    line.setLength(0);
                }
                int cut = cutAt(word, width);
                lines.add(word.substring(0, cut));
                word = word.substring(cut);
            }
            if (word.isEmpty()) {
                continue;
            }
            if (!line.isEmpty() && visibleLength(line.toString()) + 1 + visibleLength(word) > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            line.append(line.isEmpty() ? "" : " ").append(word);
        }
        if (!line.isEmpty() || lines.isEmpty()) {
            lines.add(line.toString());
        }
        return lines;
    }

    /** Where to cut {@code word} so that its first part shows {@code width} columns (escapes kept whole). */
    private static int cutAt(String word, int width) {
        int shown = 0;
        int i = 0;
        while (i < word.length() && shown < width) {
            Matcher m = ANSI.matcher(word).region(i, word.length());
            if (m.lookingAt()) {
                i = m.end();
                continue;
            }
            i += Character.charCount(word.codePointAt(i));
            shown++;
        }
        return i;
    }

    private static int sum(int[] widths) {
        int s = 0;
        for (int w : widths) {
            s += w;
        }
        return s;
    }
}
