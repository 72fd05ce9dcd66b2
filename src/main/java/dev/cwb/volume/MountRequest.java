package dev.cwb.volume;

import dev.cwb.CwbException;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One mount {@code run} was asked for, as Docker's two spellings give it (docs.docker.com, "Bind mounts",
 * "Volumes", "tmpfs mounts"):
 * <ul>
 *   <li>{@code -v HOST_PATH:CTR_PATH[:ro|rw]} — a bind mount of a host path; {@code -v NAME:CTR_PATH} — a named
 *       volume; {@code -v CTR_PATH} — an anonymous volume. A source with a {@code /} in it is a host path and must
 *       be absolute; one without is a volume name.</li>
 *   <li>{@code --mount type=bind|volume|tmpfs,source=...,target=...[,readonly]} — the same, spelled out, key by
 *       key ({@code src}, {@code dst}/{@code destination}, {@code ro} too), with {@code volume-nocopy}.</li>
 * </ul>
 * The two differ where Docker's do: {@code -v} makes a missing host path (a directory), {@code --mount}
 * refuses it ({@link #checkSource}).
 *
 * @param source a host path (bind), a volume name (volume; null for an anonymous one), null for tmpfs
 * @param target the path inside the container, absolute
 * @param dashV  given with {@code -v} (a missing bind source is then made, as Docker does)
 * @param noCopy {@code volume-nocopy}: an empty volume is not filled from the image
 */
public record MountRequest(Type type, String source, String target, boolean readOnly, boolean dashV, boolean noCopy,
                           String tmpfsOptions, String propagation) {
    public enum Type { BIND, VOLUME, TMPFS }

    /**
     * {@code bind-propagation} values Docker takes and what the workbench does with each: the mount(2) flags
     * given to the bind after it is made. {@code shared} and {@code rshared} are refused ({@link #parseMountFlag}).
     */
    public static final Map<String, Long> PROPAGATION = Map.of(
            "rprivate", dev.cwb.kernel.MountFlags.MS_REC | dev.cwb.kernel.MountFlags.MS_PRIVATE,
            "private", dev.cwb.kernel.MountFlags.MS_PRIVATE,
            "rslave", dev.cwb.kernel.MountFlags.MS_REC | dev.cwb.kernel.MountFlags.MS_SLAVE,
            "slave", dev.cwb.kernel.MountFlags.MS_SLAVE);

    public MountRequest {
        checkTarget(target, type == Type.TMPFS ? "--mount type=tmpfs" : dashV ? "-v" : "--mount");
    }

    /** A mount with Docker's defaults: no tmpfs options, {@code rprivate} propagation for a bind. */
    public MountRequest(Type type, String source, String target, boolean readOnly, boolean dashV, boolean noCopy) {
        this(type, source, target, readOnly, dashV, noCopy, null, null);
    }

    /** The propagation flags for a bind: Docker's default {@code rprivate} unless {@code bind-propagation} said otherwise. */
    public long propagationFlags() {
        return PROPAGATION.get(propagation == null ? "rprivate" : propagation);
    }

    /** A {@code type=tmpfs} as {@code --tmpfs} spells it: {@code /run:size=65536k,mode=1770}. */
    public String tmpfsSpec() {
        return tmpfsOptions == null || tmpfsOptions.isEmpty() ? target : target + ":" + tmpfsOptions;
    }

    /** An anonymous volume at {@code target}, as an image's {@code VOLUME} gives one. */
    public static MountRequest anonymous(String target) {
        return new MountRequest(Type.VOLUME, null, target, false, false, false);
    }

    /** {@code -v SPEC}. */
    public static MountRequest parseVolumeFlag(String spec) {
        String[] parts = spec.split(":", -1);
        if (parts.length == 1) {
            return new MountRequest(Type.VOLUME, null, parts[0], false, true, false); // -v /data: anonymous
        }
        if (parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw CwbException.badInput("-v " + spec + ": expected HOST_PATH:CTR_PATH[:ro|rw], NAME:CTR_PATH[:ro|rw] or CTR_PATH",
                    "for example -v $PWD/site:/www:ro or -v data:/data");
        }
        boolean ro = false;
        boolean noCopy = false;
        if (parts.length == 3) {
            for (String mode : parts[2].split(",")) {
                switch (mode) {
                    case "ro" -> ro = true;
                    case "rw", "" -> ro = false;
                    case "nocopy" -> noCopy = true;
                    case "z", "Z" -> throw new CwbException(CwbException.UNSUPPORTED, "-v " + spec + ": '" + mode
                            + "' relabels for SELinux, and the workbench sets up no Linux security module", "leave it out");
                    default -> throw CwbException.badInput("-v " + spec + ": unknown mode '" + mode + "'",
                            "ro (read-only), rw (the default), nocopy (a volume not filled from the image)");
                }
            }
        }
        String source = parts[0];
        if (source.contains("/")) {
            if (!source.startsWith("/")) {
                // Docker takes a source without '/' for a volume name, and refuses this one the same way
                throw CwbException.badInput("-v " + spec + ": '" + source + "' is neither an absolute host path nor a volume name",
                        "give the host path absolute (-v $PWD/" + source.replaceFirst("^\\./", "") + ":" + parts[1] + "), or a name of [a-zA-Z0-9][a-zA-Z0-9_.-]+");
            }
            if (noCopy) {
                throw CwbException.badInput("-v " + spec + ": nocopy is for a volume; a bind shows the host's files as they are", "leave it out");
            }
            return new MountRequest(Type.BIND, source, parts[1], ro, true, false);
        }
        Volumes.checkName(source);
        return new MountRequest(Type.VOLUME, source, parts[1], ro, true, noCopy);
    }

    /** {@code --mount SPEC}: comma-separated {@code key=value} fields. */
    public static MountRequest parseMountFlag(String spec) {
        Map<String, String> f = new LinkedHashMap<>();
        for (String field : spec.split(",")) {
            if (field.isEmpty()) {
                continue;
            }
            String[] kv = field.split("=", 2);
            String key = kv[0].strip().toLowerCase(Locale.ROOT);
            key = switch (key) {
                case "src" -> "source";
                case "dst", "destination" -> "target";
                case "ro" -> "readonly";
                default -> key;
            };
            if (f.put(key, kv.length > 1 ? kv[1] : null) != null) {
                throw CwbException.badInput("--mount " + spec + ": '" + key + "' given twice", "give each field once");
            }
        }
        String type = f.remove("type");
        String source = f.remove("source");
        String target = f.remove("target");
        boolean hasReadOnly = f.containsKey("readonly");
        boolean ro = flag(spec, "readonly", f.remove("readonly"), hasReadOnly);
        boolean noCopy = false;
        if (f.containsKey("volume-nocopy")) {
            noCopy = flag(spec, "volume-nocopy", f.remove("volume-nocopy"), true);
        }
        boolean hasTmpfsOptions = f.containsKey("tmpfs-size") || f.containsKey("tmpfs-mode");
        String tmpfsOptions = tmpfsOptions(spec, f.remove("tmpfs-size"), f.remove("tmpfs-mode"));
        boolean hasPropagation = f.containsKey("bind-propagation");
        String propagation = f.remove("bind-propagation");
        if (hasPropagation) {
            if ("shared".equals(propagation) || "rshared".equals(propagation)) {
                throw new CwbException(CwbException.UNSUPPORTED, "--mount " + spec + ": bind-propagation=" + propagation
                        + " would carry mounts made inside the container back to the host's mount table (it needs a shared source and"
                        + " the container's / rshared), and the workbench keeps every container mount out of the host's on purpose",
                        "rslave shows the host's later mounts inside; rprivate (the default) shows none");
            }
            if (propagation == null || !PROPAGATION.containsKey(propagation)) {
                throw CwbException.badInput("--mount " + spec + ": bind-propagation=" + propagation + " is none of Docker's values",
                        "rprivate (the default), private, rslave or slave (shared and rshared are refused here)");
            }
        }
        if (type == null) {
            throw CwbException.badInput("--mount " + spec + ": no type=", "type=bind, type=volume or type=tmpfs");
        }
        if (target == null || target.isEmpty()) {
            throw CwbException.badInput("--mount " + spec + ": no target= (the path inside the container)", "for example target=/data");
        }
        Type t = switch (type) {
            case "bind" -> Type.BIND;
            case "volume" -> Type.VOLUME;
            case "tmpfs" -> Type.TMPFS;
            default -> throw CwbException.badInput("--mount " + spec + ": unknown type '" + type + "'", "type=bind, type=volume or type=tmpfs");
        };
        if (!f.isEmpty()) {
            throw CwbException.badInput("--mount " + spec + ": the workbench does not know " + String.join(", ", f.keySet()),
                    "type, source, target, readonly" + switch (t) {
                        case VOLUME -> ", volume-nocopy";
                        case BIND -> ", bind-propagation";
                        case TMPFS -> ", tmpfs-size, tmpfs-mode";
                    });
        }
        if (noCopy && t != Type.VOLUME) {
            throw CwbException.badInput("--mount " + spec + ": volume-nocopy is for type=volume", "leave it out");
        }
        if (hasTmpfsOptions && t != Type.TMPFS) {
            throw CwbException.badInput("--mount " + spec + ": tmpfs-size and tmpfs-mode are for type=tmpfs", "leave them out");
        }
        if (hasPropagation && t != Type.BIND) {
            throw CwbException.badInput("--mount " + spec + ": bind-propagation is for type=bind (a volume is always rprivate)", "leave it out");
        }
        switch (t) {
            case BIND -> {
                if (source == null || source.isEmpty()) {
                    throw CwbException.badInput("--mount " + spec + ": a bind mount needs source= (a host path)", "for example source=$PWD/site");
                }
                if (!source.startsWith("/")) {
                    throw CwbException.badInput("--mount " + spec + ": the bind source '" + source + "' is not an absolute path",
                            "give it from / (source=$PWD/" + source.replaceFirst("^\\./", "") + ")");
                }
            }
            case VOLUME -> {
                if (source != null && !source.isEmpty()) {
                    Volumes.checkName(source);
                } else {
                    source = null;
                }
            }
            case TMPFS -> {
                if (source != null) {
                    throw CwbException.badInput("--mount " + spec + ": a tmpfs has no source", "leave source= out");
                }
                if (ro) {
                    throw CwbException.badInput("--mount " + spec + ": a read-only empty tmpfs holds nothing", "leave readonly out");
                }
            }
        }
        return new MountRequest(t, source, target, ro, false, noCopy, tmpfsOptions, propagation);
    }

    /**
     * Docker's {@code tmpfs-size} (bytes, or with Docker's units: {@code 64m}, go-units RAMInBytes, powers of
     * 1024) and {@code tmpfs-mode} (octal) as tmpfs(5) options, {@code size=N} in kibibytes as moby writes it; null when neither.
     */
    static String tmpfsOptions(String spec, String size, String mode) {
        List<String> out = new ArrayList<>();
        if (size != null) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)\\s*([kmgt]?)i?b?", java.util.regex.Pattern.CASE_INSENSITIVE)
                    .matcher(size.strip());
            if (!m.matches()) {
                throw CwbException.badInput("--mount " + spec + ": tmpfs-size=" + size + " is not a size", "tmpfs-size=67108864 or tmpfs-size=64m");
            }
            int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
                case "k" -> 10;
                case "m" -> 20;
                case "g" -> 30;
                case "t" -> 40;
                default -> 0;
            };
            long bytes;
            try {
                bytes = Math.multiplyExact(Long.parseLong(m.group(1)), 1L << shift);
            } catch (ArithmeticException | NumberFormatException e) {
                throw CwbException.badInput("--mount " + spec + ": tmpfs-size=" + size + " is too large", "tmpfs-size=64m");
            }
            if (bytes < 4096) {
                throw CwbException.badInput("--mount " + spec + ": tmpfs-size=" + size + " is less than one page", "tmpfs-size=64m");
            }
            out.add("size=" + (bytes + 1023) / 1024 + "k");
        }
        if (mode != null) {
            if (!mode.matches("0?[0-7]{1,4}")) {
                throw CwbException.badInput("--mount " + spec + ": tmpfs-mode=" + mode + " is not an octal mode", "tmpfs-mode=1770");
            }
            out.add("mode=" + Integer.toOctalString(Integer.parseInt(mode, 8)));
        }
        return out.isEmpty() ? null : String.join(",", out);
    }

    private static boolean flag(String spec, String key, String value, boolean present) {
        if (!present) {
            return false;
        }
        if (value == null || value.equals("true") || value.equals("1")) {
            return true;
        }
        if (value.equals("false") || value.equals("0")) {
            return false;
        }
        throw CwbException.badInput("--mount " + spec + ": " + key + "=" + value + ": true or false", key);
    }

    /** Docker's rules for a container path: absolute, not {@code /} itself. */
    static void checkTarget(String target, String flag) {
        if (target == null || !target.startsWith("/")) {
            throw CwbException.badInput(flag + ": the path inside the container '" + target + "' is not absolute", "for example /data");
        }
        if (Path.of(target).normalize().toString().equals("/")) {
            throw CwbException.badInput(flag + ": cannot mount over the container's / (its root is the image's overlay)",
                    "mount at a directory below it, e.g. /data");
        }
    }

    /**
     * Checks a bind's host side before anything is made: {@code /} read-write is refused (the container's root
     * could rewrite the host), a missing path is refused for {@code --mount}, as Docker refuses it; for
     * {@code -v} it is made ({@link #makeMissingSource}). Returns true when the source is missing.
     */
    public boolean checkSource() {
        if (type != Type.BIND) {
            return false;
        }
        Path p = Path.of(source).normalize();
        if (p.toString().equals("/") && !readOnly) {
            throw CwbException.badInput((dashV ? "-v " : "--mount source=") + source + ": refusing to bind the host's / read-write: "
                    + "the container's root would be the host's root", "bind a directory below it, or add :ro (readonly)");
        }
        if (Files.exists(p)) {
            return false;
        }
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            throw CwbException.badInput("bind source " + source + " is a link to nothing", "point it at a file or directory, or give another path");
        }
        if (!dashV) {
            throw CwbException.badInput("--mount type=bind: bind source path does not exist: " + source
                    + " (Docker refuses it too; -v would make it)", "make it first (mkdir -p " + source + "), or use -v");
        }
        return true;
    }

    /** What {@code inspect} and the notes call it: {@code bind /srv -> /data (ro)}. */
    public String shown() {
        String what = switch (type) {
            case BIND -> "bind " + source;
            case VOLUME -> source == null ? "anonymous volume" : "volume " + source;
            case TMPFS -> "tmpfs";
        };
        return what + " -> " + target + (readOnly ? " (ro)" : "");
    }

    /** The requests sorted so that a mount point's parent is mounted first (Docker sorts by the depth of the target). */
    public static List<MountRequest> inMountOrder(List<MountRequest> requests) {
        List<MountRequest> sorted = new ArrayList<>(requests);
        sorted.sort(java.util.Comparator.comparingInt(r -> Path.of(r.target()).normalize().getNameCount()));
        return sorted;
    }
}
