package dev.cwb.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cwb.CwbException;

import java.io.IOException;

/**
 * The one Jackson mapper, and parsing that names the file when JSON is malformed. Manifests and indexes
 * go to {@link OciJson} instead (the streaming API: much quicker to start, see there).
 */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false);

    private Json() {
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

    public static String pretty(Object value) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }
}
