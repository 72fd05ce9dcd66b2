package dev.cwb.view;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class PrintableTest {
    @Test
    void controlCharactersFromAnImageCannotDriveTheTerminal() {
        assertEquals("RUN x \\x1b[2J\\x1b[31mred", Printable.of("RUN x \u001b[2J\u001b[31mred"));
        assertEquals("new\\nline\\ttab\\r", Printable.of("new\nline\ttab\r"));
        assertEquals("evil\\u202etxt.exe", Printable.of("evil\u202etxt.exe"));
        assertEquals("\\x7f\\u009b", Printable.of("\u007f\u009b"));
    }

    @Test
    void shownTextFilesKeepTheirLinesButNotTheirEscapes() throws java.io.IOException {
        java.io.StringWriter sink = new java.io.StringWriter();
        try (java.io.Writer w = Printable.textWriter(sink)) {
            w.write("line 1\n\tindented \u001b]52;c;evil\u0007\n");
        }
        assertEquals("line 1\n\tindented \\x1b]52;c;evil\\x07\n", sink.toString());
    }

    @Test
    void ordinaryTextIsUntouched() {
        String text = "héllo wörld ☃ /usr/bin/awk -> busybox │";
        assertSame(text, Printable.of(text));
    }

    @Test
    void tablesShowEscapesNotControlCharacters() {
        String table = new Table("CREATED BY").row("echo \u001b[2J\nboom").render(true, 0);
        assertEquals(-1, table.indexOf('\u001b'));
        assertEquals(true, table.contains("echo \\x1b[2J\\nboom"));
    }

    @Test
    void fileNamesPrintAsLsBDoesAndReadBack() {
        assertEquals("a\\xff", Printable.name("a\udcff"));
        assertEquals("a\\\\xff", Printable.name("a\\xff"), "a real backslash is doubled: the two names print differently");
        assertEquals("evil\\n\\x1b[2J", Printable.name("evil\n\u001b[2J"));
        assertEquals("smile \ud83d\ude00", Printable.name("smile \ud83d\ude00"), "a surrogate pair is a character");
        assertEquals("\\ud83d", Printable.of("\ud83d"), "an unpaired surrogate is escaped");
        for (String name : new String[] {"a\udcff", "a\\xff", "evil\n\u001b[2J", "tab\there", "café"}) {
            assertEquals(name, Printable.unescapeName(Printable.name(name)));
        }
    }
}
