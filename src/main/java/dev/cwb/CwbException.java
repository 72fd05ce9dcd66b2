package dev.cwb;

/**
 * The one exception type the workbench shows to a learner.
 *
 * <p>Its message says <em>what failed and why</em> in one line; {@link #hint()} says what to do next.
 * The shell prints both on one line ({@code error: ... (hint)}) and a stack trace only with
 * {@code --debug}. The {@link #exitCode()} is what a one-shot {@code ./cwb COMMAND} exits with, so
 * scripts and graders can tell kinds of failure apart.
 */
public class CwbException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Exit codes, stable for scripts. */
    public static final int USAGE = 2;
    public static final int NOT_FOUND = 3;
    public static final int BAD_INPUT = 4;
    public static final int CORRUPT = 5;
    public static final int IO = 6;
    public static final int UNSUPPORTED = 7;

    private final String hint;
    private final int exitCode;

    public CwbException(int exitCode, String message, String hint) {
        this(exitCode, message, hint, null);
    }

    public CwbException(int exitCode, String message, String hint, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
        this.hint = hint;
    }

    public static CwbException badInput(String message, String hint) {
        return new CwbException(BAD_INPUT, message, hint);
    }

    public static CwbException notFound(String message, String hint) {
        return new CwbException(NOT_FOUND, message, hint);
    }

    public static CwbException corrupt(String message, String hint) {
        return new CwbException(CORRUPT, message, hint);
    }

    /**
     * An I/O failure as one line: {@code what} failed, and the operating system's reason ("permission
     * denied", "is a directory", ...), which Java keeps apart from the path in a {@link java.nio.file.FileSystemException}.
     */
    public static CwbException io(String what, java.io.IOException e, String hint) {
        return new CwbException(IO, what + ": " + reason(e), hint, e);
    }

    /** The operating system's reason for an I/O failure, in words. */
    public static String reason(java.io.IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException n) {
            return "no such file or directory (" + n.getFile() + ")";
        }
        if (e instanceof java.nio.file.AccessDeniedException a) {
            return "permission denied (" + a.getFile() + ")";
        }
        if (e instanceof java.nio.file.FileAlreadyExistsException f) {
            return "it already exists (" + f.getFile() + ")";
        }
        if (e instanceof java.nio.file.NotDirectoryException d) {
            return "not a directory (" + d.getFile() + ")";
        }
        if (e instanceof java.nio.file.DirectoryNotEmptyException d) {
            return "directory not empty (" + d.getFile() + ")";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason().toLowerCase(java.util.Locale.ROOT) + " (" + f.getFile() + ")";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** What to do next, or {@code null} when the message says it all. */
    public String hint() {
        return hint;
    }

    public int exitCode() {
        return exitCode;
    }

    /** The single line a learner sees: message, then the hint in parentheses-free form after a dash. */
    public String oneLine() {
        return hint == null || hint.isBlank() ? getMessage() : getMessage() + " — " + hint;
    }
}
