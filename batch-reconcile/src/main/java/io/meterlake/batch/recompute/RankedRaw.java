package io.meterlake.batch.recompute;

import io.meterlake.period.Period;
import io.meterlake.pipeline.IngestOrder;
import io.meterlake.schema.Columns;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.unhex;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * A raw snapshot reduced to what billing reads, with the global deduplication: of each identity
 * (source, event_id), the first record in ingest order is the event, and an identity received with
 * more than one content is conflicted. One window pass over each identity in ingest order gives every
 * record of a period its flags; a period's results ({@link PeriodUsage}) read that pass once.
 *
 * <p>Ingest order is {@link IngestOrder}'s (each event keeps its place in it as
 * {@link Columns#INGEST_ORDER}, for {@code LATEST}). Pure: no clock, no reads beyond the snapshot the
 * caller pinned. Lazy: nothing is computed until a result is collected.
 */
public final class RankedRaw {
    /** The record is its identity's first in ingest order: an event. */
    static final String EVENT = "_event";
    /** The record's identity was received with more than one content. */
    static final String CONFLICTED = "_conflicted";
    /** The first record of a conflicted identity in the period: counts the identity once. */
    static final String COUNTS_CONFLICT = "_counts_conflict";
    /** True on a record a quarantine replay accepted (raw's replayed_from is set). */
    static final String REPLAYED = "_replayed";
    private static final String CONTENT = "_content";

    private final Dataset<Row> input;
    /** The only period {@link #forPeriod}'s span can answer for; null for the whole table. */
    private final Period bound;

    private RankedRaw(Dataset<Row> input, Period bound) {
        this.input = input;
        this.bound = bound;
    }

    /**
     * Every record of {@code raw}, ranked over the whole table. Only for revisions published before
     * the dedup horizon (their headers record none), and for tests that compare the bounded ranking
     * with this one.
     */
    public static RankedRaw of(Dataset<Row> raw) {
        return new RankedRaw(raw.select(billed(raw)), null);
    }

    /**
     * The records {@code period} depends on, ranked: every record whose event time lies in the period,
     * and the records within {@code horizon} of it (event time in {@code [start - horizon, start)} or
     * {@code [end, end + horizon)}): an earlier copy there decides which in-period copy is an event,
     * and a conflicting one makes the identity conflicted. Reads only the {@code event_date} partitions
     * of that span, in one scan.
     *
     * <p>Every copy of one event carries the same event time, so exact duplicates always lie in one
     * partition; only a conflicting copy (same identity, other content) can carry another time, and
     * within the acceptance rules two copies ingested together lie at most
     * {@code max-event-age + max-clock-skew} apart (the default horizon). A copy beyond the horizon is
     * not compared: see the README ("The dedup horizon").
     */
    public static RankedRaw forPeriod(Dataset<Row> raw, Period period, Duration horizon) {
        Instant from = period.start().minus(horizon);
        Instant to = period.end().plus(horizon);
        // One scan: the filter on event_date alone comes first, so that Delta prunes to the span's partitions.
        java.time.LocalDate[] dates = partitionsRead(period, horizon);
        return new RankedRaw(raw.where(col(Columns.EVENT_DATE).between(java.sql.Date.valueOf(dates[0]),
                java.sql.Date.valueOf(dates[1]))).where(between(from, to)).select(billed(raw)), period);
    }

    /**
     * The first and last {@code event_date} partition {@link #forPeriod} reads for {@code period}
     * with {@code horizon}: what verifying the period needs of raw's files.
     */
    public static java.time.LocalDate[] partitionsRead(Period period, Duration horizon) {
        return new java.time.LocalDate[] {utcDate(period.start().minus(horizon)),
            utcDate(period.end().plus(horizon).minusNanos(1000))};
    }

    /**
     * The columns billing reads of a record in the period, and its replay lineage (the reconciliation's
     * REPLAYED cause) where {@code raw} has it: raw versions from before quarantine replay do not.
     */
    private static Column[] billed(Dataset<Row> raw) {
        java.util.List<Column> columns = new java.util.ArrayList<>(java.util.List.of(col(Columns.SOURCE),
                col(Columns.EVENT_ID), col(Columns.EVENT_TIME), col(Columns.SUBSCRIPTION_ID),
                col(Columns.ENTITLEMENT_ID), col(Columns.BILLING_ACCOUNT_ID), col(Columns.PLAN), col(Columns.METRIC),
                col(Columns.UNIT), col(Columns.QUANTITY), col(Columns.CONTENT_SHA256), col(Columns.INGESTED_AT),
                col(Columns.KAFKA_PARTITION), col(Columns.KAFKA_OFFSET), col(Columns.FILE_SHA256),
                col(Columns.LINE_NUMBER), col(Columns.PAYLOAD_SHA256)));
        if (java.util.Arrays.asList(raw.columns()).contains(Columns.REPLAYED_FROM)) {
            columns.add(col(Columns.REPLAYED_FROM));
        }
        return columns.toArray(Column[]::new);
    }

    /**
     * The records of {@code period} that its results read (its events, and its records of conflicted
     * identities), each with {@link #EVENT}, {@link #CONFLICTED} and {@link #COUNTS_CONFLICT}; with a
     * null period, every record, without {@link #COUNTS_CONFLICT}. One window pass per identity in
     * ingest order, over every record of the snapshot (a first copy outside the period still decides).
     */
    Dataset<Row> records(Period period) {
        if (bound != null && !bound.equals(period)) {
            throw new IllegalArgumentException("ranked for " + bound + ", asked for " + period);
        }
        // What the window shuffles and sorts, made small first: the ingest order as one struct (its
        // hashes as 32 bytes, not 64 hex characters) and the content hash as bytes.
        Dataset<Row> keyed = input.select(col(Columns.SOURCE), col(Columns.EVENT_ID), col(Columns.EVENT_TIME),
                col(Columns.SUBSCRIPTION_ID), col(Columns.ENTITLEMENT_ID), col(Columns.BILLING_ACCOUNT_ID),
                col(Columns.PLAN), col(Columns.METRIC), col(Columns.UNIT), col(Columns.QUANTITY),
                IngestOrder.key().as(Columns.INGEST_ORDER), unhex(col(Columns.CONTENT_SHA256)).as(CONTENT),
                // Raw versions written before quarantine replay existed have no lineage column.
                (java.util.Arrays.asList(input.columns()).contains(Columns.REPLAYED_FROM)
                        ? col(Columns.REPLAYED_FROM).isNotNull() : lit(false)).as(REPLAYED));
        // The identity's 64-bit hash leads the partitioning so that the sort compares longs, not shared
        // string prefixes ("forge-", "evt-"); it refines nothing, as it is a function of the identity.
        WindowSpec identity = Window.partitionBy(xxhash64(col(Columns.SOURCE), col(Columns.EVENT_ID)),
                col(Columns.SOURCE), col(Columns.EVENT_ID)).orderBy(col(Columns.INGEST_ORDER));
        WindowSpec wholeIdentity = identity.rowsBetween(Window.unboundedPreceding(), Window.unboundedFollowing());
        Column conflicted = min(col(CONTENT)).over(wholeIdentity).notEqual(max(col(CONTENT)).over(wholeIdentity));
        Column event = row_number().over(identity).equalTo(1);
        if (period == null) {
            return keyed.select(columns(event.as(EVENT), conflicted.as(CONFLICTED)));
        }
        Column inPeriod = inPeriod(period);
        Column firstInPeriod = min(when(inPeriod, col(Columns.INGEST_ORDER))).over(wholeIdentity);
        return keyed.select(columns(event.as(EVENT), conflicted.as(CONFLICTED),
                        firstInPeriod.equalTo(col(Columns.INGEST_ORDER)).as(COUNTS_CONFLICT)))
                .where(inPeriod.and(col(EVENT).or(col(CONFLICTED))))
                .withColumn(COUNTS_CONFLICT, col(CONFLICTED).and(col(COUNTS_CONFLICT)));
    }

    /** What a ranked record keeps, then {@code flags}. */
    private static Column[] columns(Column... flags) {
        java.util.List<Column> columns = new java.util.ArrayList<>(java.util.List.of(col(Columns.SOURCE),
                col(Columns.EVENT_ID), col(Columns.EVENT_TIME), col(Columns.SUBSCRIPTION_ID),
                col(Columns.ENTITLEMENT_ID), col(Columns.BILLING_ACCOUNT_ID), col(Columns.PLAN), col(Columns.METRIC),
                col(Columns.UNIT), col(Columns.QUANTITY), col(Columns.INGEST_ORDER), col(REPLAYED)));
        columns.addAll(java.util.List.of(flags));
        return columns.toArray(Column[]::new);
    }

    private static java.time.LocalDate utcDate(Instant instant) {
        return instant.atOffset(java.time.ZoneOffset.UTC).toLocalDate();
    }

    private static Column between(Instant from, Instant to) {
        return col(Columns.EVENT_TIME).geq(lit(Timestamp.from(from))).and(col(Columns.EVENT_TIME).lt(lit(Timestamp.from(to))));
    }

    /** The events (first record of each identity) whose UTC event time lies in {@code period}. */
    public Dataset<Row> events(Period period) {
        return records(period).where(col(EVENT)).drop(EVENT, CONFLICTED, COUNTS_CONFLICT, REPLAYED);
    }

    /**
     * Every record (first or not) of an identity received with different contents: of every period
     * for {@link #of}, of its period for {@link #forPeriod}.
     */
    public Dataset<Row> conflictedRecords() {
        return records(bound).where(col(CONFLICTED)).drop(EVENT, CONFLICTED, COUNTS_CONFLICT, REPLAYED);
    }

    /** Conflicted identities with at least one record in {@code period}. */
    public long conflictedIdentities(Period period) {
        return records(period).where(col(COUNTS_CONFLICT)).count();
    }

    /** Events whose UTC event time lies in the period. */
    public static Column inPeriod(Period period) {
        return between(period.start(), period.end());
    }
}
