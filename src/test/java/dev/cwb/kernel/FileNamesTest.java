package dev.cwb.kernel;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileNamesTest {
    @Test
    void validUtf8IsItsCharactersAndOtherBytesAreEscapedOneByOne() {
        assertEquals("café ☃", FileNames.decode("café ☃".getBytes(StandardCharsets.UTF_8)));
        assertEquals("a\udcff", FileNames.decode(new byte[] {'a', (byte) 0xff}));
        assertEquals("a\udcfe", FileNames.decode(new byte[] {'a', (byte) 0xfe}));
        // an encoded surrogate (ED B0 80) is not UTF-8: three escaped bytes, not the surrogate it spells
        assertEquals("\udced\udcb0\udc80", FileNames.decode(new byte[] {(byte) 0xed, (byte) 0xb0, (byte) 0x80}));
        assertFalse(FileNames.hasEscapedBytes("café"));
        byte[] emoji = "\ud83d\udcff".getBytes(StandardCharsets.UTF_8); // U+1F4FF: its low half lies in the escape range
        assertArrayEquals(emoji, FileNames.encode(FileNames.decode(emoji)));
        assertFalse(FileNames.hasEscapedBytes("\ud83d\udcff"));
        assertTrue(FileNames.hasEscapedBytes("a\udcff"));
    }

    @Test
    void everyByteStringComesBackExactlyAndDistinctNamesStayDistinct() {
        Random random = new Random(42);
        Set<String> seen = new HashSet<>();
        Set<String> bytesSeen = new HashSet<>();
        for (int i = 0; i < 20_000; i++) {
            byte[] name = new byte[1 + random.nextInt(6)];
            random.nextBytes(name);
            String s = FileNames.decode(name);
            assertArrayEquals(name, FileNames.encode(s), "round trip of " + java.util.HexFormat.of().formatHex(name));
            if (bytesSeen.add(java.util.HexFormat.of().formatHex(name))) {
                assertTrue(seen.add(s), "two byte strings decoded alike: " + java.util.HexFormat.of().formatHex(name));
            }
        }
    }

    @Test
    void latin1ReadNamesAreDecodedAsTheirBytes() {
        assertEquals("a\udcff", FileNames.fromLatin1("a\u00ff"));
        assertEquals("é", FileNames.fromLatin1("\u00c3\u00a9")); // the two UTF-8 bytes of é, read one char each
        byte[] c = FileNames.cString("a\udcff");
        assertArrayEquals(new byte[] {'a', (byte) 0xff, 0}, c);
    }
}
