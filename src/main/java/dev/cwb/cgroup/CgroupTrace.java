package dev.cwb.cgroup;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Every {@link CgroupWrite} of a session, in order; safe to read while another thread appends. */
public final class CgroupTrace {
    private final List<CgroupWrite> writes = Collections.synchronizedList(new ArrayList<>());

    void add(CgroupWrite w) {
        writes.add(w);
    }

    /** A snapshot of everything written so far. */
    public List<CgroupWrite> writes() {
        synchronized (writes) {
            return List.copyOf(writes);
        }
    }
}
