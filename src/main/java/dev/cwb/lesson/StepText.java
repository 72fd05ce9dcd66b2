package dev.cwb.lesson;

/**
 * Turns a step's Markdown into what a terminal shows: fenced command blocks become indented lines with
 * the prompt they are typed at ({@code cwb> } or {@code $ }), other fenced blocks are indented, the rest
 * is printed as written (Markdown reads well as plain text).
 */
public final class StepText {
    private StepText() {
    }

    public static String render(String markdown) {
        StringBuilder out = new StringBuilder();
        String prompt = null;
        for (String line : markdown.split("\n", -1)) {
            if (line.strip().startsWith("```")) {
                if (prompt == null) {
                    String language = line.strip().substring(3).strip();
                    prompt = language.equals("cwb") ? "    cwb> " : language.equals("sh") ? "    $ " : "    ";
                } else {
                    prompt = null;
                }
                continue;
            }
            out.append(prompt == null ? line : prompt + line).append('\n');
        }
        return out.toString().replaceAll("\n{3,}", "\n\n").strip();
    }
}
