package dev.cwb.classroom;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * The two secrets of a class. The <em>join code</em> is what students type ({@code K7QM-4TRX}): a server
 * takes progress only from those who send it. The <em>viewer key</em> is in the teacher's page address:
 * without it the page and the API show nothing, so a class bound to a lab network is not open to every
 * machine on it. Both come from {@link SecureRandom}, and are compared in constant time
 * ({@link MessageDigest#isEqual}), so a wrong guess teaches nothing about the right one.
 */
public final class ClassCodes {
    /** No 0/O, 1/I/L: a code read off a projector is typed right the first time. */
    private static final String ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private ClassCodes() {
    }

    /** Eight characters in two groups of four: about 39 bits, ample for a class that lasts hours. */
    public static String newJoinCode() {
        return random(4) + "-" + random(4);
    }

    /** Twenty characters (about 99 bits), for the address bar only. */
    public static String newViewerKey() {
        return random(20).toLowerCase();
    }

    /** A code as typed: case and the dash do not matter. */
    public static String normalize(String code) {
        return code == null ? "" : code.replace("-", "").replace(" ", "").toUpperCase();
    }

    public static boolean sameCode(String expected, String given) {
        return MessageDigest.isEqual(normalize(expected).getBytes(StandardCharsets.UTF_8),
                normalize(given).getBytes(StandardCharsets.UTF_8));
    }

    public static boolean sameKey(String expected, String given) {
        return given != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    private static String random(int length) {
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }
}
