package dev.cwb.cgroup;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Every {@link CgroupWrite} of a session, in order; safe to read while another thread appends. */
public final class CgroupTrace {
    private final List<CgroupWrite> writes = Collections.synchronizedList(new ArrayList<>());

    private volatile java.util.function.Consumer<CgroupWrite> listener = w -> { };

    void add(CgroupWrite w) {
        writes.add(w);
        listener.accept(w);
    }

    /** Also tells {@code listener} about each write as it happens (null: nobody). */
    public void onWrite(java.util.function.Consumer<CgroupWrite> listener) {
        this.listener = listener == null ? w -> { } : listener;
    }

    /** A snapshot of everything written so far. */
    public List<CgroupWrite> writes() {
        synchronized (writes) {
            return List.copyOf(writes);
        }
    }
}
