package io.meterlake.streaming;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;

import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.table.Warehouse;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * What a run of the stream recorded in {@code stream_progress}, per query: its batches, the records it read,
 * accepted, quarantined and dropped as late, and its last watermark (null counts: the query records none).
 */
public record StreamSummary(
        String query, long batches, long records, Long accepted, Long quarantined, Long late, Instant watermark) {

    /** The queries' rows recorded at or after {@code since}, the raw query first. */
    public static List<StreamSummary> since(Warehouse warehouse, Instant since) {
        List<Row> rows = warehouse
                .read(Tables.STREAM_PROGRESS)
                .where(col(Columns.RECORDED_AT).geq(lit(Timestamp.from(since))))
                .groupBy(col(Columns.QUERY))
                .agg(
                        count(lit(1)),
                        sum(col(Columns.RECORDS_IN)),
                        sum(col(Columns.ACCEPTED)),
                        sum(col(Columns.QUARANTINED)),
                        sum(col(Columns.LATE_DROPPED)),
                        max(col(Columns.WATERMARK)))
                .orderBy(col(Columns.QUERY).desc())
                .collectAsList();
        List<StreamSummary> summaries = new ArrayList<>();
        for (Row row : rows) {
            summaries.add(new StreamSummary(
                    row.getString(0),
                    row.getLong(1),
                    row.getLong(2),
                    (Long) row.get(3),
                    (Long) row.get(4),
                    (Long) row.get(5),
                    row.isNullAt(6) ? null : row.getTimestamp(6).toInstant()));
        }
        return summaries;
    }
}
