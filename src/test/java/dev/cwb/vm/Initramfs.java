package dev.cwb.vm;

import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioConstants;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * An initramfs: the "newc" cpio archive the kernel unpacks into its first root file system and whose
 * {@code /init} it runs as PID 1 (Documentation/driver-api/early-userspace/buffer-format.rst). Written
 * uncompressed; the kernel takes it as it is. Parent directories are added before their entries, as the
 * kernel's unpacker needs.
 */
final class Initramfs implements AutoCloseable {
    private final CpioArchiveOutputStream cpio;
    private final Set<String> dirs = new LinkedHashSet<>();
    private long inode = 1;

    Initramfs(OutputStream out) {
        this.cpio = new CpioArchiveOutputStream(out, CpioConstants.FORMAT_NEW);
    }

    /** A directory (and its parents), mode 0755. */
    void dir(String path) throws IOException {
        String name = strip(path);
        if (name.isEmpty() || dirs.contains(name)) {
            return;
        }
        int slash = name.lastIndexOf('/');
        if (slash > 0) {
            dir(name.substring(0, slash));
        }
        dirs.add(name);
        CpioArchiveEntry e = entry(name, 0, CpioConstants.C_ISDIR | 0755, 2);
        cpio.putArchiveEntry(e);
        cpio.closeArchiveEntry();
    }

    /** A regular file with {@code content}. */
    void file(String path, byte[] content, int mode) throws IOException {
        String name = strip(path);
        parentOf(name);
        CpioArchiveEntry e = entry(name, content.length, CpioConstants.C_ISREG | mode, 1);
        cpio.putArchiveEntry(e);
        cpio.write(content);
        cpio.closeArchiveEntry();
    }

    /** A copy of a host file, keeping its permission bits. */
    void copy(Path from, String path) throws IOException {
        int mode = Files.isExecutable(from) ? 0755 : 0644;
        file(path, Files.readAllBytes(from), mode);
    }

    /** A character device node (e.g. /dev/console 5:1, which the kernel opens for init's stdio). */
    void charDevice(String path, int major, int minor, int mode) throws IOException {
        String name = strip(path);
        parentOf(name);
        CpioArchiveEntry e = entry(name, 0, CpioConstants.C_ISCHR | mode, 1);
        e.setRemoteDeviceMaj(major);
        e.setRemoteDeviceMin(minor);
        cpio.putArchiveEntry(e);
        cpio.closeArchiveEntry();
    }

    private void parentOf(String name) throws IOException {
        int slash = name.lastIndexOf('/');
        if (slash > 0) {
            dir(name.substring(0, slash));
        }
    }

    private CpioArchiveEntry entry(String name, long size, int mode, int links) {
        CpioArchiveEntry e = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, name, size);
        e.setMode(mode);
        e.setInode(inode++);
        e.setNumberOfLinks(links);
        e.setUID(0);
        e.setGID(0);
        e.setTime(0);
        return e;
    }

    private static String strip(String path) {
        String p = path;
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        return p;
    }

    @Override
    public void close() throws IOException {
        cpio.close();
    }
}
