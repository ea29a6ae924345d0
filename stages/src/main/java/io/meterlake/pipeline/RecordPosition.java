package io.meterlake.pipeline;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.meterlake.schema.Columns;
import org.apache.spark.sql.Column;

/**
 * Where a record was received, as one string: {@code file:<file_sha256>:<line>} or
 * {@code kafka:<topic>:<partition>:<offset>}. Every received record has exactly one position and
 * ends in exactly one quarantine or raw row, so a quarantine row's position is its id
 * ({@link Columns#QUARANTINE_ID}), and a replayed raw row names it ({@link Columns#REPLAYED_FROM}).
 */
public final class RecordPosition {
    private RecordPosition() {}

    /** The position of the record in each row (of the record, raw or quarantine schema). */
    public static Column id() {
        Column kafka = concat_ws(
                ":",
                lit("kafka"),
                col(Columns.KAFKA_TOPIC),
                col(Columns.KAFKA_PARTITION).cast("string"),
                col(Columns.KAFKA_OFFSET).cast("string"));
        Column file = concat_ws(
                ":",
                lit("file"),
                col(Columns.FILE_SHA256),
                col(Columns.LINE_NUMBER).cast("string"));
        return when(col(Columns.INGEST_KIND).equalTo(lit("kafka")), kafka).otherwise(file);
    }

    /**
     * The same position of one row read without Spark ({@code RecordPositionTest} pins it equal to {@link #id()}):
     * a null part is left out, as {@code concat_ws} leaves it.
     */
    public static String of(org.apache.spark.sql.Row row) {
        java.util.List<Object> parts = "kafka".equals(row.getAs(Columns.INGEST_KIND))
                ? java.util.Arrays.asList(
                        "kafka",
                        row.getAs(Columns.KAFKA_TOPIC),
                        row.getAs(Columns.KAFKA_PARTITION),
                        row.getAs(Columns.KAFKA_OFFSET))
                : java.util.Arrays.asList("file", row.getAs(Columns.FILE_SHA256), row.getAs(Columns.LINE_NUMBER));
        return parts.stream()
                .filter(java.util.Objects::nonNull)
                .map(String::valueOf)
                .collect(java.util.stream.Collectors.joining(":"));
    }
}
