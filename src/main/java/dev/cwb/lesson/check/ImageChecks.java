package dev.cwb.lesson.check;

import dev.cwb.CwbException;
import dev.cwb.image.Digest;
import dev.cwb.image.Image;
import dev.cwb.image.ImageConfig;
import dev.cwb.image.ImageStore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Checks on the image store: which images it names, their layers and history, and its blobs. */
public final class ImageChecks {
    private ImageChecks() {
    }

    static void register(CheckVocabulary v) {
        v.define("image-present IMAGE", "the store names IMAGE (name:tag or image id)", 1, 1, a -> new Present(a.get(0)));
        v.define("image-absent IMAGE", "the store does not name IMAGE", 1, 1, a -> new Absent(a.get(0)));
        v.define("layer-count IMAGE N", "IMAGE has exactly N layers", 2, 2, a -> new LayerCount(a.get(0), number(a.get(1))));
        v.define("same-image IMAGE OTHER", "both names lead to the same image id (the config's digest)", 2, 2, a -> new SameImage(a.get(0), a.get(1)));
        v.define("shares-layers IMAGE OTHER N", "the two images have at least N layers (diff_ids) in common", 3, 3,
                a -> new SharesLayers(a.get(0), a.get(1), number(a.get(2))));
        v.define("history-mentions IMAGE TEXT", "a history entry (created_by or comment) of IMAGE contains TEXT", 2, 2,
                a -> new HistoryMentions(a.get(0), a.get(1)));
        v.define("blob-count-at-least N", "the store holds at least N blobs in blobs/sha256", 1, 1, a -> new BlobCount(number(a.get(0))));
        v.define("blob-verified DIGEST", "the blob file named DIGEST exists and its bytes hash to that digest", 1, 1, a -> new BlobVerified(a.get(0)));
    }

    static int number(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw CwbException.badInput("'" + text + "' is not a number", "write a whole number such as 3");
        }
    }

    /** The image a check names, or a failure message saying the store has no such image. */
    static Image find(CheckContext context, String name) {
        ImageStore store = context.workbench().images();
        return store.image(store.find(name));
    }

    static String names(CheckContext context) {
        List<String> names = context.workbench().images().list().stream().map(e -> e.reference().familiar()).toList();
        return names.isEmpty() ? "the store is empty" : "the store holds " + String.join(", ", names);
    }

    record Present(String image) implements Check {
        public String expectation() {
            return "image " + image + " is in the store";
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                Image found = find(context, image);
                return CheckResult.pass(found.reference().familiar() + " is there, image id " + found.id().shortId());
            } catch (CwbException e) {
                return CheckResult.fail("no image " + image + ": " + names(context));
            }
        }
    }

    record Absent(String image) implements Check {
        public String expectation() {
            return "image " + image + " is not in the store";
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                Image found = find(context, image);
                return CheckResult.fail(found.reference().familiar() + " is still there, image id " + found.id().shortId());
            } catch (CwbException e) {
                return CheckResult.pass("no image " + image + ": " + names(context));
            }
        }
    }

    record LayerCount(String image, int expected) implements Check {
        public String expectation() {
            return image + " has " + expected + " layers";
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                int count = find(context, image).layers().size();
                return CheckResult.of(count == expected, image + " has " + count + " layers");
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            }
        }
    }

    record SameImage(String image, String other) implements Check {
        public String expectation() {
            return image + " and " + other + " are the same image (same image id)";
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                Digest a = find(context, image).id();
                Digest b = find(context, other).id();
                return CheckResult.of(a.equals(b), image + " is " + a.shortId() + ", " + other + " is " + b.shortId());
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            }
        }
    }

    record SharesLayers(String image, String other, int atLeast) implements Check {
        public String expectation() {
            return image + " and " + other + " share at least " + atLeast + " layers";
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                Set<Digest> common = new HashSet<>(find(context, image).config().diffIds());
                common.retainAll(new HashSet<>(find(context, other).config().diffIds()));
                return CheckResult.of(common.size() >= atLeast, "they share " + common.size() + " diff_ids");
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            }
        }
    }

    record HistoryMentions(String image, String text) implements Check {
        public String expectation() {
            return "the history of " + image + " mentions \"" + text + "\"";
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                List<ImageConfig.History> history = find(context, image).config().history();
                String needle = text.toLowerCase(Locale.ROOT);
                long hits = history == null ? 0 : history.stream()
                        .filter(h -> (String.valueOf(h.createdBy()) + " " + String.valueOf(h.comment())).toLowerCase(Locale.ROOT).contains(needle))
                        .count();
                return CheckResult.of(hits > 0, hits + " of " + (history == null ? 0 : history.size()) + " history entries mention it");
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            }
        }
    }

    record BlobCount(int atLeast) implements Check {
        public String expectation() {
            return "the store holds at least " + atLeast + " blobs";
        }

        public CheckResult evaluate(CheckContext context) {
            Path dir = context.workbench().home().imageLayout().resolve("blobs").resolve("sha256");
            int count = 0;
            try (DirectoryStream<Path> blobs = Files.newDirectoryStream(dir)) {
                for (Path ignored : blobs) {
                    count++;
                }
            } catch (IOException e) {
                return CheckResult.fail("cannot list " + dir + ": " + e.getMessage());
            }
            return CheckResult.of(count >= atLeast, count + " blobs in " + dir);
        }
    }

    record BlobVerified(String digest) implements Check {
        public String expectation() {
            return "blob " + digest + " is in the store and matches its digest";
        }

        public CheckResult evaluate(CheckContext context) {
            String hex = digest.startsWith("sha256:") ? digest.substring(7) : digest;
            Path file = context.workbench().home().imageLayout().resolve("blobs").resolve("sha256").resolve(hex);
            if (!Files.isRegularFile(file)) {
                return CheckResult.fail("no file " + file);
            }
            try (InputStream in = Files.newInputStream(file)) {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                byte[] buffer = new byte[65536];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    sha.update(buffer, 0, n);
                }
                String actual = HexFormat.of().formatHex(sha.digest());
                return CheckResult.of(actual.equals(hex), "its bytes hash to sha256:" + actual.substring(0, 12));
            } catch (IOException | NoSuchAlgorithmException e) {
                return CheckResult.fail("cannot read " + file + ": " + e.getMessage());
            }
        }
    }
}
