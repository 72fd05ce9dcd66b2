package dev.cwb.build;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a layer tar entry by entry, names and link targets as raw bytes (a file name on Linux need not be
 * UTF-8), in the POSIX pax format Go's {@code archive/tar} writes for BuildKit and containerd: a ustar
 * header, preceded by a pax extended header ({@code x}) when a name or target is too long or not ASCII,
 * an id too large, or the entry has extended attributes ({@code SCHILY.xattr.NAME}, the value's bytes as
 * they are). Owner names are left empty and only the modification time is written, so the same tree gives
 * the same bytes (POSIX.1-2008 "pax"; Go's {@code archive/tar/writer.go}).
 */
final class TarWriter implements AutoCloseable {
    static final byte REGULAR = '0';
    static final byte HARD_LINK = '1';
    static final byte SYMLINK = '2';
    static final byte CHAR_DEVICE = '3';
    static final byte BLOCK_DEVICE = '4';
    static final byte DIRECTORY = '5';
    static final byte FIFO = '6';
    private static final byte PAX = 'x';
    private static final long MAX_OCTAL_7 = 07777777L;
    private static final long MAX_OCTAL_11 = 077777777777L;

    private final OutputStream out;
    private final byte[] copyBuffer = new byte[256 * 1024];
    private long written;

    /** What every header carries besides name and type. */
    record Meta(int mode, int uid, int gid, long mtime, Map<String, byte[]> xattrs) {
    }

    TarWriter(OutputStream out) {
        this.out = out;
    }

    /** Bytes written so far. */
    long written() {
        return written;
    }

    void directory(byte[] name, Meta m) throws IOException {
        byte[] withSlash = Arrays.copyOf(name, name.length + 1);
        withSlash[name.length] = '/';
        header(withSlash, DIRECTORY, m, 0, null, 0, 0);
    }

    void symlink(byte[] name, Meta m, byte[] target) throws IOException {
        header(name, SYMLINK, m, 0, target, 0, 0);
    }

    void hardLink(byte[] name, Meta m, byte[] target) throws IOException {
        header(name, HARD_LINK, m, 0, target, 0, 0);
    }

    void device(byte[] name, byte type, Meta m, int major, int minor) throws IOException {
        header(name, type, m, 0, null, major, minor);
    }

    /** A regular file of {@code size} bytes read from {@code content} (which must hold exactly that many). */
    void file(byte[] name, Meta m, long size, InputStream content) throws IOException {
        header(name, REGULAR, m, size, null, 0, 0);
        long left = size;
        while (left > 0) {
            int n = content.read(copyBuffer, 0, (int) Math.min(copyBuffer.length, left));
            if (n < 0) {
                throw new IOException("the file shrank while it was read: " + (size - left) + " of " + size + " bytes");
            }
            write(copyBuffer, 0, n);
            left -= n;
        }
        pad(size);
    }

    /** The end of the archive: two zero blocks. */
    void finish() throws IOException {
        write(new byte[1024], 0, 1024);
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    private void header(byte[] name, byte type, Meta m, long size, byte[] link, int major, int minor) throws IOException {
        Map<String, byte[]> pax = new LinkedHashMap<>();
        if (name.length > 100 || !ascii(name)) {
            pax.put("path", name);
        }
        if (link != null && (link.length > 100 || !ascii(link))) {
            pax.put("linkpath", link);
        }
        if (m.uid() > MAX_OCTAL_7 || m.uid() < 0) {
            pax.put("uid", Long.toString(m.uid() & 0xffffffffL).getBytes(StandardCharsets.US_ASCII));
        }
        if (m.gid() > MAX_OCTAL_7 || m.gid() < 0) {
            pax.put("gid", Long.toString(m.gid() & 0xffffffffL).getBytes(StandardCharsets.US_ASCII));
        }
        if (size > MAX_OCTAL_11) {
            pax.put("size", Long.toString(size).getBytes(StandardCharsets.US_ASCII));
        }
        if (m.xattrs() != null) {
            m.xattrs().forEach((k, v) -> pax.put("SCHILY.xattr." + k, v));
        }
        if (!pax.isEmpty()) {
            byte[] records = paxRecords(pax);
            byte[] paxName = ("PaxHeaders.0/" + new String(tail(name), StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1);
            write(block(paxName, PAX, new Meta(0, 0, 0, m.mtime(), null), records.length, null, 0, 0), 0, 512);
            write(records, 0, records.length);
            pad(records.length);
        }
        write(block(name, type, m, size, link, major, minor), 0, 512);
    }

    private static byte[] block(byte[] name, byte type, Meta m, long size, byte[] link, int major, int minor) {
        byte[] h = new byte[512];
        System.arraycopy(name, 0, h, 0, Math.min(100, name.length));
        octal(h, 100, 8, m.mode() & 07777);
        octal(h, 108, 8, m.uid() > MAX_OCTAL_7 || m.uid() < 0 ? 0 : m.uid());
        octal(h, 116, 8, m.gid() > MAX_OCTAL_7 || m.gid() < 0 ? 0 : m.gid());
        octal(h, 124, 12, size > MAX_OCTAL_11 ? 0 : size);
        octal(h, 136, 12, Math.max(0, Math.min(m.mtime(), MAX_OCTAL_11)));
        Arrays.fill(h, 148, 156, (byte) ' ');
        h[156] = type;
        if (link != null) {
            System.arraycopy(link, 0, h, 157, Math.min(100, link.length));
        }
        System.arraycopy("ustar\u000000".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 8);
        if (type == CHAR_DEVICE || type == BLOCK_DEVICE) {
            octal(h, 329, 8, major);
            octal(h, 337, 8, minor);
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        byte[] chk = String.format("%06o", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(chk, 0, h, 148, 6);
        h[154] = 0;
        h[155] = ' ';
        return h;
    }

    /** {@code width - 1} octal digits and a NUL, as Go writes them. */
    private static void octal(byte[] h, int offset, int width, long value) {
        String s = Long.toOctalString(value);
        StringBuilder padded = new StringBuilder();
        for (int i = s.length(); i < width - 1; i++) {
            padded.append('0');
        }
        padded.append(s);
        byte[] digits = padded.toString().getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(digits, 0, h, offset, width - 1);
        h[offset + width - 1] = 0;
    }

    /** pax records: {@code "LEN KEY=VALUE\n"}, where LEN counts the whole record, its own digits included. */
    static byte[] paxRecords(Map<String, byte[]> records) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        records.forEach((key, value) -> {
            byte[] k = key.getBytes(StandardCharsets.UTF_8);
            int rest = 1 + k.length + 1 + value.length + 1;
            int len = rest + 1;
            while (Integer.toString(len).length() + rest != len) {
                len = Integer.toString(len).length() + rest;
            }
            all.writeBytes((len + " ").getBytes(StandardCharsets.US_ASCII));
            all.writeBytes(k);
            all.write('=');
            all.writeBytes(value);
            all.write('\n');
        });
        return all.toByteArray();
    }

    private static byte[] tail(byte[] name) {
        int end = name.length;
        while (end > 0 && name[end - 1] == '/') {
            end--;
        }
        int start = end;
        while (start > 0 && name[start - 1] != '/') {
            start--;
        }
        byte[] t = Arrays.copyOfRange(name, start, end);
        return t.length > 80 ? Arrays.copyOf(t, 80) : t;
    }

    private static boolean ascii(byte[] s) {
        for (byte b : s) {
            if (b < 0x20 || b == 0x7f) {
                return false;
            }
        }
        return true;
    }

    private void pad(long size) throws IOException {
        int rest = (int) (size % 512);
        if (rest != 0) {
            write(new byte[512 - rest], 0, 512 - rest);
        }
    }

    private void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        written += len;
    }
}
