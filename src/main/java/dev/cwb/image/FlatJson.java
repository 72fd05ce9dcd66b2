package dev.cwb.image;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.cwb.CwbException;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;

/**
 * The workbench's own small files — a layer's {@code layer.json} ({@code LayerCache.Info}), a container's
 * {@code state.json}, the layer statistics cache — are records of numbers, booleans, strings, digests and
 * lists of strings. They are read and written here with Jackson's streaming API, a field per record
 * component under the component's name, in declaration order, as the mapper writes them: {@code run} and
 * {@code inspect layers} then never build the mapper (some 35 ms of reflection, and more per type, on every
 * start; see {@link OciJson}). Unknown fields are skipped, missing ones are 0, false or null, as with the
 * mapper; {@code FlatJsonTest} checks both read each other's files.
 */
public final class FlatJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private FlatJson() {
    }

    public static <T extends Record> T read(byte[] bytes, Class<T> type, String what) {
        try (JsonParser p = FACTORY.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new JsonParseException(p, "expected an object");
            }
            T value = readRecord(p, type);
            return value;
        } catch (JsonProcessingException e) {
            throw OciJson.malformed(what, e);
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot read " + what + ": " + CwbException.reason(e), null, e);
        }
    }

    public static <T extends Record> List<T> readList(byte[] bytes, Class<T> type, String what) {
        try (JsonParser p = FACTORY.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new JsonParseException(p, "expected an array");
            }
            List<T> list = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                if (p.currentToken() != JsonToken.START_OBJECT) {
                    throw new JsonParseException(p, "expected an object in the array");
                }
                list.add(readRecord(p, type));
            }
            return list;
        } catch (JsonProcessingException e) {
            throw OciJson.malformed(what, e);
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot read " + what + ": " + CwbException.reason(e), null, e);
        }
    }

    public static byte[] bytes(Record value) {
        return OciJson.write(g -> writeRecord(g, value));
    }

    public static byte[] bytes(List<? extends Record> values) {
        return OciJson.write(g -> {
            g.writeStartArray();
            for (Record r : values) {
                writeRecord(g, r);
            }
            g.writeEndArray();
        });
    }

    private static <T extends Record> T readRecord(JsonParser p, Class<T> type) throws IOException {
        RecordComponent[] components = type.getRecordComponents();
        Object[] values = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            values[i] = defaultOf(components[i].getType());
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            int i = indexOf(components, field);
            if (i < 0) {
                p.skipChildren();
                continue;
            }
            values[i] = value(p, components[i]);
        }
        try {
            Class<?>[] types = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
            }
            Constructor<T> constructor = type.getDeclaredConstructor(types);
            constructor.setAccessible(true);
            return constructor.newInstance(values);
        } catch (ReflectiveOperationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new JsonParseException(p, "cannot make a " + type.getSimpleName() + ": " + cause.getMessage());
        }
    }

    private static int indexOf(RecordComponent[] components, String name) {
        for (int i = 0; i < components.length; i++) {
            if (components[i].getName().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static Object defaultOf(Class<?> type) {
        if (type == int.class) {
            return 0;
        }
        if (type == long.class) {
            return 0L;
        }
        if (type == double.class) {
            return 0.0;
        }
        if (type == boolean.class) {
            return false;
        }
        return null;
    }

    private static Object value(JsonParser p, RecordComponent c) throws IOException {
        Class<?> type = c.getType();
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return defaultOf(type);
        }
        if (type == int.class) {
            return p.getValueAsInt();
        }
        if (type == long.class) {
            return p.getValueAsLong();
        }
        if (type == double.class) {
            return p.getValueAsDouble();
        }
        if (type == boolean.class) {
            return p.getValueAsBoolean();
        }
        if (type == String.class) {
            return scalar(p);
        }
        if (type == Digest.class) {
            try {
                return Digest.parse(scalar(p));
            } catch (CwbException e) {
                throw new JsonParseException(p, e.getMessage());
            }
        }
        if (type == List.class && isListOfStrings(c.getGenericType())) {
            if (t != JsonToken.START_ARRAY) {
                throw new JsonParseException(p, "expected a list of strings for " + c.getName());
            }
            List<String> list = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                list.add(p.currentToken() == JsonToken.VALUE_NULL ? null : scalar(p));
            }
            return list;
        }
        throw new IllegalArgumentException(c.getDeclaringRecord().getSimpleName() + "." + c.getName() + " is a "
                + c.getGenericType() + ", which FlatJson does not read");
    }

    private static String scalar(JsonParser p) throws IOException {
        if (!p.currentToken().isScalarValue()) {
            throw new JsonParseException(p, "expected a string, found " + p.currentToken());
        }
        return p.getText();
    }

    private static boolean isListOfStrings(Type t) {
        return t instanceof ParameterizedType pt && pt.getActualTypeArguments().length == 1
                && pt.getActualTypeArguments()[0] == String.class;
    }

    private static void writeRecord(JsonGenerator g, Record r) throws IOException {
        g.writeStartObject();
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            Object v;
            try {
                java.lang.reflect.Method accessor = c.getAccessor();
                accessor.setAccessible(true);
                v = accessor.invoke(r);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + c.getName() + " of " + r.getClass().getSimpleName(), e);
            }
            g.writeFieldName(c.getName());
            if (v == null) {
                g.writeNull();
            } else if (v instanceof Integer i) {
                g.writeNumber(i);
            } else if (v instanceof Long l) {
                g.writeNumber(l);
            } else if (v instanceof Double d) {
                g.writeNumber(d);
            } else if (v instanceof Boolean b) {
                g.writeBoolean(b);
            } else if (v instanceof String || v instanceof Digest) {
                g.writeString(v.toString());
            } else if (v instanceof List<?> list) {
                g.writeStartArray();
                for (Object o : list) {
                    if (o == null) {
                        g.writeNull();
                    } else {
                        g.writeString(o.toString());
                    }
                }
                g.writeEndArray();
            } else {
                throw new IllegalArgumentException(r.getClass().getSimpleName() + "." + c.getName() + " is a "
                        + v.getClass().getSimpleName() + ", which FlatJson does not write");
            }
        }
        g.writeEndObject();
    }
}
