package io.meterlake.batch.publish;

import io.meterlake.period.Durations;
import io.meterlake.period.Period;
import io.meterlake.schema.Tables;
import io.meterlake.table.StorageAudit;
import io.meterlake.table.Warehouse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Why a period's first revision may not be what was meant: a signed revision is kept forever, so
 * {@code publish} refuses (exit 2) to sign a first revision that holds no line (no accepted event of the period
 * in raw and no correction of a locked period) unless {@code --allow-empty} says it is meant, and says what
 * makes the month look mistyped: raw's first event comes after the period begins (a month before the
 * warehouse's data), and it ended longer ago than {@code validation.max-event-age} (no event of it can still
 * arrive). A partial month with lines (the first month of a new warehouse) is signed as it is: billing the
 * usage that exists is what its customers expect. Later revisions of a published period are never in doubt:
 * they correct what was signed.
 */
final class PublishDoubts {
    private PublishDoubts() {}

    /** The doubts about signing {@code lineCount} lines of {@code period} over raw at {@code rawVersion}; empty when none. */
    static List<String> of(
            Warehouse warehouse, Period period, long rawVersion, long lineCount, Instant now, Duration maxEventAge) {
        List<String> doubts = new ArrayList<>();
        if (lineCount > 0) {
            return doubts;
        }
        doubts.add("it has no line: no accepted event of " + period + " in " + Tables.RAW_USAGE_EVENTS + " v"
                + rawVersion + " and no correction of a locked period");
        Optional<LocalDate> first = new StorageAudit(warehouse).firstEventDate(Tables.RAW_USAGE_EVENTS, rawVersion);
        LocalDate start = LocalDate.ofInstant(period.start(), ZoneOffset.UTC);
        if (first.isPresent() && first.get().isAfter(start)) {
            doubts.add(Tables.RAW_USAGE_EVENTS + " begins on " + first.get() + ", after " + period + " begins");
        }
        if (period.end().plus(maxEventAge).isBefore(now)) {
            doubts.add(period + " ended more than validation.max-event-age (" + Durations.render(maxEventAge)
                    + ") ago, so no event of it can still arrive");
        }
        return doubts;
    }
}
