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
 * {@code publish} refuses (exit 2) to sign one whose data is missing or partial unless {@code --allow-empty}
 * says it is meant. A period is in doubt when its revision would hold no line (no accepted event of it in raw
 * and no correction of a locked period), or when raw's first event comes after the period begins (the
 * warehouse holds only part of it: a mistyped month, or the first month of a new warehouse). That the period
 * ended longer ago than {@code validation.max-event-age} is said beside, as it means no late event of it can
 * still arrive; on its own it is a catch-up and no doubt. Later revisions of a published period are never in
 * doubt: they correct what was signed.
 */
final class PublishDoubts {
    private PublishDoubts() {}

    /** The doubts about signing {@code lineCount} lines of {@code period} over raw at {@code rawVersion}; empty when none. */
    static List<String> of(
            Warehouse warehouse, Period period, long rawVersion, long lineCount, Instant now, Duration maxEventAge) {
        List<String> doubts = new ArrayList<>();
        if (lineCount == 0) {
            doubts.add("it has no line: no accepted event of " + period + " in " + Tables.RAW_USAGE_EVENTS + " v"
                    + rawVersion + " and no correction of a locked period");
        }
        Optional<LocalDate> first = new StorageAudit(warehouse).firstEventDate(Tables.RAW_USAGE_EVENTS, rawVersion);
        LocalDate start = LocalDate.ofInstant(period.start(), ZoneOffset.UTC);
        if (first.isPresent() && first.get().isAfter(start)) {
            doubts.add(Tables.RAW_USAGE_EVENTS + " begins on " + first.get() + ", after " + period
                    + " begins: the usage before then was never ingested");
        }
        if (!doubts.isEmpty() && period.end().plus(maxEventAge).isBefore(now)) {
            doubts.add(period + " ended more than validation.max-event-age (" + Durations.render(maxEventAge)
                    + ") ago, so no event of it can still arrive");
        }
        return doubts;
    }
}
