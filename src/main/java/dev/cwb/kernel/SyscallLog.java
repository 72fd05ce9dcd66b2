package dev.cwb.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The session's system calls in the order they returned; safe to feed from several threads. */
public final class SyscallLog implements SyscallListener {
    private final List<SyscallRecord> records = new ArrayList<>();

    @Override
    public synchronized void called(SyscallRecord record) {
        records.add(record);
    }

    public synchronized List<SyscallRecord> records() {
        return List.copyOf(records);
    }

    /** The calls one thread made, in order. */
    public synchronized List<SyscallRecord> recordsOf(long tid) {
        return records.stream().filter(r -> r.tid() == tid).toList();
    }

    public synchronized void clear() {
        records.clear();
    }

    /**
     * The log as strace writes it with {@code -f}: each line prefixed by the thread id
     * ({@code [pid 1234] mount(...) = 0}) so calls from different threads can be told apart.
     */
    public List<String> straceLines() {
        return records().stream().map(r -> "[pid " + r.tid() + "] " + r.straceLine()).toList();
    }

    /** Writes {@link #straceLines()} to {@code file}, replacing it whole (written aside, then renamed). */
    public void save(Path file) throws IOException {
        StringBuilder text = new StringBuilder();
        straceLines().forEach(line -> text.append(line).append('\n'));
        dev.cwb.AtomicFile.write(file, dev.cwb.AtomicFile.SHARED, out -> out.write(text.toString().getBytes(StandardCharsets.UTF_8)));
    }
}
