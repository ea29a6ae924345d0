package io.meterlake.batch.recompute;

import io.meterlake.period.Period;
import io.meterlake.pipeline.IngestOrder;
import io.meterlake.schema.Columns;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.storage.StorageLevel;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.unhex;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * A raw snapshot reduced to what billing reads, with the global deduplication computed once: one
 * window pass over each identity (source, event_id) in ingest order gives every record its rank
 * (1 is the event) and whether its identity arrived with more than one content.
 *
 * <p>Ingest order is {@link IngestOrder}'s (each event keeps its place in it as
 * {@link Columns#INGEST_ORDER}, for {@code LATEST}). Pure: no clock, no reads beyond the snapshot the caller pinned.
 */
public final class RankedRaw implements AutoCloseable {
    private static final String RANK = "_rank";
    private static final String CONFLICTED = "_conflicted";
    private static final String IN_PERIOD = "_in_period";
    private static final String CONTENT = "_content";

    private final Dataset<Row> rows;

    private RankedRaw(Dataset<Row> rows) {
        this.rows = rows;
    }

    /**
     * Every record of {@code raw}, ranked over the whole table; lazy. Only for revisions published
     * before the dedup horizon (their headers record none), and for tests that compare the bounded
     * ranking with this one.
     */
    public static RankedRaw of(Dataset<Row> raw) {
        return new RankedRaw(rank(raw.select(billed()), false));
    }

    /**
     * The records {@code period} depends on, ranked: every record whose event time lies in the period,
     * and the records within {@code horizon} of it (event time in {@code [start - horizon, start)} or
     * {@code [end, end + horizon)}) whose identity also has a record in the period. Reads only the
     * {@code event_date} partitions of that span, in one scan; lazy.
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
        return new RankedRaw(rank(raw.where(col(Columns.EVENT_DATE).between(java.sql.Date.valueOf(dates[0]),
                        java.sql.Date.valueOf(dates[1]))).where(between(from, to)).select(billed())
                .withColumn(IN_PERIOD, inPeriod(period)), true));
    }

    /**
     * The first and last {@code event_date} partition {@link #forPeriod} reads for {@code period}
     * with {@code horizon}: what verifying the period needs of raw's files.
     */
    public static java.time.LocalDate[] partitionsRead(Period period, Duration horizon) {
        return new java.time.LocalDate[] {utcDate(period.start().minus(horizon)),
            utcDate(period.end().plus(horizon).minusNanos(1000))};
    }

    /** The columns billing reads of a record in the period. */
    private static Column[] billed() {
        return new Column[] {col(Columns.SOURCE), col(Columns.EVENT_ID), col(Columns.EVENT_TIME),
            col(Columns.SUBSCRIPTION_ID), col(Columns.ENTITLEMENT_ID), col(Columns.BILLING_ACCOUNT_ID),
            col(Columns.PLAN), col(Columns.METRIC), col(Columns.UNIT), col(Columns.QUANTITY),
            col(Columns.CONTENT_SHA256), col(Columns.INGESTED_AT), col(Columns.KAFKA_PARTITION),
            col(Columns.KAFKA_OFFSET), col(Columns.FILE_SHA256), col(Columns.LINE_NUMBER),
            col(Columns.PAYLOAD_SHA256)};
    }

    /**
     * One window pass per identity in ingest order: rank and whether its contents differ. With
     * {@code bounded}, identities without a record in the period ({@link #IN_PERIOD}) are dropped.
     */
    private static Dataset<Row> rank(Dataset<Row> rows, boolean bounded) {
        // What the window shuffles and sorts, made small first: the ingest order as one struct (its
        // hashes as 32 bytes, not 64 hex characters) and the content hash as bytes.
        Dataset<Row> keyed = rows.select(col(Columns.SOURCE), col(Columns.EVENT_ID), col(Columns.EVENT_TIME),
                col(Columns.SUBSCRIPTION_ID), col(Columns.ENTITLEMENT_ID), col(Columns.BILLING_ACCOUNT_ID),
                col(Columns.PLAN), col(Columns.METRIC), col(Columns.UNIT), col(Columns.QUANTITY),
                IngestOrder.key().as(Columns.INGEST_ORDER), unhex(col(Columns.CONTENT_SHA256)).as(CONTENT),
                bounded ? col(IN_PERIOD) : lit(true).as(IN_PERIOD));
        // The identity's 64-bit hash leads the partitioning so that the sort compares longs, not shared
        // string prefixes ("forge-", "evt-"); it refines nothing, as it is a function of the identity.
        WindowSpec identity = Window.partitionBy(xxhash64(col(Columns.SOURCE), col(Columns.EVENT_ID)),
                col(Columns.SOURCE), col(Columns.EVENT_ID)).orderBy(col(Columns.INGEST_ORDER));
        WindowSpec wholeIdentity = identity.rowsBetween(Window.unboundedPreceding(), Window.unboundedFollowing());
        Dataset<Row> ranked = keyed.select(col(Columns.SOURCE), col(Columns.EVENT_ID), col(Columns.EVENT_TIME),
                col(Columns.SUBSCRIPTION_ID), col(Columns.ENTITLEMENT_ID), col(Columns.BILLING_ACCOUNT_ID),
                col(Columns.PLAN), col(Columns.METRIC), col(Columns.UNIT), col(Columns.QUANTITY),
                col(Columns.INGEST_ORDER),
                row_number().over(identity).as(RANK),
                min(col(CONTENT)).over(wholeIdentity).notEqual(max(col(CONTENT)).over(wholeIdentity)).as(CONFLICTED),
                bounded ? max(col(IN_PERIOD)).over(wholeIdentity).as(IN_PERIOD) : lit(true).as(IN_PERIOD));
        return ranked.where(col(IN_PERIOD)).drop(IN_PERIOD);
    }

    private static java.time.LocalDate utcDate(Instant instant) {
        return instant.atOffset(java.time.ZoneOffset.UTC).toLocalDate();
    }

    private static Column between(Instant from, Instant to) {
        return col(Columns.EVENT_TIME).geq(lit(Timestamp.from(from))).and(col(Columns.EVENT_TIME).lt(lit(Timestamp.from(to))));
    }

    /**
     * Only the records {@code period}'s results read (its events, and every record of a conflicted
     * identity), kept in memory and on disk for the several results computed from them.
     */
    public RankedRaw persistFor(Period period) {
        return new RankedRaw(rows.where(col(RANK).equalTo(1).and(inPeriod(period)).or(col(CONFLICTED)))
                .persist(StorageLevel.MEMORY_AND_DISK()));
    }

    /** The events (first record of each identity) whose UTC event time lies in {@code period}. */
    public Dataset<Row> events(Period period) {
        return rows.where(col(RANK).equalTo(1).and(inPeriod(period))).drop(RANK, CONFLICTED);
    }

    /** Every record (first or not) of an identity received with different contents. */
    public Dataset<Row> conflictedRecords() {
        return rows.where(col(CONFLICTED)).drop(RANK, CONFLICTED);
    }

    /** Conflicted identities with at least one record in {@code period}. */
    public long conflictedIdentities(Period period) {
        return conflictedRecords().where(inPeriod(period)).select(col(Columns.SOURCE), col(Columns.EVENT_ID))
                .distinct().count();
    }

    /** Events whose UTC event time lies in the period. */
    public static Column inPeriod(Period period) {
        return between(period.start(), period.end());
    }

    /** Releases what {@link #persistFor} kept. */
    @Override
    public void close() {
        rows.unpersist();
    }
}
