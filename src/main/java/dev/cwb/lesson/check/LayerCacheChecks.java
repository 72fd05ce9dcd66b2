package dev.cwb.lesson.check;

import dev.cwb.CwbException;
import dev.cwb.image.Digest;
import dev.cwb.image.Image;
import dev.cwb.kernel.Kernel;
import dev.cwb.layer.LayerCache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * Checks on the shared layer cache ({@code $CWB_HOME/layers/<diff_id>/fs}), where {@code unpack} puts each
 * layer as an overlayfs lower directory. A layer is named by image and number (1 = bottom), as in
 * {@code inspect layers}.
 *
 * <p>A whiteout there takes one of two forms, depending on who unpacked: as root the overlayfs form (a
 * character device 0:0 named like the deleted file; an opaque directory carries the xattr
 * {@code trusted.overlay.opaque=y}; see the kernel's Documentation/filesystems/overlayfs.rst), otherwise the
 * OCI form kept as a marker file ({@code .wh.NAME}, {@code .wh..wh..opq}; OCI image-spec layer.md,
 * "Whiteouts"). The checks accept either.
 */
public final class LayerCacheChecks {
    private LayerCacheChecks() {
    }

    static void register(CheckVocabulary v) {
        v.define("layer-unpacked IMAGE N", "layer N of IMAGE is unpacked in the layer cache (its diff_id directory exists)", 2, 2,
                a -> new Unpacked(a.get(0), ImageChecks.number(a.get(1))));
        v.define("layer-not-unpacked IMAGE N", "layer N of IMAGE is not in the layer cache", 2, 2,
                a -> new NotUnpacked(a.get(0), ImageChecks.number(a.get(1))));
        v.define("layer-has-whiteout IMAGE N PATH", "the unpacked layer N of IMAGE holds a whiteout for PATH", 3, 3,
                a -> new HasWhiteout(a.get(0), ImageChecks.number(a.get(1)), a.get(2)));
        v.define("layer-has-opaque IMAGE N DIR", "in the unpacked layer N of IMAGE, directory DIR is opaque", 3, 3,
                a -> new HasOpaque(a.get(0), ImageChecks.number(a.get(1)), a.get(2)));
    }

    /** The cache directory ({@code .../fs}) of layer {@code n} of {@code image}. */
    public static Path layerDir(CheckContext context, String image, int n) {
        Image found = ImageChecks.find(context, image);
        List<Digest> diffIds = found.config().diffIds();
        if (n < 1 || n > diffIds.size()) {
            throw CwbException.badInput(image + " has no layer " + n + " (it has " + diffIds.size() + ")", null);
        }
        return new LayerCache(context.workbench().images(), context.workbench().home().layers(), false).fsOf(diffIds.get(n - 1));
    }

    static Path inside(Path root, String path) {
        String relative = path.replaceFirst("^/+", "");
        return relative.isEmpty() ? root : root.resolve(relative);
    }

    /** True when {@code file} is an overlayfs whiteout: a character device with device number 0:0. */
    static boolean isOverlayWhiteout(Path file) {
        try {
            int mode = (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            long rdev = (Long) Files.getAttribute(file, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
            return (mode & 0170000) == Kernel.S_IFCHR && rdev == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    record Unpacked(String image, int n) implements Check {
        public String expectation() {
            return "layer " + n + " of " + image + " is unpacked in the layer cache";
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                Path dir = layerDir(context, image, n);
                return CheckResult.of(Files.isDirectory(dir), (Files.isDirectory(dir) ? "found " : "no directory ") + dir);
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            }
        }
    }

    record NotUnpacked(String image, int n) implements Check {
        public String expectation() {
            return "layer " + n + " of " + image + " is not in the layer cache";
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                Path dir = layerDir(context, image, n);
                return CheckResult.of(!Files.exists(dir), (Files.exists(dir) ? "found " : "no directory ") + dir);
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            }
        }
    }

    record HasWhiteout(String image, int n, String path) implements Check {
        public String expectation() {
            return "layer " + n + " of " + image + " holds a whiteout for " + path;
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                Path target = inside(layerDir(context, image, n), path);
                Path marker = target.resolveSibling(".wh." + target.getFileName());
                if (isOverlayWhiteout(target)) {
                    return CheckResult.pass(target + " is a character device 0:0 (an overlayfs whiteout)");
                }
                if (Files.exists(marker, LinkOption.NOFOLLOW_LINKS)) {
                    return CheckResult.pass(marker + " is there (an OCI whiteout marker file)");
                }
                return CheckResult.fail(Files.exists(target, LinkOption.NOFOLLOW_LINKS)
                        ? target + " is there but is no whiteout" : "neither " + target + " nor " + marker + " exists");
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            }
        }
    }

    record HasOpaque(String image, int n, String dir) implements Check {
        public String expectation() {
            return "directory " + dir + " in layer " + n + " of " + image + " is opaque";
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                Path target = inside(layerDir(context, image, n), dir);
                if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    return CheckResult.fail("no directory " + target);
                }
                if (Files.exists(target.resolve(".wh..wh..opq"), LinkOption.NOFOLLOW_LINKS)) {
                    return CheckResult.pass(target + "/.wh..wh..opq is there (the OCI opaque marker)");
                }
                for (String xattr : new String[] {"trusted.overlay.opaque", "user.overlay.opaque"}) {
                    if (overlayOpaque(target, xattr)) {
                        return CheckResult.pass(target + " has the xattr " + xattr + "=y");
                    }
                }
                return CheckResult.fail(target + " has neither .wh..wh..opq nor trusted.overlay.opaque=y (user.overlay.opaque=y without root)");
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            }
        }

        private static boolean overlayOpaque(Path dir, String xattr) {
            if (!Kernel.available()) {
                return false;
            }
            try {
                return "y".equals(Kernel.lgetxattrString(dir, xattr));
            } catch (RuntimeException | dev.cwb.kernel.SyscallException e) {
                return false; // no such xattr, or not readable without root: not opaque as far as we can tell
            }
        }
    }
}
