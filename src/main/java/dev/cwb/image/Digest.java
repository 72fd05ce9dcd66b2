package dev.cwb.image;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.cwb.CwbException;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest such as {@code sha256:9f86d0...}: the name of a blob in a content-addressed store.
 *
 * <p>OCI image-spec, "Descriptors" §Digests: {@code algorithm ":" encoded}; sha256 is 64 lowercase hex
 * characters and sha512 128. Because the name <em>is</em> a hash of the bytes, anyone can check that a
 * blob is the one that was asked for — which is why every blob read by the workbench is verified.
 */
public record Digest(String algorithm, String encoded) implements Comparable<Digest> {
    private static final Pattern SHA256 = Pattern.compile("[a-f0-9]{64}");
    private static final Pattern SHA512 = Pattern.compile("[a-f0-9]{128}");

    public Digest {
        Pattern p = switch (algorithm) {
            case "sha256" -> SHA256;
            case "sha512" -> SHA512;
            default -> throw CwbException.badInput("unsupported digest algorithm '" + algorithm + "'",
                    "OCI images use sha256 (or sha512)");
        };
        if (!p.matcher(encoded).matches()) {
            throw CwbException.badInput("malformed " + algorithm + " digest '" + encoded + "'",
                    "a " + algorithm + " digest is " + (algorithm.equals("sha256") ? 64 : 128)
                            + " lowercase hex characters");
        }
    }

    /** Parses {@code sha256:<64 hex>}; a malformed string is a {@link CwbException} saying why. */
    @JsonCreator
    public static Digest parse(String text) {
        if (text == null) {
            throw CwbException.badInput("missing digest", null);
        }
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw CwbException.badInput("malformed digest '" + text + "'", "a digest looks like sha256:<64 hex characters>");
        }
        return new Digest(text.substring(0, colon), text.substring(colon + 1));
    }

    /** The sha256 digest of some bytes. */
    public static Digest sha256(byte[] bytes) {
        return ofSha256(newSha256().digest(bytes));
    }

    public static Digest ofSha256(byte[] hash) {
        return new Digest("sha256", HexFormat.of().formatHex(hash));
    }

    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** A fresh hasher for this digest's algorithm. */
    public MessageDigest newHasher() {
        try {
            return MessageDigest.getInstance(algorithm.equals("sha256") ? "SHA-256" : "SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has " + algorithm, e);
        }
    }

    /** The first 12 hex characters, as {@code docker images} shows an image id. */
    public String shortId() {
        return encoded.substring(0, 12);
    }

    // equals and hashCode written out: a record's generated ones link through invokedynamic on their first
    // call (ObjectMethods), spinning method handles that cost a one-shot command milliseconds
    @Override
    public boolean equals(Object o) {
        return o instanceof Digest d && algorithm.equals(d.algorithm) && encoded.equals(d.encoded);
    }

    @Override
    public int hashCode() {
        return 31 * algorithm.hashCode() + encoded.hashCode();
    }

    @JsonValue
    @Override
    public String toString() {
        return algorithm + ":" + encoded;
    }

    @Override
    public int compareTo(Digest o) {
        return toString().compareTo(o.toString());
    }
}
