package dev.cwb.view;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** Timestamps from image configs (RFC 3339) shown as "3 days ago", like docker's CREATED column. */
public final class Times {
    private Times() {
    }

    /** Parses an RFC 3339 time; {@code null} when absent or malformed (configs may omit it). */
    public static Instant parse(String rfc3339) {
        if (rfc3339 == null || rfc3339.isBlank()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(rfc3339).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    public static String ago(String rfc3339, Instant now) {
        Instant then = parse(rfc3339);
        if (then == null) {
            return "N/A";
        }
        if (then.equals(Instant.EPOCH)) {
            // Reproducible builds (SOURCE_DATE_EPOCH unset, or 0) pin every time to the Unix epoch on purpose.
            return "1970-01-01 (fixed)";
        }
        Duration d = Duration.between(then, now);
        if (d.isNegative()) {
            return "in the future";
        }
        long s = d.getSeconds();
        if (s < 60) {
            return s <= 1 ? "Less than a second ago" : s + " seconds ago";
        }
        if (s < 3600) {
            return plural(s / 60, "minute") + " ago";
        }
        if (s < 86400) {
            return plural(s / 3600, "hour") + " ago";
        }
        if (s < 86400L * 14) {
            return plural(s / 86400, "day") + " ago";
        }
        if (s < 86400L * 60) {
            return plural(s / (86400 * 7), "week") + " ago";
        }
        if (s < 86400L * 365 * 2) {
            return plural(s / (86400 * 30), "month") + " ago";
        }
        return plural(s / (86400 * 365), "year") + " ago";
    }

    private static String plural(long n, String unit) {
        return Counts.of(n, unit, unit + "s");
    }
}
