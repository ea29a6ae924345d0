package io.meterlake.batch.reconcile;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;

import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.table.Warehouse;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.spark.sql.Row;

/**
 * How far the stream has come, as {@code stream_progress} records it: the highest watermark of the
 * provisional query at one version of that table. Absent when no stream has run on the warehouse.
 *
 * @param progressTableVersion the {@code stream_progress} version read, if the table exists
 * @param watermark            the highest watermark recorded, if any provisional batch ran
 */
public record StreamWatermark(OptionalLong progressTableVersion, Optional<Instant> watermark) {

    /**
     * The stream's latest watermark, read without Spark by the commands that only read ({@code periods ready}):
     * the greatest watermark of {@code stream_progress}, which only the provisional query's rows carry (the raw
     * query's are null), so it equals {@link #read(Warehouse)}'s.
     */
    public static Optional<Instant> latest(io.meterlake.table.TableRows rows) {
        return rows.greatest(Tables.STREAM_PROGRESS, Columns.WATERMARK);
    }

    /** Reads the current version of {@code stream_progress}. */
    public static StreamWatermark read(Warehouse warehouse) {
        if (!warehouse.exists(Tables.STREAM_PROGRESS)) {
            return new StreamWatermark(OptionalLong.empty(), Optional.empty());
        }
        long version = warehouse.version(Tables.STREAM_PROGRESS);
        Row row = warehouse
                .readAsOf(Tables.STREAM_PROGRESS, version)
                .where(col(Columns.QUERY).equalTo(lit(Columns.PROVISIONAL_QUERY)))
                .agg(max(col(Columns.WATERMARK)))
                .first();
        Optional<Instant> watermark = row.isNullAt(0)
                ? Optional.empty()
                : Optional.of(row.<Timestamp>getAs(0).toInstant());
        return new StreamWatermark(OptionalLong.of(version), watermark);
    }
}
