package io.meterlake.testing;

import io.meterlake.schema.Tables;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/** Small DataFrames in the pipeline's schemas. */
public final class Fixtures {
    private Fixtures() {}

    /** Payloads as file records of one file, lines numbered from 1, all ingested at {@code ingestedAt}. */
    public static Dataset<Row> fileRecords(SparkSession spark, Instant ingestedAt, List<String> payloads) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < payloads.size(); i++) {
            String payload = payloads.get(i);
            rows.add(RowFactory.create(
                    payload == null ? null : payload.getBytes(StandardCharsets.UTF_8),
                    "file",
                    "test.jsonl",
                    "sha",
                    (long) i + 1,
                    null,
                    null,
                    null,
                    Timestamp.from(ingestedAt)));
        }
        return spark.createDataFrame(rows, Tables.RECORD);
    }

    /** Records of one file given as bytes, lines numbered from 1, all ingested at {@code ingestedAt}. */
    public static Dataset<Row> fileRecordsOfBytes(SparkSession spark, Instant ingestedAt, List<byte[]> payloads) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < payloads.size(); i++) {
            rows.add(RowFactory.create(
                    payloads.get(i),
                    "file",
                    "test.jsonl",
                    "sha",
                    (long) i + 1,
                    null,
                    null,
                    null,
                    Timestamp.from(ingestedAt)));
        }
        return spark.createDataFrame(rows, Tables.RECORD);
    }

    /** An entitlement row; {@code validTo} null is open-ended. */
    public static Row entitlement(
            String id,
            String subscription,
            String account,
            String tenant,
            String app,
            String plan,
            String validFrom,
            String validTo) {
        return RowFactory.create(
                id,
                subscription,
                account,
                tenant,
                app,
                plan,
                Timestamp.from(Instant.parse(validFrom)),
                validTo == null ? null : Timestamp.from(Instant.parse(validTo)));
    }

    public static Dataset<Row> entitlements(SparkSession spark, Row... rows) {
        return spark.createDataFrame(List.of(rows), Tables.ENTITLEMENT);
    }
}
