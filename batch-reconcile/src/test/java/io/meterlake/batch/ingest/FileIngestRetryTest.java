package io.meterlake.batch.ingest;

import static io.meterlake.testing.Fixtures.entitlement;
import static io.meterlake.testing.Fixtures.entitlements;
import static io.meterlake.testing.UsageEvents.event;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.table.Warehouse;
import io.meterlake.testing.SparkTestBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Encoders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file ingest that died between its two commits and is repeated later decides every line as before. */
class FileIngestRetryTest extends SparkTestBase {
    private static final Instant FIRST_ATTEMPT = Instant.parse("2026-11-02T00:00:00Z");

    @TempDir
    Path dir;

    /**
     * File ingest reads with Hadoop's line reader, produce and the gateway with {@code JsonLines}: both
     * cut every case alike (a byte-order mark, CRLF, blank lines and lines of spaces are records).
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("io.meterlake.testing.RecordSplittingCases#all")
    void aFileIsCutIntoRecordsAsEveryOtherReaderCutsIt(io.meterlake.testing.RecordSplittingCases.Case c)
            throws IOException {
        Path file = Files.write(dir.resolve("case.jsonl"), c.body());
        List<String> records = FileIngestJob.records(
                        spark(),
                        new org.apache.hadoop.fs.Path(file.toUri()),
                        spark().sparkContext().hadoopConfiguration())
                .collect()
                .stream()
                .map(record -> new String(record._1(), java.nio.charset.StandardCharsets.UTF_8))
                .toList();
        assertThat(records).isEqualTo(c.records());
        assertThat(io.meterlake.validation.JsonLines.split(c.body())).hasSameSizeAs(records);
    }

    @Test
    void aRetryMinutesLaterPutsEveryLineInExactlyOneTable() throws IOException {
        MeterlakeConfig config = config();
        Warehouse warehouse = warehouseWithEntitlement(config);
        Duration later = Duration.ofMinutes(4);
        Instant nearFuture = FIRST_ATTEMPT.plus(config.maxClockSkew()).plus(Duration.ofMinutes(2));
        Instant nearAge = FIRST_ATTEMPT.minus(config.maxEventAge()).plus(Duration.ofMinutes(2));
        Path file = Files.writeString(
                dir.resolve("usage.jsonl"),
                String.join(
                                "\n",
                                event().id("near-future")
                                        .at(nearFuture.toString())
                                        .json(),
                                event().id("near-age").at(nearAge.toString()).json(),
                                event().id("plain")
                                        .at(FIRST_ATTEMPT
                                                .minus(Duration.ofHours(1))
                                                .toString())
                                        .json())
                        + "\n");

        FileIngestJob crashing = new FileIngestJob(
                spark(),
                config,
                Clock.fixed(FIRST_ATTEMPT, ZoneOffset.UTC),
                () -> {
                    throw new IllegalStateException("killed between the quarantine and the raw commit");
                },
                Warehouse.RAW_WRITER_WAIT);
        assertThatThrownBy(() -> crashing.ingest(file.toString())).hasMessageContaining("killed between");
        assertThat(ids(warehouse, Tables.QUARANTINED_EVENTS)).containsExactly("near-future");
        assertThat(ids(warehouse, Tables.RAW_USAGE_EVENTS)).isEmpty();

        IngestReport report;
        try (io.meterlake.testing.LogCapture log = io.meterlake.testing.LogCapture.of(FileIngestJob.class)) {
            report = new FileIngestJob(spark(), config, Clock.fixed(FIRST_ATTEMPT.plus(later), ZoneOffset.UTC))
                    .ingest(file.toString());
            // The operator's line (INFO): the file, its hash and its counts.
            assertThat(log.lines())
                    .singleElement()
                    .asString()
                    .startsWith("INFO ingested ")
                    .endsWith(": 3 records, 2 accepted, 1 quarantined");
        }

        // Measured at the retry's own time, near-future would now be accepted (in both tables) and
        // near-age too old (in neither): the first attempt's ingest time decides both.
        assertThat(ids(warehouse, Tables.QUARANTINED_EVENTS)).containsExactly("near-future");
        assertThat(ids(warehouse, Tables.RAW_USAGE_EVENTS)).containsExactlyInAnyOrder("near-age", "plain");
        assertThat(warehouse
                        .read(Tables.RAW_USAGE_EVENTS)
                        .select(Columns.INGESTED_AT)
                        .distinct()
                        .as(Encoders.TIMESTAMP())
                        .collectAsList())
                .containsExactly(Timestamp.from(FIRST_ATTEMPT));
        assertThat(report.records()).isEqualTo(3);
        assertThat(report.accepted()).isEqualTo(2);
    }

    /**
     * Every writer of raw takes the raw writer's lease around its commits: an ingest while the stream commits a
     * batch waits for it, then writes exactly once; one that may not wait that long exits 75 naming the holder
     * and writes nothing.
     */
    @Test
    void anIngestWhileTheStreamCommitsWaitsForItThenWritesOnce() throws Exception {
        MeterlakeConfig config = config();
        Warehouse warehouse = warehouseWithEntitlement(config);
        Path file = Files.writeString(
                dir.resolve("usage.jsonl"),
                event().id("during-the-stream")
                                .at(FIRST_ATTEMPT.minus(Duration.ofHours(1)).toString())
                                .json()
                        + "\n");
        Clock clock = Clock.fixed(FIRST_ATTEMPT, ZoneOffset.UTC);
        try (io.meterlake.table.Lease stream = warehouse.rawWriter("meterlake-stream-raw version 7", Duration.ZERO)) {
            assertThatThrownBy(() ->
                            new FileIngestJob(spark(), config, clock, () -> {}, Duration.ZERO).ingest(file.toString()))
                    .isInstanceOfSatisfying(
                            io.meterlake.error.MeterlakeException.class,
                            e -> assertThat(e.exitCode()).isEqualTo(io.meterlake.error.ExitCodes.NOT_READY))
                    .hasMessageContaining("meterlake-stream-raw version 7")
                    .hasMessageContaining("raw-writer lease");
            assertThat(ids(warehouse, Tables.RAW_USAGE_EVENTS)).isEmpty();
            try (io.meterlake.testing.LogCapture log = io.meterlake.testing.LogCapture.of(Warehouse.class)) {
                java.util.concurrent.CompletableFuture<IngestReport> waiting =
                        java.util.concurrent.CompletableFuture.supplyAsync(
                                () -> new FileIngestJob(spark(), config, clock).ingest(file.toString()));
                org.awaitility.Awaitility.await("the ingest waits for the stream's commit")
                        .atMost(Duration.ofMinutes(2))
                        .until(() -> log.lines().stream().anyMatch(line -> line.contains("waits for the raw writer")));
                assertThat(waiting).isNotDone();
                assertThat(ids(warehouse, Tables.RAW_USAGE_EVENTS)).isEmpty();
                stream.close();
                assertThat(waiting.get(2, java.util.concurrent.TimeUnit.MINUTES).accepted())
                        .isEqualTo(1);
            }
        }
        assertThat(ids(warehouse, Tables.RAW_USAGE_EVENTS)).containsExactly("during-the-stream");
    }

    private MeterlakeConfig config() {
        return ConfigLoader.load(Optional.empty(), List.of(), Map.of())
                .withWarehouse(dir.resolve("w").toString());
    }

    /** The warehouse of {@code config} with acme's one entitlement (app-1, since 2020). */
    private Warehouse warehouseWithEntitlement(MeterlakeConfig config) {
        Warehouse warehouse = new Warehouse(spark(), config.warehouse());
        warehouse.replaceEntitlements(entitlements(
                spark(),
                entitlement("ent-1", "sub-1", "acct-1", "acme", "app-1", "standard", "2020-01-01T00:00:00Z", null)));
        return warehouse;
    }

    private List<String> ids(Warehouse warehouse, String table) {
        return warehouse
                .read(table)
                .orderBy(col(Columns.EVENT_ID))
                .select(Columns.EVENT_ID)
                .as(Encoders.STRING())
                .collectAsList();
    }
}
