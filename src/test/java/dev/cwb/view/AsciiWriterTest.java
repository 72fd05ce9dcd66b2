package dev.cwb.view;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AsciiWriterTest {
    @Test
    void symbolsBecomeAsciiLookAlikesAndTheRestPassesThrough() throws IOException {
        StringWriter sink = new StringWriter();
        try (AsciiWriter w = new AsciiWriter(sink)) {
            w.write("error: no such image 'x' — try ↳ help… │ ok ✓ wörld");
        }
        assertEquals("error: no such image 'x' - try -> help... | ok v wörld", sink.toString());
    }
}
