package dev.cwb.image;

import dev.cwb.CwbException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DigestTest {
    private static final byte[] HELLO = "hello\n".getBytes(StandardCharsets.UTF_8);
    // printf 'hello\n' | sha256sum
    private static final String HELLO_SHA256 = "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

    @Test
    void sha256OfBytesMatchesSha256sum() {
        assertEquals(HELLO_SHA256, Digest.sha256(HELLO).toString());
        assertEquals("5891b5b522d5", Digest.parse(HELLO_SHA256).shortId());
    }

    @Test
    void rejectsMalformedDigests() {
        assertThrows(CwbException.class, () -> Digest.parse("sha256:xyz"));
        assertThrows(CwbException.class, () -> Digest.parse("5891b5b522d5df"));
        assertThrows(CwbException.class, () -> Digest.parse("md5:d41d8cd98f00b204e9800998ecf8427e"));
        assertThrows(CwbException.class, () -> Digest.parse("sha256:" + "A".repeat(64)));
    }

    @Test
    void verifyingStreamAcceptsTheRightBytes() throws IOException {
        try (VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(HELLO), Digest.parse(HELLO_SHA256), HELLO.length, "blob x")) {
            assertArrayEquals(HELLO, in.readAllBytes());
            in.verifyToEnd();
            assertTrue(in.verified());
        }
    }

    @Test
    void verifyingStreamRefusesChangedBytesAndNamesTheBlob() {
        byte[] changed = "hellO\n".getBytes(StandardCharsets.UTF_8);
        CwbException e = assertThrows(CwbException.class, () -> {
            try (VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(changed), Digest.parse(HELLO_SHA256), changed.length, "blob " + HELLO_SHA256)) {
                in.readAllBytes();
            }
        });
        assertTrue(e.getMessage().contains(HELLO_SHA256) && e.getMessage().contains("does not match its digest"), e.getMessage());
    }

    @Test
    void verifyingStreamRefusesWrongSizeEarly() {
        byte[] longer = "hello\nmore".getBytes(StandardCharsets.UTF_8);
        CwbException e = assertThrows(CwbException.class, () -> {
            try (VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(longer), Digest.parse(HELLO_SHA256), HELLO.length, "blob b")) {
                in.readAllBytes();
            }
        });
        assertTrue(e.getMessage().contains("larger than its descriptor"), e.getMessage());
    }
}
