package dev.cwb.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * Names the bits of a flag argument the way strace does: known flags in table order joined by
 * {@code |}, whatever bits remain as one hex number ({@code MS_BIND|0x200}), {@code 0} for no bits, and
 * a value with no known bit at all as hex with a comment ({@code 0x200 /* MS_??? *}{@code /}).
 *
 * <p>Order matters for exactness: a multi-bit flag listed before a one-bit flag it contains absorbs that
 * bit (strace prints {@code O_SYNC}, not {@code O_SYNC|O_DSYNC}, because {@code O_SYNC} includes
 * {@code O_DSYNC}'s bit). The orders in this package were checked against strace 6.1's output.
 */
public final class FlagTable {
    private final List<long[]> values = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final String unknownName;

    FlagTable(String unknownName) {
        this.unknownName = unknownName;
    }

    FlagTable add(long value, String name) {
        values.add(new long[] {value});
        names.add(name);
        return this;
    }

    /** The flags as strace prints them. */
    public String format(long flags) {
        if (flags == 0) {
            return "0";
        }
        StringJoiner known = new StringJoiner("|");
        long rest = namedBits(flags, known);
        if (known.length() == 0) {
            return hex(flags) + " /* " + unknownName + " */";
        }
        if (rest != 0) {
            known.add(hex(rest));
        }
        return known.toString();
    }

    /** The flags after a leading part that is always printed (open's access mode): no {@code 0}, no comment. */
    String formatAfter(String head, long flags) {
        StringJoiner parts = new StringJoiner("|");
        parts.add(head);
        long rest = namedBits(flags, parts);
        if (rest != 0) {
            parts.add(hex(rest));
        }
        return parts.toString();
    }

    /** The name of the flag whose value is exactly {@code value}, or null. */
    public String nameOf(long value) {
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i)[0] == value) {
                return names.get(i);
            }
        }
        return null;
    }

    private long namedBits(long flags, StringJoiner out) {
        long rest = flags;
        for (int i = 0; i < values.size(); i++) {
            long v = values.get(i)[0];
            if (v != 0 && (rest & v) == v) {
                out.add(names.get(i));
                rest &= ~v;
            }
        }
        return rest;
    }

    static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }
}
