package dev.cwb.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cwb.CwbException;

import java.io.IOException;

/** The one Jackson mapper, and parsing that names the file when JSON is malformed. */
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
        try {
            T value = MAPPER.readValue(bytes, type);
            if (value == null) {
                throw CwbException.corrupt("malformed JSON in " + what + ": it is empty or null", null);
            }
            return value;
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw CwbException.corrupt("malformed JSON in " + what + where + ": " + e.getOriginalMessage(),
                    "the file is damaged or is not what its name says");
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot read " + what + ": " + CwbException.reason(e), null, e);
        }
    }

    public static byte[] bytes(Object value) {
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
