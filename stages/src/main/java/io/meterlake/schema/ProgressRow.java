package io.meterlake.schema;

import java.sql.Timestamp;
import java.time.Instant;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * A row of {@code stream_progress} ({@link Tables#PROGRESS}), defined once for both of the stream's
 * queries: what a micro-batch read, what it wrote and what it dropped.
 *
 * @param query        {@link Columns#RAW_QUERY} or {@link Columns#PROVISIONAL_QUERY}
 * @param watermark    the provisional query's event-time watermark after the batch; null for raw
 * @param recordsIn    records (raw) or raw rows (provisional) the batch read
 * @param accepted     raw: records written to raw; null for provisional
 * @param quarantined  raw: records written to quarantine; null for provisional
 * @param lateDropped  provisional: rows behind the watermark, left out of the windows; null for raw
 * @param rowsOut      rows the batch wrote to its query's own table: raw rows (raw), windows merged into
 *                     {@code usage_aggregates_provisional} (provisional)
 * @param minEventTime earliest event time the batch read (raw: of accepted records)
 * @param maxEventTime latest event time the batch read (raw: of accepted records)
 */
public record ProgressRow(
        String query,
        long batchId,
        Instant recordedAt,
        Instant watermark,
        long recordsIn,
        Long accepted,
        Long quarantined,
        Long lateDropped,
        long rowsOut,
        long durationMs,
        Instant minEventTime,
        Instant maxEventTime) {

    /** The raw query's batch: it wrote {@code accepted} rows to raw and {@code quarantined} to quarantine. */
    public static ProgressRow raw(
            long batchId,
            Instant recordedAt,
            long records,
            long accepted,
            long quarantined,
            long durationMs,
            Instant minEventTime,
            Instant maxEventTime) {
        return new ProgressRow(
                Columns.RAW_QUERY,
                batchId,
                recordedAt,
                null,
                records,
                accepted,
                quarantined,
                null,
                accepted,
                durationMs,
                minEventTime,
                maxEventTime);
    }

    /** The provisional query's batch: it merged {@code windowsUpdated} windows. */
    public static ProgressRow provisional(
            long batchId,
            Instant recordedAt,
            Instant watermark,
            long rowsIn,
            long lateDropped,
            long windowsUpdated,
            long durationMs,
            Instant minEventTime,
            Instant maxEventTime) {
        return new ProgressRow(
                Columns.PROVISIONAL_QUERY,
                batchId,
                recordedAt,
                watermark,
                rowsIn,
                null,
                null,
                lateDropped,
                windowsUpdated,
                durationMs,
                minEventTime,
                maxEventTime);
    }

    /** This row in the column order of {@link Tables#PROGRESS}. */
    public Row toRow() {
        return RowFactory.create(
                query,
                batchId,
                timestamp(recordedAt),
                timestamp(watermark),
                recordsIn,
                accepted,
                quarantined,
                lateDropped,
                rowsOut,
                durationMs,
                timestamp(minEventTime),
                timestamp(maxEventTime));
    }

    private static Timestamp timestamp(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }
}
