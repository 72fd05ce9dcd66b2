package dev.cwb.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cwb.CwbException;

import java.io.IOException;

/**
 * The one Jackson mapper, and parsing that names the file when JSON is malformed. Manifests, indexes and
 * image configurations go to {@link OciJson} instead (the streaming API: much quicker to start, see there).
 */
public final class Json {
    /**
     * The mapper. Made when this class is first used (some 35 ms of reflection), so the commands that need
     * no mapper — {@code images}, {@code inspect}, {@code history}, {@code run} — never touch this class: the
     * store reads its JSON through {@link OciJson} and the workbench's own files go through {@link FlatJson}.
     */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false);

    private Json() {
    }

    /** {@link #MAPPER}. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * Parses {@code bytes} as {@code type}; malformed JSON is a {@link CwbException} naming {@code what}
     * (a file or blob) and the line and column where parsing stopped.
     */
    public static <T> T parse(byte[] bytes, Class<T> type, String what) {
        if (type == Manifest.class) {
            return type.cast(OciJson.manifest(bytes, what));
        }
        if (type == ImageIndex.class) {
            return type.cast(OciJson.index(bytes, what));
        }
        if (type == ImageConfig.class) {
            return type.cast(OciJson.config(bytes, what));
        }
        try {
            T value = MAPPER.readValue(bytes, type);
            if (value == null) {
                throw CwbException.corrupt("malformed JSON in " + what + ": it is empty or null", null);
            }
            return value;
        } catch (JsonProcessingException e) {
            throw OciJson.malformed(what, e);
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot read " + what + ": " + CwbException.reason(e), null, e);
        }
    }

    public static byte[] bytes(Object value) {
        if (value instanceof Manifest m) {
            return OciJson.bytes(m);
        }
        if (value instanceof ImageIndex index) {
            return OciJson.bytes(index);
        }
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    /**
     * Indented JSON text. A lone surrogate (a file name's byte that is not UTF-8, see
     * {@link dev.cwb.kernel.FileNames}) can only stand inside a string and is written as its {@code \\u}
     * escape, so it reaches the reader as itself rather than as the {@code ?} an encoder would print.
     */
    public static String pretty(Object value) {
        try {
            String text = MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
            StringBuilder out = null;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                boolean lone = Character.isHighSurrogate(c) ? i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))
                        : Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(text.charAt(i - 1)));
                if (lone && out == null) {
                    out = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                if (out != null) {
                    out.append(lone ? String.format("\\u%04x", (int) c) : String.valueOf(c));
                }
            }
            return out == null ? text : out.toString();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }
}
