package dev.cwb.cgroup;

/**
 * What a group's {@code oom_kill} counter says ({@code memory.events} on v2, {@code memory.oom_control} on
 * v1): a count, or — when the file cannot be read, the group has no memory controller, or the kernel keeps
 * no such line (before Linux 4.13) — unknown, with the reason. Unknown is never taken for 0: a process the
 * OOM killer took would then look as if something else had killed it.
 *
 * @param count   the kills counted so far; meaningful only when {@link #known()}
 * @param unknown why the count is not known, or null when it is
 */
public record OomKills(long count, String unknown) {
    public static OomKills counted(long count) {
        return new OomKills(count, null);
    }

    public static OomKills unknown(String why) {
        return new OomKills(-1, why);
    }

    public boolean known() {
        return unknown == null;
    }

    /** True when both counts are known and this one is higher; false when either is unknown. */
    public boolean roseSince(OomKills before) {
        return known() && before.known() && count > before.count;
    }

    /** {@code 2}, or {@code unknown (REASON)}. */
    @Override
    public String toString() {
        return known() ? Long.toString(count) : "unknown (" + unknown + ")";
    }
}
