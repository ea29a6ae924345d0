package io.meterlake.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.schema.Tables;
import io.meterlake.testing.SparkTestBase;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Spark-free read path gives, row for row and value for value, what Spark reads of the same table. */
class DeltaReadsTest extends SparkTestBase {
    @TempDir
    Path dir;

    @Test
    void readsEveryRowAsSparkDoesWithoutASession() {
        Warehouse warehouse = new Warehouse(spark(), dir.resolve("w").toString());
        Timestamp at = Timestamp.from(Instant.parse("2026-10-31T23:59:59.123456Z"));
        write(
                warehouse,
                Tables.ENTITLEMENTS,
                Tables.ENTITLEMENT,
                List.of(
                        RowFactory.create("e-1", "sub-1", "acct-1", "acme", "app-1", "standard", at, null),
                        RowFactory.create("e-2", "sub-2", "acct-1", "acme", "app-2", "free", at, at)));
        write(
                warehouse,
                "lines",
                Tables.BILLING_PERIOD_LINE,
                List.of(
                        RowFactory.create(
                                "2026-10",
                                1,
                                "c0ffee",
                                "sub-1",
                                "acct-1",
                                "standard",
                                "kvs.reads",
                                "count",
                                new BigDecimal("12345678901234567890.123456789"),
                                7L,
                                "2026-10",
                                "usage"),
                        RowFactory.create(
                                "2026-10",
                                1,
                                "c0ffee",
                                "sub-1",
                                "acct-1",
                                "standard",
                                "kvs.writes",
                                "count",
                                new BigDecimal("-3.000000000"),
                                -1L,
                                null,
                                null)));
        DeltaReads reads = new DeltaReads(spark().sparkContext().hadoopConfiguration(), warehouse.root());
        for (String table : List.of(Tables.ENTITLEMENTS, "lines")) {
            assertThat(texts(reads.rows(table)))
                    .as(table)
                    .isEqualTo(texts(warehouse.read(table).collectAsList()));
            assertThat(reads.version(table)).hasValue(warehouse.version(table));
            assertThat(reads.rows(table).get(0).schema())
                    .isEqualTo(warehouse.read(table).schema());
        }
        assertThat(reads.exists("absent")).isFalse();
        assertThat(reads.rows("absent")).isEmpty();
        assertThat(reads.version("absent")).isEmpty();
    }

    private void write(Warehouse warehouse, String table, StructType schema, List<Row> rows) {
        warehouse.create(table, schema, true, null);
        warehouse.appendIdempotent(spark().createDataFrame(rows, schema), table, "test", 1);
    }

    private static List<String> texts(List<Row> rows) {
        return rows.stream().map(Row::toString).sorted().toList();
    }
}
