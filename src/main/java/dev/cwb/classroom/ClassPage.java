package dev.cwb.classroom;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The teacher's page, drawn on the server from the {@link ClassRoom}: one row per student, one cell per
 * step, coloured by {@link StepState}. The page refreshes its grid every two seconds with a few lines of
 * plain JavaScript (nothing is downloaded: a lab may have no network), and without JavaScript it reloads
 * itself. Every text that comes from a student is escaped here, in one place ({@link #text}), so a name
 * such as {@code <b>bo</b>} shows as those characters.
 */
public final class ClassPage {
    /** A student this long on one step, or on a step whose check failed, is marked as perhaps stuck. */
    static final Duration STUCK_AFTER = Duration.ofMinutes(10);

    private ClassPage() {
    }

    /** The whole page; {@code key} is put back into the grid's address, {@code lesson} is the lesson shown (null: each student's latest). */
    public static String page(ClassRoom room, String joinLine, Integer lesson, String key, long now) {
        String query = "key=" + text(key) + (lesson == null ? "" : "&amp;lesson=" + lesson);
        return """
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><title>Container Workbench — class view</title>
                <noscript><meta http-equiv="refresh" content="5"></noscript>
                <style>
                body{font-family:system-ui,sans-serif;margin:1.5em;color:#111}
                h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.1em;margin:.8em 0 0}
                .join{font-size:1.1em}.join code{background:#f3f4f6;padding:.1em .3em}
                table{border-collapse:collapse;margin-top:1em}
                th,td{border:1px solid #d1d5db;padding:.25em .5em;text-align:center}
                td.name{text-align:left;font-weight:600;max-width:16em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
                td.cell{width:2.2em;height:1.6em}
                .not-started{background:#e5e7eb}.working{background:#fde68a}.failed{background:#f87171}
                .passed{background:#4ade80}.solution{background:#a78bfa}
                td.current{outline:3px solid #1d4ed8;outline-offset:-3px}
                tr.stuck td.name{background:#fee2e2}
                .legend span{display:inline-block;padding:.1em .6em;margin-right:.4em;border:1px solid #d1d5db}
                #status{color:#6b7280;font-size:.9em}
                </style></head><body>
                <h1>Class view</h1>
                <p class="join">%s</p>
                <div id="grid">%s</div>
                <p class="legend">%s</p>
                <p id="status">updated %s</p>
                <script>
                (function(){
                  var grid=document.getElementById('grid'),status=document.getElementById('status');
                  function tick(){
                    fetch('/grid?%s'.replace(/&amp;/g,'&'),{cache:'no-store'})
                      .then(function(r){if(!r.ok)throw r.status;return r.text();})
                      .then(function(t){grid.innerHTML=t;status.textContent='updated '+new Date().toLocaleTimeString();})
                      .catch(function(){status.textContent='the class server is not answering: retrying';});
                  }
                  setInterval(tick,2000);
                })();
                </script>
                </body></html>
                """.formatted(joinLine == null ? "" : text(joinLine), grid(room, lesson, now), legend(), Instant.ofEpochMilli(now), query);
    }

    /** The grid alone (what the page fetches). */
    public static String grid(ClassRoom room, Integer lesson, long now) {
        List<ClassRoom.Row> rows = room.rows(lesson);
        if (rows.isEmpty()) {
            return "<p class=\"empty\">No student has joined yet.</p>";
        }
        int columns = rows.stream().mapToInt(r -> r.report() == null ? 0 : r.report().steps().size()).max().orElse(0);
        StringBuilder b = new StringBuilder();
        java.util.Set<Integer> lessons = new java.util.TreeSet<>();
        rows.stream().filter(r -> r.report() != null).forEach(r -> lessons.add(r.report().lesson()));
        if (lessons.size() == 1) {
            ProgressReport any = rows.stream().filter(r -> r.report() != null).findFirst().orElseThrow().report();
            b.append("<h2>Lesson ").append(any.lesson()).append(any.title() == null ? "" : ": " + text(any.title())).append("</h2>");
        }
        b.append("<table><thead><tr><th>Student</th><th>Lesson</th>");
        for (int i = 1; i <= columns; i++) {
            b.append("<th>").append(i).append("</th>");
        }
        b.append("<th>Hints</th><th>On this step</th></tr></thead><tbody>\n");
        for (ClassRoom.Row row : rows) {
            ProgressReport r = row.report();
            boolean stuck = r != null && (now - row.onStepSince() >= STUCK_AFTER.toMillis()
                    || r.steps().get(r.current()).stateOrNull() == StepState.CHECK_FAILED);
            b.append(stuck ? "<tr class=\"stuck\">" : "<tr>")
                    .append("<td class=\"name\" title=\"").append(text(row.name())).append("\">").append(text(row.name())).append("</td>");
            if (r == null) {
                b.append("<td>—</td>").append("<td></td>".repeat(columns)).append("<td></td><td></td></tr>\n");
                continue;
            }
            b.append("<td title=\"").append(text(r.title() == null ? "" : r.title())).append("\">").append(r.lesson()).append("</td>");
            for (int i = 0; i < columns; i++) {
                if (i >= r.steps().size()) {
                    b.append("<td></td>");
                    continue;
                }
                StepState s = r.steps().get(i).stateOrNull();
                int hints = r.steps().get(i).hints();
                b.append("<td class=\"cell ").append(s.wire).append(i == r.current() ? " current" : "")
                        .append("\" title=\"step ").append(i + 1).append(": ").append(s.words)
                        .append(hints > 0 ? ", " + hints + " hint" + (hints == 1 ? "" : "s") : "").append("\">")
                        .append(s == StepState.NOT_STARTED ? "" : String.valueOf(s.symbol)).append("</td>");
            }
            b.append("<td>").append(r.hints()).append("</td><td>").append(minutes(now - row.onStepSince())).append("</td></tr>\n");
        }
        return b.append("</tbody></table>").toString();
    }

    private static String legend() {
        StringBuilder b = new StringBuilder();
        for (StepState s : StepState.values()) {
            b.append("<span class=\"").append(s.wire).append("\">").append(s.words).append("</span>");
        }
        return b.append(" · the blue frame is the step a student is on; a red name has failed a check or spent ")
                .append(STUCK_AFTER.toMinutes()).append(" minutes on one step").toString();
    }

    static String minutes(long millis) {
        long m = Math.max(0, millis) / 60_000;
        return m < 1 ? "&lt; 1 min" : m + " min";
    }

    /** HTML-escapes a text for an element or an attribute. */
    public static String text(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * The class as CSV for a grade book: a line per student and lesson. A field that a spreadsheet would take
     * for a formula (starting with {@code = + - @}) is prefixed with a quote, as OWASP advises for CSV injection.
     */
    public static String csv(ClassRoom room, Integer lesson) {
        StringBuilder b = new StringBuilder("name,lesson,title,steps_passed,steps,hints_used,solutions_shown,current_step,current_state,last_seen\n");
        for (ClassRoom.Row row : room.rows(lesson)) {
            ProgressReport r = row.report();
            if (r == null) {
                continue;
            }
            b.append(String.join(",", csvField(row.name()), String.valueOf(r.lesson()), csvField(r.title() == null ? "" : r.title()),
                    String.valueOf(r.passed()), String.valueOf(r.steps().size()), String.valueOf(r.hints()),
                    String.valueOf(r.solutionsShown()), String.valueOf(r.current() + 1),
                    r.steps().get(r.current()).stateOrNull().words, Instant.ofEpochMilli(row.lastSeen()).toString())).append('\n');
        }
        return b.toString();
    }

    static String csvField(String s) {
        String v = !s.isEmpty() && "=+-@".indexOf(s.charAt(0)) >= 0 ? "'" + s : s;
        return v.matches("[^,\"\\r\\n]*") ? v : "\"" + v.replace("\"", "\"\"") + "\"";
    }
}
