package dev.cwb.samples;

import java.util.List;

/**
 * Paths inside an image as recipes write them ({@code /usr/bin/awk}) and as layer tars store them
 * ({@code usr/bin/awk}: relative, no leading slash, as the OCI image-spec's "Layer" section and
 * tar(5) practice expect).
 */
final class ImagePath {
    private ImagePath() {
    }

    /**
     * Turns an absolute image path into a tar name without the leading slash. {@code /} itself becomes
     * the empty string. Refuses relative paths and {@code .}/{@code ..} components, so a recipe can never
     * name something outside the image.
     */
    static String toTarName(String absolute) {
        if (!absolute.startsWith("/")) {
            throw new IllegalArgumentException("'" + absolute + "' is not an absolute path inside the image (start it with /)");
        }
        StringBuilder sb = new StringBuilder();
        for (String part : absolute.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException("'" + absolute + "' may not contain '.' or '..'");
            }
            if (part.startsWith(".wh.")) {
                throw new IllegalArgumentException("'" + absolute + "': names starting with .wh. are whiteouts, reserved for DELETE and REPLACE-DIR");
            }
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(part);
        }
        return sb.toString();
    }

    static String parent(String tarName) {
        int slash = tarName.lastIndexOf('/');
        return slash < 0 ? "" : tarName.substring(0, slash);
    }

    static String baseName(String tarName) {
        return tarName.substring(tarName.lastIndexOf('/') + 1);
    }

    static String join(String dir, String name) {
        return dir.isEmpty() ? name : dir + "/" + name;
    }

    /** The relative path from directory {@code fromDir} to {@code target}, both tar names: for relative symlinks. */
    static String relative(String fromDir, String target) {
        List<String> from = fromDir.isEmpty() ? List.of() : List.of(fromDir.split("/"));
        List<String> to = List.of(target.split("/"));
        int common = 0;
        while (common < from.size() && common < to.size() - 1 && from.get(common).equals(to.get(common))) {
            common++;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = common; i < from.size(); i++) {
            sb.append("../");
        }
        sb.append(String.join("/", to.subList(common, to.size())));
        return sb.toString();
    }
}
