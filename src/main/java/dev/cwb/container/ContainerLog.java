package dev.cwb.container;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A detached container's output, kept by its shim in {@code container.log} in the workspace: what
 * {@code logs} shows. Each read(2) the shim's pumps make from the container's stdout or stderr pipe is one
 * record — a header line {@code TIME STREAM LENGTH\n} (TIME as Docker's {@code logs -t} prints it, in UTC
 * to the nanosecond; STREAM {@code stdout} or {@code stderr}), then exactly LENGTH bytes as the container
 * wrote them. So the bytes come back unchanged (no line splitting, no JSON escaping, unlike Docker's
 * json-file driver), each with the time it arrived, and stdout and stderr stay apart.
 *
 * <p>Bounded: when the file reaches {@link #MAX_BYTES}, it is renamed {@code container.log.1} (replacing
 * an older one) and a new file begins, so a container that writes forever holds at most twice that on disk,
 * as Docker's {@code --log-opt max-size=10m max-file=2}.
 */
public final class ContainerLog {
    /** Where one file is rotated: 10 MiB ({@code CWB_LOG_MAX_BYTES} changes it, for tests). */
    public static final long MAX_BYTES = maxBytes();

    /** One record: when it came, from which stream (1 or 2), and its bytes. */
    public record Entry(Instant time, int stream, byte[] bytes) {
    }

    private final Path file;
    private FileChannel channel;
    private long size;

    private ContainerLog(Path file) {
        this.file = file;
    }

    /** The log of the container whose workspace is {@code dir}; opened (created) at its first record. */
    public static ContainerLog in(Path dir) {
        return new ContainerLog(file(dir));
    }

    public static Path file(Path dir) {
        return dir.resolve("container.log");
    }

    private static long maxBytes() {
        String v = System.getenv("CWB_LOG_MAX_BYTES");
        try {
            return v == null ? 10L << 20 : Math.max(4096, Long.parseLong(v));
        } catch (NumberFormatException e) {
            return 10L << 20;
        }
    }

    /** The stream a pump writes {@code stream}'s bytes to: each write one record. */
    public OutputStream stream(int stream) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                append(stream, b, off, len);
            }
        };
    }

    /** Appends one record (header and bytes in one write(2) where they fit), rotating first when the file is full. */
    synchronized void append(int stream, byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return;
        }
        if (channel == null) {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            size = channel.size();
        }
        if (size > 0 && size + len > MAX_BYTES) {
            channel.close();
            Files.move(file, file.resolveSibling(file.getFileName() + ".1"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            size = 0;
        }
        byte[] header = (Instant.now() + " " + (stream == 2 ? "stderr" : "stdout") + " " + len + "\n").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer all = ByteBuffer.allocate(header.length + len);
        all.put(header).put(b, off, len).flip();
        while (all.hasRemaining()) {
            channel.write(all);
        }
        size += header.length + len;
    }

    /** Every record kept for the container whose workspace is {@code dir}, oldest first (the rotated file, then the current one). */
    public static List<Entry> read(Path dir) throws IOException {
        List<Entry> out = new ArrayList<>();
        Path f = file(dir);
        Path old = f.resolveSibling(f.getFileName() + ".1");
        if (Files.exists(old)) {
            parse(Files.readAllBytes(old), 0, out);
        }
        if (Files.exists(f)) {
            parse(Files.readAllBytes(f), 0, out);
        }
        return out;
    }

    /**
     * Parses the records of {@code data} from {@code from}; returns where the last whole record ended (a
     * record the shim is still writing is left for the next read).
     */
    public static int parse(byte[] data, int from, List<Entry> out) throws IOException {
        int pos = from;
        while (pos < data.length) {
            int nl = -1;
            for (int i = pos; i < data.length && i < pos + 128; i++) {
                if (data[i] == '\n') {
                    nl = i;
                    break;
                }
            }
            if (nl < 0) {
                if (data.length - pos >= 128) {
                    throw new IOException("the log is damaged at byte " + pos + " (no record header)");
                }
                return pos;
            }
            String[] h = new String(data, pos, nl - pos, StandardCharsets.US_ASCII).split(" ");
            if (h.length != 3) {
                throw new IOException("the log is damaged at byte " + pos + " (a record header has " + h.length + " fields)");
            }
            int len;
            Instant t;
            try {
                len = Integer.parseInt(h[2]);
                t = Instant.parse(h[0]);
            } catch (RuntimeException e) {
                throw new IOException("the log is damaged at byte " + pos + " (" + e.getMessage() + ")");
            }
            if (nl + 1 + len > data.length) {
                return pos;
            }
            byte[] bytes = java.util.Arrays.copyOfRange(data, nl + 1, nl + 1 + len);
            out.add(new Entry(t, h[1].equals("stderr") ? 2 : 1, bytes));
            pos = nl + 1 + len;
        }
        return pos;
    }

    /**
     * The records as lines, Docker's unit for {@code --tail} and {@code -t}: each record split after every
     * newline, a last piece without one kept as it is (its bytes were written so, and are shown so).
     */
    public static List<Entry> lines(List<Entry> entries) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries) {
            int start = 0;
            byte[] b = e.bytes();
            for (int i = 0; i < b.length; i++) {
                if (b[i] == '\n') {
                    out.add(new Entry(e.time(), e.stream(), java.util.Arrays.copyOfRange(b, start, i + 1)));
                    start = i + 1;
                }
            }
            if (start < b.length) {
                out.add(new Entry(e.time(), e.stream(), java.util.Arrays.copyOfRange(b, start, b.length)));
            }
        }
        return out;
    }

    /** {@code bytes} with {@code logs -t}'s prefix: the time, a space, then the line as written. */
    public static byte[] timestamped(Entry line) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(line.bytes().length + 32);
        b.writeBytes((line.time() + " ").getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(line.bytes());
        return b.toByteArray();
    }

    /** Closes the file (the shim, once the container's pipes are drained). */
    public synchronized void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing more will be written
            }
            channel = null;
        }
    }
}
