package io.meterlake.streaming;

import static io.meterlake.testing.Fixtures.entitlement;
import static io.meterlake.testing.Fixtures.entitlements;
import static io.meterlake.testing.UsageEvents.event;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.MeterlakeException;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.streaming.sink.ProgressRecorder;
import io.meterlake.streaming.sink.RawBatchWriter;
import io.meterlake.table.Lease;
import io.meterlake.table.Warehouse;
import io.meterlake.testing.LogCapture;
import io.meterlake.testing.SparkTestBase;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream's own tier: both queries of {@link StreamJob} on a local Delta warehouse, fed from files
 * in the pipeline's record shape instead of a broker (each file one raw micro-batch), each run an
 * {@code --available-now} run restarted from the checkpoint of the one before. The provisional
 * windows, the watermark and late data, deduplication across batches and restarts, and a batch the
 * engine replays after a crash between its writes and its checkpoint commit. The broker, the real
 * process and SIGKILL are {@code StreamExactlyOnceIT}'s (cli).
 */
class StreamJobTest extends SparkTestBase {
    /** Ingest times come with the records; the job's clock only stamps progress rows and the lease. */
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-02T12:00:00Z"), ZoneOffset.UTC);

    private static final Instant INGESTED = CLOCK.instant();

    @TempDir
    Path dir;

    private MeterlakeConfig config;
    private Warehouse warehouse;
    private Path source;
    private long offset;
    private int files;

    @BeforeEach
    void openWarehouse() throws IOException {
        config = ConfigLoader.load(
                Optional.empty(),
                List.of(),
                Map.of("warehouse", dir.resolve("w").toString(), "stream.watermark-delay", "PT1H"));
        warehouse = new Warehouse(spark(), config.warehouse());
        warehouse.replaceEntitlements(entitlements(
                spark(),
                entitlement("ent-1", "sub-1", "acct-1", "acme", "app-1", "standard", "2020-01-01T00:00:00Z", null)));
        source = Files.createDirectories(dir.resolve("source"));
    }

    /** One file of records as the broker would deliver them (offsets in order), ingested at {@code at}. */
    private void arrive(Instant at, String... payloads) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (String payload : payloads) {
            rows.add(RowFactory.create(
                    payload.getBytes(StandardCharsets.UTF_8),
                    "kafka",
                    null,
                    null,
                    null,
                    "usage-events",
                    0,
                    offset++,
                    Timestamp.from(at)));
        }
        Path staging = dir.resolve("staging-" + files);
        spark().createDataFrame(rows, Tables.RECORD).coalesce(1).write().parquet(staging.toString());
        try (Stream<Path> written = Files.list(staging)) {
            Path part = written.filter(file -> file.getFileName().toString().endsWith(".parquet"))
                    .findFirst()
                    .orElseThrow();
            // Moved in whole: the source never lists a file that is still being written.
            Files.move(part, source.resolve(String.format("records-%03d.parquet", files++)));
        }
    }

    /** One {@code --available-now} run of both queries over what has arrived, from the checkpoints. */
    private StreamJob run() throws Exception {
        StreamJob job = new StreamJob(
                spark(),
                config,
                CLOCK,
                new PrintWriter(new StringWriter()),
                session -> session.readStream()
                        .schema(Tables.RECORD)
                        .option("maxFilesPerTrigger", 1)
                        .parquet(source.toString()),
                io.meterlake.table.UsageChanged.NOTHING);
        job.runAvailableNow();
        return job;
    }

    /** The metrics a run exposes, as Prometheus' text format has them. */
    private static String scrape(StreamJob job) {
        return new String(job.metrics().exposition().scrape(), StandardCharsets.UTF_8);
    }

    /** The provisional windows as "window_start quantity event_count", in order. */
    private List<String> windows() {
        return warehouse.read(Tables.USAGE_AGGREGATES_PROVISIONAL).collectAsList().stream()
                .map(row ->
                        row.getTimestamp(row.fieldIndex(Columns.WINDOW_START)).toInstant() + " "
                                + row.getDecimal(row.fieldIndex(Columns.QUANTITY))
                                        .stripTrailingZeros()
                                        .toPlainString() + " "
                                + row.getLong(row.fieldIndex(Columns.EVENT_COUNT)))
                .sorted()
                .toList();
    }

    private long commits(String table) throws IOException {
        try (Stream<Path> log = Files.list(dir.resolve("w").resolve(table).resolve("_delta_log"))) {
            return log.filter(file -> file.getFileName().toString().endsWith(".json"))
                    .count();
        }
    }

    private long rawRows() {
        return warehouse.read(Tables.RAW_USAGE_EVENTS).count();
    }

    @Test
    void windowsCountEachIdentityOnceAcrossBatchesAndRestarts() throws Exception {
        arrive(
                INGESTED,
                event().id("a").quantity("3").at("2026-11-02T10:05:00Z").json(),
                event().id("b").quantity("4").at("2026-11-02T10:55:00Z").json());
        arrive(
                INGESTED,
                event().id("c").quantity("5").at("2026-11-02T11:10:00Z").json(),
                event().id("a").quantity("3").at("2026-11-02T10:05:00Z").json()); // a copy, in the next batch
        StreamJob first = run();
        // Its metrics: two raw batches (a file each) of four records, every one accepted; the windows hold the
        // broker's records through the start of the last raw batch, which read everything there was.
        assertThat(scrape(first))
                .contains("meterlake_stream_batches_total{query=\"raw\"} 2.0")
                .contains("meterlake_stream_records_total{query=\"raw\"} 4.0")
                .contains("meterlake_stream_events_accepted_total 4.0")
                .contains("meterlake_stream_events_quarantined_total 0.0")
                .contains("meterlake_stream_visible_through_seconds ")
                .contains("meterlake_stream_lag_seconds ");
        assertThat(first.metrics().visibleThrough()).isPresent();
        // ... and where the readers of the windows find it (the usage API's as_of), written before the job returns.
        assertThat(warehouse.visibleThrough()).isEqualTo(first.metrics().visibleThrough());

        assertThat(rawRows()).as("raw keeps every record, copies too").isEqualTo(4);
        assertThat(windows()).containsExactly("2026-11-02T10:00:00Z 7 2", "2026-11-02T11:00:00Z 5 1");

        // A restart from the checkpoint: another copy, and a new event of the first window.
        arrive(
                INGESTED,
                event().id("a").quantity("3").at("2026-11-02T10:05:00Z").json(),
                event().id("d").quantity("6").at("2026-11-02T10:30:00Z").json());
        // What an operator reads at INFO (METERLAKE_LOG_LEVEL=info, or a cluster's driver log).
        try (LogCapture job = LogCapture.of(StreamJob.class);
                LogCapture raw = LogCapture.of(RawBatchWriter.class);
                LogCapture provisional = LogCapture.of(ProgressRecorder.class)) {
            run();
            assertThat(job.lines()).hasSize(2).first().asString().startsWith("INFO stream started on ");
            assertThat(raw.lines())
                    .singleElement()
                    .asString()
                    .matches("INFO raw batch \\d+: 2 records, 2 accepted, 0 quarantined, entitlements v\\d+, \\d+ ms");
            assertThat(provisional.lines())
                    .anySatisfy(line -> assertThat(line)
                            .matches("INFO provisional batch \\d+: 2 records, \\d+ windows updated, watermark .*"));
        }

        assertThat(rawRows()).isEqualTo(6);
        assertThat(windows()).containsExactly("2026-11-02T10:00:00Z 13 3", "2026-11-02T11:00:00Z 5 1");

        // Nothing new: nothing written.
        long before = commits(Tables.RAW_USAGE_EVENTS) + commits(Tables.USAGE_AGGREGATES_PROVISIONAL);
        run();
        assertThat(commits(Tables.RAW_USAGE_EVENTS) + commits(Tables.USAGE_AGGREGATES_PROVISIONAL))
                .isEqualTo(before);
        assertThat(windows()).containsExactly("2026-11-02T10:00:00Z 13 3", "2026-11-02T11:00:00Z 5 1");
    }

    @Test
    void aBatchReplayedAfterACrashBeforeItsCheckpointCommitIsWrittenOnce() throws Exception {
        arrive(
                INGESTED,
                event().id("a").quantity("3").at("2026-11-02T10:05:00Z").json());
        run();
        arrive(
                INGESTED,
                event().id("b").quantity("4").at("2026-11-02T10:15:00Z").json(),
                event().id("q").quantity("-1").at("2026-11-02T10:20:00Z").json());
        run();
        List<String> windows = windows();
        long raw = rawRows();
        long quarantined = warehouse.read(Tables.QUARANTINED_EVENTS).count();
        long rawCommits = commits(Tables.RAW_USAGE_EVENTS);
        long provisionalCommits = commits(Tables.USAGE_AGGREGATES_PROVISIONAL);
        assertThat(windows).containsExactly("2026-11-02T10:00:00Z 7 2");
        assertThat(quarantined).isEqualTo(1);

        // The process died after the last batches' writes and before their checkpoint commits: the engine
        // runs those batches again on restart, and the transaction ids of their writes skip them.
        forgetLastCommit(Path.of(config.checkpointRoot(), "raw"));
        forgetLastCommit(Path.of(config.checkpointRoot(), "provisional"));
        run();

        assertThat(rawRows()).isEqualTo(raw);
        assertThat(warehouse.read(Tables.QUARANTINED_EVENTS).count()).isEqualTo(quarantined);
        assertThat(windows()).isEqualTo(windows);
        assertThat(commits(Tables.RAW_USAGE_EVENTS)).isEqualTo(rawCommits);
        assertThat(commits(Tables.USAGE_AGGREGATES_PROVISIONAL)).isEqualTo(provisionalCommits);

        // And the stream goes on from there.
        arrive(
                INGESTED,
                event().id("c").quantity("5").at("2026-11-02T10:25:00Z").json());
        run();
        assertThat(windows()).containsExactly("2026-11-02T10:00:00Z 12 3");
    }

    private static void forgetLastCommit(Path checkpoint) throws IOException {
        Path commits = checkpoint.resolve("commits");
        try (Stream<Path> files = Files.list(commits)) {
            Path last = files.filter(file -> file.getFileName().toString().matches("[0-9]+"))
                    .max(Comparator.comparingLong(
                            file -> Long.parseLong(file.getFileName().toString())))
                    .orElseThrow();
            Files.delete(last);
            Files.deleteIfExists(commits.resolve("." + last.getFileName() + ".crc"));
        }
    }

    @Test
    void eventsBehindTheWatermarkStayInRawAreCountedLateAndLeftOutOfTheWindows() throws Exception {
        Instant onTime = Instant.parse("2026-11-02T08:00:00Z");
        List<String> first = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            first.add(event().id("on-time-" + i)
                    .quantity("1")
                    .at(onTime.plus(Duration.ofMinutes(3L * i)).toString())
                    .json());
        }
        arrive(INGESTED, first.toArray(String[]::new));
        run();
        // Watermark: the newest event time (08:27) minus the delay (1 h).
        assertThat(watermark()).isEqualTo(Instant.parse("2026-11-02T07:27:00Z"));

        // Three hours behind the newest event: behind the watermark.
        List<String> late = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            late.add(event().id("late-" + i)
                    .quantity("100")
                    .at(onTime.minus(Duration.ofHours(3))
                            .plus(Duration.ofMinutes(3L * i))
                            .toString())
                    .json());
        }
        arrive(INGESTED, late.toArray(String[]::new));
        run();

        assertThat(lateDropped()).isEqualTo(4);
        assertThat(rawRows()).isEqualTo(14);
        assertThat(warehouse
                        .read(Tables.RAW_USAGE_EVENTS)
                        .where(col(Columns.EVENT_ID).startsWith("late"))
                        .count())
                .isEqualTo(4);
        Row provisional = warehouse
                .read(Tables.USAGE_AGGREGATES_PROVISIONAL)
                .agg(sum(col(Columns.QUANTITY)), sum(col(Columns.EVENT_COUNT)))
                .first();
        assertThat(provisional.getDecimal(0).stripTrailingZeros().toPlainString())
                .isEqualTo("10");
        assertThat(provisional.getLong(1)).isEqualTo(10);
    }

    private Instant watermark() {
        Row row = warehouse
                .read(Tables.STREAM_PROGRESS)
                .agg(org.apache.spark.sql.functions.max(Columns.WATERMARK))
                .first();
        return row.isNullAt(0) ? Instant.EPOCH : row.getTimestamp(0).toInstant();
    }

    private long lateDropped() {
        Row row = warehouse
                .read(Tables.STREAM_PROGRESS)
                .agg(sum(col(Columns.LATE_DROPPED)))
                .first();
        return row.isNullAt(0) ? 0 : row.getLong(0);
    }

    /** The 1st of a month at 00:30, a year's last microsecond and first instant, and Feb 29. */
    @Test
    void windowsAreUtcHoursAcrossAYearEndAndALeapDay() throws Exception {
        arrive(
                Instant.parse("2027-01-01T00:30:00Z"),
                event().id("last")
                        .quantity("2")
                        .at("2026-12-31T23:59:59.999999Z")
                        .json(),
                event().id("first").quantity("3").at("2027-01-01T00:00:00Z").json(),
                event().id("offset")
                        .quantity("4")
                        .at("2027-01-01T01:10:00+01:00")
                        .json());
        arrive(
                Instant.parse("2028-03-01T00:30:00Z"),
                event().id("leap").quantity("5").at("2028-02-29T23:30:00Z").json(),
                event().id("march").quantity("6").at("2028-03-01T00:00:00Z").json());
        run();

        assertThat(windows())
                .containsExactly(
                        "2026-12-31T23:00:00Z 2 1",
                        "2027-01-01T00:00:00Z 7 2",
                        "2028-02-29T23:00:00Z 5 1",
                        "2028-03-01T00:00:00Z 6 1");
    }

    @Test
    void aSecondStreamOnTheWarehouseIsRefusedNamingTheFirst() throws Exception {
        arrive(INGESTED, event().id("a").at("2026-11-02T10:05:00Z").json());
        try (Lease first = warehouse.lease("stream", "stream", CLOCK)) {
            assertThatThrownBy(this::run)
                    .isInstanceOf(MeterlakeException.class)
                    .hasMessageStartingWith("another stream (host ")
                    .hasMessageContaining("pid " + ProcessHandle.current().pid())
                    .hasMessageContaining("holds this warehouse's stream lease");
        }
        assertThat(warehouse.exists(Tables.RAW_USAGE_EVENTS) && rawRows() > 0)
                .as("nothing ran")
                .isFalse();
        run();
        assertThat(rawRows()).isEqualTo(1);
    }
}
