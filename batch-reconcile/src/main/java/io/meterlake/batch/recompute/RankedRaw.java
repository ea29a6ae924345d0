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

    private final Dataset<Row> rows;

    private RankedRaw(Dataset<Row> rows) {
        this.rows = rows;
    }

    /** Every record of {@code raw}, ranked; lazy. */
    public static RankedRaw of(Dataset<Row> raw) {
        // The identity's 64-bit hash leads the partitioning so that the sort compares longs, not shared
        // string prefixes ("forge-", "evt-"); it refines nothing, as it is a function of the identity.
        WindowSpec identity = Window.partitionBy(xxhash64(col(Columns.SOURCE), col(Columns.EVENT_ID)),
                col(Columns.SOURCE), col(Columns.EVENT_ID)).orderBy(IngestOrder.ascending().toArray(Column[]::new));
        WindowSpec wholeIdentity = identity.rowsBetween(Window.unboundedPreceding(), Window.unboundedFollowing());
        Column content = unhex(col(Columns.CONTENT_SHA256));
        return new RankedRaw(raw.select(col(Columns.SOURCE), col(Columns.EVENT_ID), col(Columns.EVENT_TIME),
                col(Columns.SUBSCRIPTION_ID), col(Columns.ENTITLEMENT_ID), col(Columns.BILLING_ACCOUNT_ID),
                col(Columns.PLAN), col(Columns.METRIC), col(Columns.UNIT), col(Columns.QUANTITY),
                IngestOrder.key().as(Columns.INGEST_ORDER),
                row_number().over(identity).as(RANK),
                min(content).over(wholeIdentity).notEqual(max(content).over(wholeIdentity)).as(CONFLICTED)));
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
        return col(Columns.EVENT_TIME).geq(lit(Timestamp.from(period.start())))
                .and(col(Columns.EVENT_TIME).lt(lit(Timestamp.from(period.end()))));
    }

    /** Releases what {@link #persistFor} kept. */
    @Override
    public void close() {
        rows.unpersist();
    }
}
