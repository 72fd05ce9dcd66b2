package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.container.ContainerLog;
import dev.cwb.container.DetachedContainers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** {@code logs [-f] [--tail N] [-t] CONTAINER}: what a detached container wrote, as its shim kept it. */
@Command(name = "logs", description = "Show what a detached container wrote (kept by its shim in container.log): its stdout on standard output, its stderr on standard error, byte for byte.",
        footer = {"", "-f follows until the container's command exits. --tail N shows the last N lines; -t puts the time each",
                "line arrived before it (RFC 3339, UTC). The log is bounded: 10 MiB, then one older file of as much.",
                "Example: logs web    logs -f --tail 5 web    logs -t web"})
public final class LogsCommand extends SessionCommand {
    @Parameters(index = "0", paramLabel = "CONTAINER", description = "A detached container (run -d).")
    String name;

    @Option(names = {"-f", "--follow"}, description = "Keep printing what it writes until its command exits.")
    boolean follow;

    @Option(names = {"-n", "--tail"}, paramLabel = "N", description = "Only the last N lines (default: all).")
    String tail = "all";

    @Option(names = {"-t", "--timestamps"}, description = "Each line with the time it arrived.")
    boolean timestamps;

    /** Per stream: whether the next byte starts a line (where -t puts a time). */
    private final boolean[] atLineStart = {true, true, true};

    @Override
    protected int run() throws Exception {
        int lines = parseTail(tail);
        DetachedContainers.Entry e = new DetachedContainers(containers()).get(name);
        Path file = ContainerLog.file(e.dir());
        List<ContainerLog.Entry> entries = new ArrayList<>();
        long followFrom;
        try {
            Path old = file.resolveSibling(file.getFileName() + ".1");
            if (Files.exists(old)) {
                ContainerLog.parse(Files.readAllBytes(old), 0, entries);
            }
            byte[] current = Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
            followFrom = ContainerLog.parse(current, 0, entries);
        } catch (IOException ex) {
            throw CwbException.io("cannot read the log of " + name + " (" + file + ")", ex, "rm " + name + " if it is damaged");
        }
        List<ContainerLog.Entry> pieces = lines >= 0 || timestamps ? ContainerLog.lines(entries) : entries;
        if (lines >= 0 && pieces.size() > lines) {
            pieces = pieces.subList(pieces.size() - lines, pieces.size());
        }
        for (ContainerLog.Entry p : pieces) {
            write(p);
        }
        if (follow) {
            follow(e, file, followFrom);
        }
        return 0;
    }

    private static int parseTail(String tail) {
        if (tail.equals("all")) {
            return -1;
        }
        try {
            int n = Integer.parseInt(tail);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException ex) {
            // below
        }
        throw CwbException.badInput("--tail " + tail + ": not a number of lines", "--tail 10, or --tail all");
    }

    private void write(ContainerLog.Entry p) throws IOException {
        OutputStream to = p.stream() == 2 ? workbench.errBytes() : workbench.outBytes();
        if (timestamps) {
            for (ContainerLog.Entry line : ContainerLog.lines(List.of(p))) {
                to.write(atLineStart[line.stream()] ? ContainerLog.timestamped(line) : line.bytes());
                atLineStart[line.stream()] = line.bytes()[line.bytes().length - 1] == '\n';
            }
        } else {
            to.write(p.bytes());
        }
        to.flush();
    }

    /**
     * Reads the log as the shim appends to it, from {@code position}, until the container is no longer
     * running and everything it wrote has been shown. A rotation (the file renamed {@code container.log.1}) is
     * noticed by the file's identity: what is left of the old file is read through the open descriptor,
     * then the new file from its start.
     */
    private void follow(DetachedContainers.Entry e, Path file, long position) throws IOException, InterruptedException {
        DetachedContainers detached = new DetachedContainers(containers());
        FileChannel ch = open(file);
        Object chKey = ch == null ? null : keyOf(file);
        long pos = position;
        byte[] pending = new byte[0];
        try {
            while (true) {
                boolean ended = detached.find(e.name()) == null || detached.find(e.name()).status() != DetachedContainers.Status.RUNNING;
                if (ch == null) {
                    ch = open(file);
                    chKey = ch == null ? null : keyOf(file);
                    pos = 0;
                }
                boolean read = false;
                if (ch != null) {
                    ByteBuffer buf = ByteBuffer.allocate(dev.cwb.container.BytePump.BUFFER);
                    int n;
                    while ((n = ch.read(buf, pos)) > 0) {
                        pos += n;
                        read = true;
                        byte[] data = new byte[pending.length + n];
                        System.arraycopy(pending, 0, data, 0, pending.length);
                        System.arraycopy(buf.array(), 0, data, pending.length, n);
                        List<ContainerLog.Entry> got = new ArrayList<>();
                        int used = ContainerLog.parse(data, 0, got);
                        pending = java.util.Arrays.copyOfRange(data, used, data.length);
                        for (ContainerLog.Entry p : got) {
                            write(p);
                        }
                        buf.clear();
                    }
                    Object key = keyOf(file);
                    if (!read && key != null && !key.equals(chKey)) {
                        ch.close(); // rotated: the old file is read to its end
                        ch = open(file);
                        chKey = ch == null ? null : keyOf(file);
                        pos = 0;
                        pending = new byte[0];
                        continue;
                    }
                }
                if (ended && !read) {
                    return;
                }
                if (!read) {
                    Thread.sleep(100);
                }
            }
        } finally {
            if (ch != null) {
                ch.close();
            }
        }
    }

    private static FileChannel open(Path file) throws IOException {
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (java.nio.file.NoSuchFileException ex) {
            return null;
        }
    }

    /** The identity (device and inode) of the file at {@code file} now, or null when there is none. */
    private static Object keyOf(Path file) throws IOException {
        try {
            return Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        } catch (java.nio.file.NoSuchFileException ex) {
            return null;
        }
    }
}
