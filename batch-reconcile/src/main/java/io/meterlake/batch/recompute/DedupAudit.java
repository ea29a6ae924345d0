package io.meterlake.batch.recompute;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.unix_micros;

import io.meterlake.period.Period;
import io.meterlake.schema.Columns;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The one check that looks at the whole raw table: the identities whose records the bounded
 * recompute may not compare. A period's recompute ({@link RankedRaw#forPeriod}) compares the records
 * of an identity whose event times lie within the dedup horizon H of each other; so an identity whose
 * records lie at most H apart is deduplicated exactly as a ranking of the whole table would, in every
 * period, and one whose records lie further apart may not be (a producer re-using an event id: each
 * copy can be billed as an event in its own period). Those are what this finds.
 *
 * <p>It reads three columns of every record ever stored (source, event_id, event_time), so its cost
 * grows with the history, by design: it is the monthly audit beside the nightly job, never part of
 * it. Exact copies share their event time, so only conflicting copies can be found. Pure: no clock.
 */
public final class DedupAudit {
    private static final String RECORDS = "_records";
    private static final String FIRST = "_first";
    private static final String LAST = "_last";

    private DedupAudit() {}

    /**
     * An identity whose records lie more than the horizon apart in event time.
     *
     * @param records        its records in raw (copies included)
     * @param firstEventTime the earliest event time among them
     * @param lastEventTime  the latest
     */
    public record Finding(String source, String eventId, long records, Instant firstEventTime, Instant lastEventTime) {
        /** How far apart the first and the last copy lie. */
        public Duration apart() {
            return Duration.between(firstEventTime, lastEventTime);
        }

        /** The billing periods of the first and the last copy (each may bill its own copy). */
        public List<String> periods() {
            String first = Period.monthOf(firstEventTime).toString();
            String last = Period.monthOf(lastEventTime).toString();
            return first.equals(last) ? List.of(first) : List.of(first, last);
        }
    }

    /** The identities of {@code raw} whose records lie more than {@code horizon} apart, by source and event id. */
    public static List<Finding> beyondHorizon(Dataset<Row> raw, Duration horizon) {
        long horizonMicros = horizon.toSeconds() * 1_000_000L + horizon.toNanosPart() / 1000;
        // A hash aggregate of two strings and two timestamps per record: nothing is sorted but the findings.
        List<Row> rows = raw.groupBy(col(Columns.SOURCE), col(Columns.EVENT_ID))
                .agg(
                        count(lit(1)).as(RECORDS),
                        min(col(Columns.EVENT_TIME)).as(FIRST),
                        max(col(Columns.EVENT_TIME)).as(LAST))
                .where(unix_micros(col(LAST)).minus(unix_micros(col(FIRST))).gt(horizonMicros))
                .orderBy(col(Columns.SOURCE), col(Columns.EVENT_ID))
                .collectAsList();
        List<Finding> findings = new ArrayList<>();
        for (Row row : rows) {
            findings.add(new Finding(
                    row.getString(0),
                    row.getString(1),
                    row.getLong(2),
                    row.<Timestamp>getAs(FIRST).toInstant(),
                    row.<Timestamp>getAs(LAST).toInstant()));
        }
        return List.copyOf(findings);
    }
}
