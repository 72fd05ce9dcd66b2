package dev.cwb.shell;

import org.jline.reader.impl.history.DefaultHistory;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The command history, kept across sessions in the workbench home ({@code history}, one command a line, so
 * an instructor can read it with {@code cat}). The file is appended to after every command, so a crash or a
 * closed window loses nothing.
 *
 * <p>When the file cannot be written (a read-only home, a full disk, a file left behind by {@code sudo}),
 * the learner is told once and the history stays in memory for the session; JLine's own handling would
 * log a warning with a stack trace on every single command instead.
 */
final class ShellHistory extends DefaultHistory {
    private final PrintWriter warnings;
    private boolean broken;

    ShellHistory(PrintWriter warnings) {
        this.warnings = warnings;
    }

    /**
     * Checks up front that {@code file} can be kept (creating its directory); returns {@code null}, after
     * one warning, when it cannot.
     */
    Path usable(Path file) {
        try {
            Files.createDirectories(file.getParent());
            if (Files.exists(file) ? Files.isWritable(file) && Files.isReadable(file) : Files.isWritable(file.getParent())) {
                return file;
            }
            warnOnce(file + " is not writable");
        } catch (IOException | SecurityException e) {
            warnOnce("cannot create " + file.getParent() + ": " + describe(e));
        }
        return null;
    }

    /** NIO puts only the path in its messages; say what went wrong with it. */
    private static String describe(Exception failure) {
        Throwable e = failure;
        while (e.getCause() != null) {
            e = e.getCause(); // JLine wraps the real failure
        }
        if (e instanceof AccessDeniedException denied) {
            return "permission denied on " + denied.getFile();
        }
        if (e instanceof FileAlreadyExistsException exists) {
            return exists.getFile() + " is a file, not a directory";
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason() + (fs.getFile() != null ? " (" + fs.getFile() + ")" : "");
        }
        return e.getMessage();
    }

    @Override
    public void load() throws IOException {
        try {
            super.load();
        } catch (IOException | RuntimeException e) {
            warnOnce("cannot read it: " + describe(e));
        }
    }

    @Override
    public void save() throws IOException {
        if (broken) {
            return;
        }
        try {
            super.save();
        } catch (IOException | RuntimeException e) {
            warnOnce("cannot write it: " + describe(e));
        }
    }

    private void warnOnce(String why) {
        if (!broken) {
            broken = true;
            warnings.println("warning: the command history will not be kept after this session (" + why
                    + ") — set CWB_HOME to a directory you can write to keep it");
            warnings.flush();
        }
    }
}
