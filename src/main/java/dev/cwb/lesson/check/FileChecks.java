package dev.cwb.lesson.check;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Checks on ordinary files: what an unpacked root filesystem holds, what an archive written by {@code save}
 * contains. Paths are the host's (lessons write them with {@code {work}} for the lesson's own directory).
 */
public final class FileChecks {
    /** Files larger than this are not read whole by {@code file-contains}. */
    private static final long MAX_READ = 8L << 20;

    private FileChecks() {
    }

    static void register(CheckVocabulary v) {
        v.define("file-exists PATH", "PATH exists (a symlink counts, even a dangling one)", 1, 1, a -> new Exists(Path.of(a.get(0))));
        v.define("file-absent PATH", "nothing exists at PATH", 1, 1, a -> new Absent(Path.of(a.get(0))));
        v.define("file-contains PATH TEXT", "the file PATH contains TEXT", 2, 2, a -> new Contains(Path.of(a.get(0)), a.get(1)));
        v.define("file-lacks PATH TEXT", "the file PATH exists and does not contain TEXT", 2, 2, a -> new Lacks(Path.of(a.get(0)), a.get(1)));
        v.define("dir-has-whiteout DIR NAME", "DIR holds a whiteout for NAME: .wh.NAME, or a character device 0:0 named NAME", 2, 2,
                a -> new DirWhiteout(Path.of(a.get(0)), a.get(1)));
        v.define("no-whiteouts-under DIR", "no .wh. marker file and no 0:0 character device anywhere below DIR (the whiteouts were applied)", 1, 1,
                a -> new NoWhiteouts(Path.of(a.get(0))));
        v.define("archive-contains TAR ENTRY", "the tar file TAR has an entry named ENTRY (e.g. index.json)", 2, 2,
                a -> new ArchiveContains(Path.of(a.get(0)), a.get(1)));
    }

    record Exists(Path path) implements Check {
        public String expectation() {
            return path + " exists";
        }

        public CheckResult evaluate(CheckContext context) {
            boolean there = Files.exists(path, LinkOption.NOFOLLOW_LINKS);
            return CheckResult.of(there, there ? path + " is there" : "no " + path + nearest(path));
        }
    }

    record Absent(Path path) implements Check {
        public String expectation() {
            return "nothing exists at " + path;
        }

        public CheckResult evaluate(CheckContext context) {
            boolean there = Files.exists(path, LinkOption.NOFOLLOW_LINKS);
            return CheckResult.of(!there, there ? path + " is still there" : "no " + path);
        }
    }

    record Contains(Path path, String text) implements Check {
        public String expectation() {
            return path + " contains \"" + text + "\"";
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                if (!Files.isRegularFile(path)) {
                    return CheckResult.fail("no file " + path + nearest(path));
                }
                if (Files.size(path) > MAX_READ) {
                    return CheckResult.fail(path + " is larger than 8 MiB; the check reads only small files");
                }
                String content = new String(Files.readAllBytes(path), StandardCharsets.UTF_8);
                return CheckResult.of(content.contains(text), path + " holds " + preview(content));
            } catch (IOException e) {
                return CheckResult.fail("cannot read " + path + ": " + e.getMessage());
            }
        }
    }

    record Lacks(Path path, String text) implements Check {
        public String expectation() {
            return path + " does not contain \"" + text + "\"";
        }

        public CheckResult evaluate(CheckContext context) {
            CheckResult contains = new Contains(path, text).evaluate(context);
            if (!Files.isRegularFile(path) || contains.saw().startsWith("cannot read") || contains.saw().endsWith("only small files")) {
                return CheckResult.fail(contains.saw());
            }
            return CheckResult.of(!contains.passed(), contains.saw());
        }
    }

    record DirWhiteout(Path dir, String name) implements Check {
        public String expectation() {
            return dir + " holds a whiteout for " + name;
        }

        public CheckResult evaluate(CheckContext context) {
            if (LayerCacheChecks.isOverlayWhiteout(dir.resolve(name))) {
                return CheckResult.pass(dir.resolve(name) + " is a character device 0:0");
            }
            Path marker = dir.resolve(".wh." + name);
            boolean there = Files.exists(marker, LinkOption.NOFOLLOW_LINKS);
            return CheckResult.of(there, there ? marker + " is there" : "neither a 0:0 device " + name + " nor " + marker + " in " + dir);
        }
    }

    record NoWhiteouts(Path dir) implements Check {
        public String expectation() {
            return "no whiteouts are left below " + dir;
        }

        public CheckResult evaluate(CheckContext context) {
            if (!Files.isDirectory(dir)) {
                return CheckResult.fail("no directory " + dir + nearest(dir));
            }
            try (Stream<Path> walk = Files.walk(dir)) {
                Optional<Path> found = walk.filter(p -> p.getFileName().toString().startsWith(".wh.") || LayerCacheChecks.isOverlayWhiteout(p)).findFirst();
                return CheckResult.of(found.isEmpty(), found.map(p -> "found " + p).orElse("no whiteouts below " + dir));
            } catch (IOException | java.io.UncheckedIOException e) {
                return CheckResult.fail("cannot walk " + dir + ": " + e.getMessage());
            }
        }
    }

    record ArchiveContains(Path tar, String entry) implements Check {
        public String expectation() {
            return tar + " has an entry " + entry;
        }

        public CheckResult evaluate(CheckContext context) {
            if (!Files.isRegularFile(tar)) {
                return CheckResult.fail("no file " + tar + nearest(tar));
            }
            String wanted = entry.replaceFirst("^(\\./)+", "");
            int count = 0;
            try (InputStream in = new BufferedInputStream(Files.newInputStream(tar));
                 TarArchiveInputStream entries = new dev.cwb.layer.BoundedTarInputStream(in)) {
                for (TarArchiveEntry e; (e = entries.getNextEntry()) != null; count++) {
                    if (e.getName().replaceFirst("^(\\./)+", "").replaceFirst("/$", "").equals(wanted.replaceFirst("/$", ""))) {
                        return CheckResult.pass(tar + " has " + e.getName());
                    }
                }
            } catch (IOException e) {
                return CheckResult.fail("cannot read " + tar + " as a tar file: " + e.getMessage());
            }
            return CheckResult.fail(tar + " has " + count + " entries, none named " + entry);
        }
    }

    /** Says which part of a missing path does exist, so "no such file" points at the step that went wrong. */
    static String nearest(Path path) {
        Path parent = path.toAbsolutePath().getParent();
        while (parent != null && !Files.isDirectory(parent)) {
            parent = parent.getParent();
        }
        return parent == null ? "" : " (the nearest directory that exists is " + parent + ")";
    }

    static String preview(String content) {
        String oneLine = content.strip().replaceAll("\\s+", " ");
        return "\"" + (oneLine.length() > 60 ? oneLine.substring(0, 60) + "…" : oneLine) + "\"";
    }
}
