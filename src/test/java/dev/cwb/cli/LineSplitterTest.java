package dev.cwb.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LineSplitterTest {
    @Test
    void whitespaceSeparatesWords() {
        assertEquals(List.of("inspect", "layers", "alpine:3.20"), LineSplitter.split("  inspect \t layers   alpine:3.20  "));
        assertEquals(List.of(), LineSplitter.split("   "));
    }

    @Test
    void singleQuotesKeepEverythingLiterally() {
        assertEquals(List.of("load", "my images/a \\\"b\\\".tar"), LineSplitter.split("load 'my images/a \\\"b\\\".tar'"));
    }

    @Test
    void doubleQuotesKeepSpacesAndAllowEscapedQuotes() {
        assertEquals(List.of("save", "alpine", "say \"hi\" \\n.tar"), LineSplitter.split("save alpine \"say \\\"hi\\\" \\n.tar\""));
    }

    @Test
    void backslashEscapesTheNextCharacterOutsideQuotes() {
        assertEquals(List.of("load", "a b.tar"), LineSplitter.split("load a\\ b.tar"));
    }

    @Test
    void quotedPartsJoinTheWordAroundThem() {
        assertEquals(List.of("--name=two words", ""), LineSplitter.split("--name='two words' \"\""));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "load 'a.tar      | unterminated single quote",
            "load \"a.tar     | unterminated double quote",
            "load a.tar\\     | a backslash at the end of the line escapes nothing",
    })
    void brokenQuotingSaysWhatIsWrong(String line, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LineSplitter.split(line));
        assertEquals(message, e.getMessage());
    }
}
