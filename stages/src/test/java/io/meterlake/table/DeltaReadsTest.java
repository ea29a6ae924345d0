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

    /**
     * The greatest timestamp of a column, as Spark's max gives it, to the microsecond (Delta's statistics keep
     * milliseconds); a file of nulls only and an absent table have none; only the files whose statistics allow
     * the greatest value are read.
     */
    /** A table being created (its log directory made, its first commit not yet written) is no table yet. */
    @Test
    void aTableWithoutItsFirstCommitIsNotThereYet() throws java.io.IOException {
        java.nio.file.Path root = dir.resolve("creating");
        java.nio.file.Files.createDirectories(
                root.resolve(Tables.LIMIT_NOTIFICATIONS).resolve("_delta_log"));
        DeltaReads reads = new DeltaReads(spark().sparkContext().hadoopConfiguration(), root.toString());
        assertThat(reads.exists(Tables.LIMIT_NOTIFICATIONS)).isFalse();
        assertThat(reads.rows(Tables.LIMIT_NOTIFICATIONS)).isEmpty();
        assertThat(reads.version(Tables.LIMIT_NOTIFICATIONS)).isEmpty();
    }

    @Test
    void theGreatestTimestampIsSparksMaxFromTheNewestFilesOnly() {
        Warehouse warehouse = new Warehouse(spark(), dir.resolve("w").toString());
        DeltaReads reads = new DeltaReads(spark().sparkContext().hadoopConfiguration(), warehouse.root());
        assertThat(reads.greatest(Tables.ENTITLEMENTS, "valid_to")).isEmpty();
        String[] commits = {
            "2026-10-01T10:00:00Z",
            null,
            "2026-12-31T23:59:59.999001Z",
            "2026-12-31T23:59:59.999999Z",
            "2026-02-28T00:00:00Z"
        };
        for (int i = 0; i < commits.length; i++) {
            Timestamp to = commits[i] == null ? null : Timestamp.from(Instant.parse(commits[i]));
            write(
                    warehouse,
                    Tables.ENTITLEMENTS,
                    Tables.ENTITLEMENT,
                    List.of(RowFactory.create("e-" + i, "s", "a", "t", "app", "p", Timestamp.from(Instant.EPOCH), to)),
                    i + 1);
            Row max = warehouse
                    .read(Tables.ENTITLEMENTS)
                    .agg(org.apache.spark.sql.functions.max("valid_to"))
                    .first();
            assertThat(new DeltaReads(spark().sparkContext().hadoopConfiguration(), warehouse.root())
                            .greatest(Tables.ENTITLEMENTS, "valid_to"))
                    .as("after commit %d", i + 1)
                    .isEqualTo(
                            max.isNullAt(0)
                                    ? java.util.Optional.empty()
                                    : java.util.Optional.of(max.getTimestamp(0).toInstant()));
        }
        // Counts from the files' statistics, as Spark counts; the writer's last transaction, as Spark's log says.
        DeltaReads latest = new DeltaReads(spark().sparkContext().hadoopConfiguration(), warehouse.root());
        long rows = warehouse.read(Tables.ENTITLEMENTS).count();
        long open =
                warehouse.read(Tables.ENTITLEMENTS).where("valid_to is null").count();
        assertThat(latest.count(Tables.ENTITLEMENTS, "valid_to")).isEqualTo(new DeltaReads.Count(rows, open));
        assertThat(open).isEqualTo(1);
        assertThat(latest.count(Tables.ENTITLEMENTS, "no_such_column")).isEqualTo(new DeltaReads.Count(rows, rows));
        assertThat(latest.count("absent", "valid_to")).isEqualTo(new DeltaReads.Count(0, 0));
        assertThat(latest.committedTransaction(Tables.ENTITLEMENTS, "test"))
                .isEqualTo(warehouse.committedTransaction(Tables.ENTITLEMENTS, "test"))
                .hasValue(commits.length);
        assertThat(latest.committedTransaction(Tables.ENTITLEMENTS, "another")).isEmpty();
        assertThat(latest.committedTransaction("absent", "test")).isEmpty();

        java.util.function.Function<String, FileStatistics> file = max ->
                new FileStatistics(null, java.util.Optional.ofNullable(max).map(Instant::parse), max == null);
        FileStatistics old = file.apply("2026-10-01T10:00:00Z");
        FileStatistics nulls = file.apply(null);
        FileStatistics newest = file.apply("2026-12-31T23:59:59.999Z");
        FileStatistics withinAMillisecond = file.apply("2026-12-31T23:59:59.998001Z");
        FileStatistics unknown = new FileStatistics(null, java.util.Optional.empty(), false);
        assertThat(FileStatistics.mayHoldTheGreatest(List.of(old, nulls, newest, withinAMillisecond, unknown)))
                .containsExactly(newest, withinAMillisecond, unknown);
    }

    /**
     * What a server reads on every request (LiveTables) is what DeltaReads reads; a request keeps the version it
     * first read; a commit shows to the next requests within a second; statistics rule out only what they exclude.
     */
    @Test
    void liveTablesReadAsDeltaReadsDoAndFollowEachNewCommit() {
        Warehouse warehouse = new Warehouse(spark(), dir.resolve("w").toString());
        Timestamp at = Timestamp.from(Instant.parse("2026-02-28T00:00:00Z"));
        write(
                warehouse,
                Tables.ENTITLEMENTS,
                Tables.ENTITLEMENT,
                List.of(
                        RowFactory.create("e-1", "sub-1", "acct-1", "acme", "app-1", "standard", at, null),
                        RowFactory.create("e-2", "sub-2", "acct-2", "beta", "app-2", "free", at, at)));
        LiveTables live = LiveTables.of(spark().sparkContext().hadoopConfiguration(), warehouse.root());
        TableRows request = live.view();
        assertThat(texts(request.rows(Tables.ENTITLEMENTS, java.util.Map.of())))
                .isEqualTo(texts(new DeltaReads(spark().sparkContext().hadoopConfiguration(), warehouse.root())
                        .rows(Tables.ENTITLEMENTS)));
        assertThat(texts(request.rows(Tables.ENTITLEMENTS, java.util.Map.of("billing_account_id", "acct-2"))))
                .isEqualTo(texts(warehouse
                        .read(Tables.ENTITLEMENTS)
                        .where("billing_account_id = 'acct-2'")
                        .collectAsList()));
        assertThat(live.view().exists("absent")).isFalse();

        write(
                warehouse,
                Tables.ENTITLEMENTS,
                Tables.ENTITLEMENT,
                List.of(RowFactory.create("e-3", "sub-3", "acct-3", "gamma", "app-3", "standard", at, null)),
                2);
        assertThat(request.rows(Tables.ENTITLEMENTS, java.util.Map.of())).hasSize(2);
        org.awaitility.Awaitility.await("the new commit read")
                .atMost(java.time.Duration.ofSeconds(30))
                .until(() -> live.view()
                                .rows(Tables.ENTITLEMENTS, java.util.Map.of())
                                .size()
                        == 3);
        assertThat(texts(live.view().rows(Tables.ENTITLEMENTS, java.util.Map.of("subscription_id", "sub-3"))))
                .isEqualTo(texts(warehouse
                        .read(Tables.ENTITLEMENTS)
                        .where("subscription_id = 'sub-3'")
                        .collectAsList()))
                .hasSize(1);
        assertThat(live.view().greatest(Tables.ENTITLEMENTS, "valid_to")).hasValue(at.toInstant());

        com.fasterxml.jackson.databind.node.ObjectNode stats =
                new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        stats.putObject("minValues").put("subscription_id", "sub-2").put("event_count", 5);
        stats.putObject("maxValues").put("subscription_id", "sub-5\uFFFF").put("event_count", 9);
        assertThat(ScanFile.mayHold(stats, java.util.Map.of("subscription_id", "sub-3")))
                .isTrue();
        assertThat(ScanFile.mayHold(stats, java.util.Map.of("subscription_id", "sub-1")))
                .isFalse();
        assertThat(ScanFile.mayHold(stats, java.util.Map.of("subscription_id", "sub-6")))
                .isFalse();
        assertThat(ScanFile.mayHold(stats, java.util.Map.of("event_count", 10L)))
                .isFalse();
        assertThat(ScanFile.mayHold(stats, java.util.Map.of("event_count", 7))).isTrue();
        assertThat(ScanFile.mayHold(stats, java.util.Map.of("plan", "free"))).isTrue();
        assertThat(ScanFile.mayHold(null, java.util.Map.of("subscription_id", "sub-1")))
                .isTrue();
    }

    private void write(Warehouse warehouse, String table, StructType schema, List<Row> rows) {
        write(warehouse, table, schema, rows, 1);
    }

    private void write(Warehouse warehouse, String table, StructType schema, List<Row> rows, long version) {
        warehouse.create(table, schema, true, null);
        warehouse.appendIdempotent(spark().createDataFrame(rows, schema), table, "test", version);
    }

    private static List<String> texts(List<Row> rows) {
        return rows.stream().map(Row::toString).sorted().toList();
    }
}
