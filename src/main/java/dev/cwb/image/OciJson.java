package dev.cwb.image;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.cwb.CwbException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the OCI documents every pull handles — {@link Manifest}, {@link ImageIndex} (also the
 * store's {@code index.json}), and the {@link Descriptor}s and {@link Platform}s inside them — with
 * Jackson's streaming parser and generator rather than its {@code ObjectMapper}; and reads the
 * {@link ImageConfig} every image command looks at ({@code images}, {@code inspect}, {@code history},
 * {@code run}), so that none of them needs the mapper unless it prints {@code --json}.
 *
 * <p>Why: the mapper builds its readers and writers by reflection the first time it meets a type. In a
 * one-shot {@code cwb pull} that cost ~80 ms (making the mapper ~35, the first manifest ~30, the first
 * index.json written ~14): more than asking the registry for the manifest. The streaming parser needs
 * ~5 ms. {@link Json#parse} and {@link Json#bytes} send these four types here too, so each has one reader
 * and one writer in the whole program. The records keep their Jackson annotations, which the mapper still
 * follows for {@code --json} output; {@code OciJsonTest} checks that both give equal values and
 * byte-for-byte equal JSON (manifest bytes are hashed into digests, so they must not change).
 *
 * <p>As the mapper is set up in {@link Json}: unknown fields are skipped, a missing field is null (0 for
 * numbers), null and empty values are left out when writing (a descriptor's {@code size} is always
 * written), and a scalar where a string belongs is taken as its text.
 */
public final class OciJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private OciJson() {
    }

    public static Manifest manifest(byte[] bytes, String what) {
        return parse(bytes, what, OciJson::readManifest);
    }

    public static ImageIndex index(byte[] bytes, String what) {
        return parse(bytes, what, OciJson::readIndex);
    }

    /**
     * An image configuration: every image command reads one, and {@code history} reads little else. Its
     * {@code ExposedPorts} and {@code Volumes} values (empty objects in practice) are read as the mapper
     * reads an {@code Object}: maps, lists, strings, numbers, booleans.
     */
    public static ImageConfig config(byte[] bytes, String what) {
        return parse(bytes, what, OciJson::readConfig);
    }

    /**
     * A manifest, an index or a config as {@code type}; any other type through the mapper ({@link Json#parse}),
     * which is made only then.
     */
    static <T> T parse(byte[] bytes, Class<T> type, String what) {
        if (type == Manifest.class) {
            return type.cast(manifest(bytes, what));
        }
        if (type == ImageIndex.class) {
            return type.cast(index(bytes, what));
        }
        if (type == ImageConfig.class) {
            return type.cast(config(bytes, what));
        }
        return Json.parse(bytes, type, what);
    }

    public static byte[] bytes(Manifest manifest) {
        return write(g -> writeManifest(g, manifest));
    }

    public static byte[] bytes(ImageIndex index) {
        return write(g -> writeIndex(g, index));
    }

    /** The error for JSON that cannot be read as {@code what} wants: where, and what was wrong. */
    static CwbException malformed(String what, JsonProcessingException e) {
        String where = e.getLocation() == null ? ""
                : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
        return CwbException.corrupt("malformed JSON in " + what + where + ": " + e.getOriginalMessage(),
                "the file is damaged or is not what its name says");
    }

    private interface Reader<T> {
        T read(JsonParser p) throws IOException;
    }

    /** Writes one document to a generator (shared with {@link FlatJson}). */
    interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    private static <T> T parse(byte[] bytes, String what, Reader<T> reader) {
        try (JsonParser p = FACTORY.createParser(bytes)) {
            JsonToken first = p.nextToken();
            T value = first == null || first == JsonToken.VALUE_NULL ? null : reader.read(p);
            if (value == null) {
                throw CwbException.corrupt("malformed JSON in " + what + ": it is empty or null", null);
            }
            return value;
        } catch (JsonProcessingException e) {
            throw malformed(what, e);
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "cannot read " + what + ": " + CwbException.reason(e), null, e);
        }
    }

    static byte[] write(Writer writer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            writer.write(g);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write JSON to memory", e);
        }
        return out.toByteArray();
    }

    // --- reading: each reader starts on the value's first token and ends on its last ---

    private static Manifest readManifest(JsonParser p) throws IOException {
        int schemaVersion = 0;
        String mediaType = null;
        Descriptor config = null;
        List<Descriptor> layers = null;
        Map<String, String> annotations = null;
        expectObject(p, "an image manifest");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "schemaVersion" -> schemaVersion = (int) number(p);
                case "mediaType" -> mediaType = string(p);
                case "config" -> config = readDescriptor(p);
                case "layers" -> layers = descriptors(p);
                case "annotations" -> annotations = stringMap(p);
                default -> p.skipChildren();
            }
        }
        return new Manifest(schemaVersion, mediaType, config, layers, annotations);
    }

    private static ImageIndex readIndex(JsonParser p) throws IOException {
        int schemaVersion = 0;
        String mediaType = null;
        List<Descriptor> manifests = null;
        Map<String, String> annotations = null;
        expectObject(p, "an image index");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "schemaVersion" -> schemaVersion = (int) number(p);
                case "mediaType" -> mediaType = string(p);
                case "manifests" -> manifests = descriptors(p);
                case "annotations" -> annotations = stringMap(p);
                default -> p.skipChildren();
            }
        }
        return new ImageIndex(schemaVersion, mediaType, manifests, annotations);
    }

    private static ImageConfig readConfig(JsonParser p) throws IOException {
        String created = null;
        String author = null;
        String architecture = null;
        String os = null;
        String variant = null;
        ImageConfig.RunConfig config = null;
        ImageConfig.RootFs rootfs = null;
        List<ImageConfig.History> history = null;
        expectObject(p, "an image configuration");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "created" -> created = string(p);
                case "author" -> author = string(p);
                case "architecture" -> architecture = string(p);
                case "os" -> os = string(p);
                case "variant" -> variant = string(p);
                case "config" -> config = readRunConfig(p);
                case "rootfs" -> rootfs = readRootFs(p);
                case "history" -> history = readHistory(p);
                default -> p.skipChildren();
            }
        }
        return new ImageConfig(created, author, architecture, os, variant, config, rootfs, history);
    }

    private static ImageConfig.RunConfig readRunConfig(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        String user = null;
        List<String> env = null;
        List<String> entrypoint = null;
        List<String> cmd = null;
        String workingDir = null;
        Map<String, String> labels = null;
        Map<String, Object> exposedPorts = null;
        Map<String, Object> volumes = null;
        String stopSignal = null;
        Map<String, Object> healthcheck = null;
        List<String> onBuild = null;
        List<String> shell = null;
        expectObject(p, "a run configuration");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "User" -> user = string(p);
                case "Env" -> env = stringList(p);
                case "Entrypoint" -> entrypoint = stringList(p);
                case "Cmd" -> cmd = stringList(p);
                case "WorkingDir" -> workingDir = string(p);
                case "Labels" -> labels = stringMap(p);
                case "ExposedPorts" -> exposedPorts = objectMap(p);
                case "Volumes" -> volumes = objectMap(p);
                case "StopSignal" -> stopSignal = string(p);
                case "Healthcheck" -> healthcheck = objectMap(p);
                case "OnBuild" -> onBuild = stringList(p);
                case "Shell" -> shell = stringList(p);
                default -> p.skipChildren();
            }
        }
        return new ImageConfig.RunConfig(user, env, entrypoint, cmd, workingDir, labels, exposedPorts, volumes, stopSignal,
                healthcheck, onBuild, shell);
    }

    private static ImageConfig.RootFs readRootFs(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        String type = null;
        List<Digest> diffIds = null;
        expectObject(p, "rootfs");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "type" -> type = string(p);
                case "diff_ids" -> {
                    if (p.currentToken() != JsonToken.VALUE_NULL) {
                        expectArray(p, "a list of diff_ids");
                        diffIds = new ArrayList<>();
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            Digest d = digest(p);
                            if (d == null) {
                                throw new JsonParseException(p, "null in a list of diff_ids");
                            }
                            diffIds.add(d);
                        }
                    }
                }
                default -> p.skipChildren();
            }
        }
        return new ImageConfig.RootFs(type, diffIds);
    }

    private static List<ImageConfig.History> readHistory(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        expectArray(p, "a history");
        List<ImageConfig.History> list = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() == JsonToken.VALUE_NULL) {
                throw new JsonParseException(p, "null in a history");
            }
            String created = null;
            String createdBy = null;
            String author = null;
            String comment = null;
            boolean emptyLayer = false;
            expectObject(p, "a history entry");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "created" -> created = string(p);
                    case "created_by" -> createdBy = string(p);
                    case "author" -> author = string(p);
                    case "comment" -> comment = string(p);
                    case "empty_layer" -> emptyLayer = bool(p);
                    default -> p.skipChildren();
                }
            }
            list.add(new ImageConfig.History(created, createdBy, author, comment, emptyLayer));
        }
        return list;
    }

    /** A boolean; as the mapper does, null is false and a number is true unless 0. */
    private static boolean bool(JsonParser p) throws IOException {
        return switch (p.currentToken()) {
            case VALUE_TRUE -> true;
            case VALUE_FALSE, VALUE_NULL -> false;
            case VALUE_NUMBER_INT -> p.getLongValue() != 0;
            case VALUE_STRING -> switch (p.getText().trim()) {
                case "true", "True", "TRUE" -> true;
                case "false", "False", "FALSE", "" -> false;
                default -> throw new JsonParseException(p, "expected a boolean, found the string \"" + p.getText() + "\"");
            };
            default -> throw new JsonParseException(p, "expected a boolean, found " + describe(p.currentToken()));
        };
    }

    /** An object whose values are anything, read as the mapper reads {@code Object}. */
    private static Map<String, Object> objectMap(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        expectObject(p, "an object");
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) anything(p);
        return map;
    }

    private static Object anything(JsonParser p) throws IOException {
        switch (p.currentToken()) {
            case START_OBJECT: {
                Map<String, Object> map = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    p.nextToken();
                    map.put(key, anything(p));
                }
                return map;
            }
            case START_ARRAY: {
                List<Object> list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(anything(p));
                }
                return list;
            }
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return p.getNumberValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            default:
                return null;
        }
    }

    private static Descriptor readDescriptor(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        String mediaType = null;
        Digest digest = null;
        long size = 0;
        Map<String, String> annotations = null;
        Platform platform = null;
        List<String> urls = null;
        expectObject(p, "a descriptor");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "mediaType" -> mediaType = string(p);
                case "digest" -> digest = digest(p);
                case "size" -> size = number(p);
                case "annotations" -> annotations = stringMap(p);
                case "platform" -> platform = readPlatform(p);
                case "urls" -> urls = stringList(p);
                default -> p.skipChildren();
            }
        }
        return new Descriptor(mediaType, digest, size, annotations, platform, urls);
    }

    private static Platform readPlatform(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        String architecture = null;
        String os = null;
        String variant = null;
        expectObject(p, "a platform");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "architecture" -> architecture = string(p);
                case "os" -> os = string(p);
                case "variant" -> variant = string(p);
                default -> p.skipChildren();
            }
        }
        return new Platform(architecture, os, variant);
    }

    private static List<Descriptor> descriptors(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        expectArray(p, "a list of descriptors");
        List<Descriptor> list = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            Descriptor d = readDescriptor(p);
            if (d == null) {
                throw new JsonParseException(p, "null in a list of descriptors");
            }
            list.add(d);
        }
        return list;
    }

    private static List<String> stringList(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        expectArray(p, "a list of strings");
        List<String> list = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            list.add(string(p));
        }
        return list;
    }

    private static Map<String, String> stringMap(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        expectObject(p, "an object of strings");
        Map<String, String> map = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            p.nextToken();
            map.put(key, string(p));
        }
        return map;
    }

    private static Digest digest(JsonParser p) throws IOException {
        String text = string(p);
        if (text == null) {
            return null;
        }
        try {
            return Digest.parse(text);
        } catch (CwbException e) {
            throw new JsonParseException(p, e.getMessage());
        }
    }

    /** A string; a number or boolean is taken as its text, as the mapper does. */
    private static String string(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (!t.isScalarValue()) {
            throw new JsonParseException(p, "expected a string, found " + describe(t));
        }
        return p.getText();
    }

    /** A whole number; as the mapper does, also from a fraction (cut off) or a string of digits. Null is 0. */
    private static long number(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        switch (t) {
            case VALUE_NULL:
                return 0;
            case VALUE_NUMBER_INT:
                return p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return (long) p.getDoubleValue();
            case VALUE_STRING:
                try {
                    return Long.parseLong(p.getText().trim());
                } catch (NumberFormatException e) {
                    throw new JsonParseException(p, "expected a number, found the string \"" + p.getText() + "\"");
                }
            default:
                throw new JsonParseException(p, "expected a number, found " + describe(t));
        }
    }

    private static void expectObject(JsonParser p, String what) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new JsonParseException(p, "expected " + what + " (a JSON object), found " + describe(p.currentToken()));
        }
    }

    private static void expectArray(JsonParser p, String what) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new JsonParseException(p, "expected " + what + " (a JSON array), found " + describe(p.currentToken()));
        }
    }

    private static String describe(JsonToken t) {
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.toString();
        };
    }

    // --- writing: field order as the records declare them; null and empty values left out ---

    private static void writeManifest(JsonGenerator g, Manifest m) throws IOException {
        g.writeStartObject();
        g.writeNumberField("schemaVersion", m.schemaVersion());
        writeString(g, "mediaType", m.mediaType());
        if (m.config() != null) {
            g.writeFieldName("config");
            writeDescriptor(g, m.config());
        }
        writeDescriptors(g, "layers", m.layers());
        writeMap(g, "annotations", m.annotations());
        g.writeEndObject();
    }

    private static void writeIndex(JsonGenerator g, ImageIndex index) throws IOException {
        g.writeStartObject();
        g.writeNumberField("schemaVersion", index.schemaVersion());
        writeString(g, "mediaType", index.mediaType());
        writeDescriptors(g, "manifests", index.manifests());
        writeMap(g, "annotations", index.annotations());
        g.writeEndObject();
    }

    private static void writeDescriptors(JsonGenerator g, String field, List<Descriptor> list) throws IOException {
        if (list == null || list.isEmpty()) {
            return;
        }
        g.writeArrayFieldStart(field);
        for (Descriptor d : list) {
            writeDescriptor(g, d);
        }
        g.writeEndArray();
    }

    private static void writeDescriptor(JsonGenerator g, Descriptor d) throws IOException {
        if (d == null) {
            g.writeNull();
            return;
        }
        g.writeStartObject();
        writeString(g, "mediaType", d.mediaType());
        if (d.digest() != null) {
            g.writeStringField("digest", d.digest().toString());
        }
        g.writeNumberField("size", d.size());
        writeMap(g, "annotations", d.annotations());
        if (d.platform() != null) {
            Platform pf = d.platform();
            g.writeObjectFieldStart("platform");
            // Platform leaves out only nulls (an empty variant is written): its own @JsonInclude(NON_NULL)
            if (pf.architecture() != null) {
                g.writeStringField("architecture", pf.architecture());
            }
            if (pf.os() != null) {
                g.writeStringField("os", pf.os());
            }
            if (pf.variant() != null) {
                g.writeStringField("variant", pf.variant());
            }
            g.writeEndObject();
        }
        if (d.urls() != null && !d.urls().isEmpty()) {
            g.writeArrayFieldStart("urls");
            for (String url : d.urls()) {
                g.writeString(url);
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static void writeString(JsonGenerator g, String field, String value) throws IOException {
        if (value != null && !value.isEmpty()) {
            g.writeStringField(field, value);
        }
    }

    /** A map of strings; null values inside it are written (the mapper leaves out only an empty or null map). */
    private static void writeMap(JsonGenerator g, String field, Map<String, String> map) throws IOException {
        if (map == null || map.isEmpty()) {
            return;
        }
        g.writeObjectFieldStart(field);
        for (Map.Entry<String, String> e : map.entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }
}
