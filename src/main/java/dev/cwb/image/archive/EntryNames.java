package dev.cwb.image.archive;

import dev.cwb.CwbException;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The names of files inside an image archive, cleaned and checked.
 *
 * <p>A tar entry name is just a string the archive's author chose. Tools that extract archives have been
 * tricked by names such as {@code ../../etc/passwd} or {@code /etc/passwd} into writing outside the
 * target directory (the "zip slip" family of bugs). The loader never extracts anything to disk, but it
 * still refuses such names, so that a name in {@code manifest.json} can only ever mean a file inside
 * the archive. Names are compared after cleaning: {@code ./index.json} and {@code index.json} are the
 * same file, as they are to {@code tar}.
 */
final class EntryNames {
    private EntryNames() {
    }

    /**
     * Cleans {@code raw} ({@code ./a//b/} becomes {@code a/b}) and refuses absolute names and names with
     * a {@code ..} component. {@code where} says where the name was found, for the error.
     */
    static String clean(String raw, String where) {
        if (raw == null || raw.isEmpty()) {
            throw unsafe(raw, where, "it is empty");
        }
        if (raw.startsWith("/")) {
            throw unsafe(raw, where, "it is absolute");
        }
        StringBuilder s = new StringBuilder();
        for (String part : raw.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw unsafe(raw, where, "it climbs out with '..'");
            }
            if (s.length() > 0) {
                s.append('/');
            }
            s.append(part);
        }
        if (s.length() == 0) {
            throw unsafe(raw, where, "it names the archive's root");
        }
        return s.toString();
    }

    /**
     * Resolves a symbolic link's target as a path inside the archive: relative to the link's own
     * directory, and never above the archive's root (an absolute or escaping target is refused, not
     * followed).
     */
    static String resolveSymlink(String linkName, String target, String where) {
        if (target.startsWith("/")) {
            throw unsafe(target, where, "the link " + linkName + " points at an absolute path");
        }
        Deque<String> parts = new ArrayDeque<>();
        int slash = linkName.lastIndexOf('/');
        if (slash > 0) {
            for (String p : linkName.substring(0, slash).split("/")) {
                parts.addLast(p);
            }
        }
        for (String p : target.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (parts.isEmpty()) {
                    throw unsafe(target, where, "the link " + linkName + " points outside the archive");
                }
                parts.removeLast();
            } else {
                parts.addLast(p);
            }
        }
        if (parts.isEmpty()) {
            throw unsafe(target, where, "the link " + linkName + " points at the archive's root");
        }
        return String.join("/", parts);
    }

    private static CwbException unsafe(String name, String where, String why) {
        return CwbException.badInput("unsafe name '" + name + "' in " + where + ": " + why
                        + "; the archive was not loaded",
                "an image archive only names files inside itself; this one is damaged or was crafted to escape");
    }
}
