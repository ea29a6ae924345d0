package io.meterlake.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.schema.Columns;
import io.meterlake.testing.SparkTestBase;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** A record's position read without Spark is the position the pipeline writes, for every kind and a missing part. */
class RecordPositionTest extends SparkTestBase {
    @Test
    void thePlainJavaPositionIsTheSparkColumns() {
        StructType schema = new StructType()
                .add(Columns.INGEST_KIND, DataTypes.StringType)
                .add(Columns.FILE_SHA256, DataTypes.StringType)
                .add(Columns.LINE_NUMBER, DataTypes.LongType)
                .add(Columns.KAFKA_TOPIC, DataTypes.StringType)
                .add(Columns.KAFKA_PARTITION, DataTypes.IntegerType)
                .add(Columns.KAFKA_OFFSET, DataTypes.LongType);
        List<Row> rows = List.of(
                RowFactory.create("kafka", null, null, "usage-events", 3, 1234567890123L),
                RowFactory.create("file", "c0ffee", 42L, null, null, null),
                RowFactory.create("file", "c0ffee", null, null, null, null),
                RowFactory.create("kafka", null, null, "topic:with:colons", 0, null),
                RowFactory.create("gateway", "beef", 7L, "t", 1, 2L));
        List<String> spark = spark().createDataFrame(rows, schema)
                .select(RecordPosition.id())
                .as(org.apache.spark.sql.Encoders.STRING())
                .collectAsList();
        List<Row> withSchema = spark().createDataFrame(rows, schema).collectAsList();
        assertThat(withSchema.stream().map(RecordPosition::of).toList())
                .isEqualTo(spark)
                .contains("kafka:usage-events:3:1234567890123", "file:c0ffee:42", "file:c0ffee");
    }
}
