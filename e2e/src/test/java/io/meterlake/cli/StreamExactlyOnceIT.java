package io.meterlake.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.window;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meterlake.catalog.Aggregation;
import io.meterlake.catalog.MetricCatalog;
import io.meterlake.config.ConfigLoader;
import io.meterlake.error.ExitCodes;
import io.meterlake.period.Period;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.stack.TestBroker;
import io.meterlake.table.Warehouse;
import io.meterlake.testing.SparkTestBase;
import io.meterlake.validation.Quantities;
import io.meterlake.workload.Truth;
import io.meterlake.workload.TruthJson;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream is exactly once whatever crashes: the real {@code bin/meterlake stream} process is
 * killed with SIGKILL three times at different points (after a batch, between the quarantine and raw
 * appends of a batch, right after a provisional MERGE), restarted from its checkpoint each time, and
 * finished with {@code --available-now} after the last quarter of the workload is sent. Then every
 * record {@code produce} sent is in raw or quarantine exactly once, the provisional windows equal an
 * independent dedup + aggregate of raw, and another {@code --available-now} run finds nothing and
 * writes nothing.
 *
 * <p>The watermark delay is longer than the workload's span, so every event is on time and the
 * provisional path must account for all of them; there are no conflicting duplicates, whose provisional
 * winner is arbitrary (the nightly recompute resolves them by ingest order).
 */
class StreamExactlyOnceIT extends SparkTestBase {
    private static final MetricCatalog CATALOG =
            ConfigLoader.load(Optional.empty(), List.of(), Map.of()).catalog();
    private static final Path LAUNCHER =
            Path.of("..", "bin", "meterlake").toAbsolutePath().normalize();
    private static final String TOPIC = "stream-exactly-once-it";

    @TempDir
    static Path dir;

    private static TestBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = TestBroker.shared();
        broker.topic(TOPIC, 3);
    }

    @Test
    void survivesRepeatedSigkillWithoutLossOrDuplication() throws Exception {
        Path warehouse = dir.resolve("warehouse");
        Path events = dir.resolve("events.jsonl");
        // The broker stamps the ingest times: the workload and every time rule follow the real clock.
        CommandLineTest.Run generated = CommandLineTest.Run.at(
                CommandLineTest.LIVE,
                "generate",
                "--events",
                "6000",
                "--seed",
                "3",
                "--conflict-rate",
                "0",
                "--out",
                events.toString(),
                "--entitlements-out",
                dir.resolve("e.csv").toString(),
                "--truth-out",
                dir.resolve("truth.json").toString());
        assertThat(generated.exitCode()).as(generated.err()).isZero();
        Truth truth = TruthJson.read(dir.resolve("truth.json"));
        assertThat(CommandLineTest.Run.at(
                                CommandLineTest.LIVE,
                                "--warehouse",
                                warehouse.toString(),
                                "entitlements",
                                "load",
                                dir.resolve("e.csv").toString())
                        .exitCode())
                .isZero();
        List<String> crossings = loadLimits(warehouse, truth);
        // Three quarters are sent before the kills, the last quarter before the last run: it has work left.
        List<String> lines = Files.readAllLines(events);
        Path early = Files.write(dir.resolve("early.jsonl"), lines.subList(0, 4500));
        Path late = Files.write(dir.resolve("late.jsonl"), lines.subList(4500, lines.size()));
        produce(early, 4500);

        Path raw = warehouse.resolve(Tables.RAW_USAGE_EVENTS).resolve("_delta_log");
        Path quarantine = warehouse.resolve(Tables.QUARANTINED_EVENTS).resolve("_delta_log");
        Path provisional =
                warehouse.resolve(Tables.USAGE_AGGREGATES_PROVISIONAL).resolve("_delta_log");

        // 1: after the first raw batch has committed (the next one is likely in flight); its metrics served meanwhile.
        killWhen(warehouse, () -> commits(raw) >= 2, this::assertMetricsServed);
        // 2: the moment a batch's quarantine append lands, before its raw append.
        long quarantineCommits = commits(quarantine);
        killWhen(warehouse, () -> commits(quarantine) > quarantineCommits);
        // 3: the moment a provisional MERGE lands.
        long provisionalCommits = commits(provisional);
        killWhen(warehouse, () -> commits(provisional) > provisionalCommits);

        produce(late, 1500);
        Map<Integer, Long> endOffsets = endOffsets();
        assertThat(endOffsets.values().stream().mapToLong(Long::longValue).sum())
                .isEqualTo(6000);
        JsonNode last = finish(warehouse);
        // What the last run read (the last quarter at least), it accounted for: each record accepted or quarantined.
        JsonNode lastRaw = java.util.stream.StreamSupport.stream(
                        last.get("queries").spliterator(), false)
                .filter(query -> query.get("query").textValue().equals("raw"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no raw query in " + last));
        assertThat(lastRaw.get("records").longValue())
                .isGreaterThanOrEqualTo(1500)
                .isEqualTo(lastRaw.get("accepted").longValue()
                        + lastRaw.get("quarantined").longValue());
        // A further run finds nothing new and writes nothing.
        long commits = commits(raw) + commits(quarantine) + commits(provisional);
        assertThat(finish(warehouse).get("queries")).isEmpty();
        assertThat(commits(raw) + commits(quarantine) + commits(provisional)).isEqualTo(commits);

        // Each threshold the stream's totals reached was notified exactly once, whatever the kills interrupted
        // (the third lands right after a provisional MERGE: while the batch decides its notifications).
        assertThat(notified(warehouse)).isEqualTo(crossings);

        Warehouse tables = new Warehouse(spark(), warehouse.toString());
        Dataset<Row> rawRows = tables.read(Tables.RAW_USAGE_EVENTS);
        Dataset<Row> quarantined = tables.read(Tables.QUARANTINED_EVENTS);

        // Raw holds exactly one row per accepted offset, and raw ∪ quarantine is every produced offset once.
        Set<String> rawOffsets = offsets(rawRows);
        Set<String> quarantineOffsets = offsets(quarantined);
        assertThat(rawOffsets).hasSize((int) rawRows.count());
        assertThat(quarantineOffsets).hasSize((int) quarantined.count());
        assertThat(rawOffsets).doesNotContainAnyElementsOf(quarantineOffsets);
        Set<String> all = new HashSet<>(rawOffsets);
        all.addAll(quarantineOffsets);
        assertThat(all).isEqualTo(produced(endOffsets));
        assertThat(rawRows.count()).isEqualTo(truth.accepted());
        assertThat(reasons(quarantined)).isEqualTo(truth.quarantined());

        // Provisional windows equal an independent dedup + hourly aggregate of raw.
        assertDataFrameNoOrderEquals(expectedWindows(rawRows), actualWindows(tables));

        // Progress rows exist for the raw query's batches, and account for every record once.
        Row progress = tables.read(Tables.STREAM_PROGRESS)
                .where(col(Columns.QUERY).equalTo("raw"))
                .agg(sum(col(Columns.RECORDS_IN)), count(col(Columns.BATCH_ID)))
                .first();
        assertThat(progress.getLong(0)).isEqualTo(6000);

        // The batch layer agrees with the stream window by window, and publishes the truth. (The stream's
        // watermark trails by 60 days here, so publishing an ended period must be forced; one that has not
        // ended is refused even then.)
        Path key = dir.resolve("k.pem");
        String at = warehouse.toString();
        BillingPeriodsCheck.run(
                CommandLineTest.LIVE,
                at,
                0,
                "keys",
                "generate",
                "--private-key-out",
                key.toString(),
                "--public-key-out",
                dir.resolve("k.pub.pem").toString());
        for (String period : BillingPeriodsCheck.periods(truth)) {
            JsonNode reconciled = BillingPeriodsCheck.json(BillingPeriodsCheck.run(
                    CommandLineTest.LIVE, at, 0, "reconcile", "--period", period, "--format", "json"));
            assertThat(reconciled.get("causes").fieldNames()).toIterable().containsExactly("MATCH");
            if (Period.parse(period).end().isAfter(CommandLineTest.LIVE.instant())) {
                assertThat(BillingPeriodsCheck.run(
                                        CommandLineTest.LIVE,
                                        at,
                                        ExitCodes.USAGE,
                                        "publish",
                                        "--period",
                                        period,
                                        "--signing-key",
                                        key.toString(),
                                        "--force")
                                .err())
                        .contains("has not ended");
                continue;
            }
            BillingPeriodsCheck.run(
                    CommandLineTest.LIVE,
                    at,
                    ExitCodes.NOT_READY,
                    "publish",
                    "--period",
                    period,
                    "--signing-key",
                    key.toString());
            BillingPeriodsCheck.run(
                    CommandLineTest.LIVE,
                    at,
                    0,
                    "publish",
                    "--period",
                    period,
                    "--signing-key",
                    key.toString(),
                    "--force");
            assertThat(BillingPeriodsCheck.shownLines(BillingPeriodsCheck.show(at, period)))
                    .isEqualTo(BillingPeriodsCheck.truthLines(truth, period));
        }
        assertThat(notified(warehouse))
                .as("the published lines equal the stream's totals: publish decides nothing more")
                .isEqualTo(crossings);
    }

    private static final String LIMITED = "functions.invocations";

    /**
     * Loads a limit of {@value #LIMITED} for every plan, with two thresholds: the median of the subscriptions'
     * monthly totals (reached by about half) and the highest (reached exactly by one); returns the crossings the
     * truth says the stream must notify, as {@link #notified} shows them.
     */
    private static List<String> loadLimits(Path warehouse, Truth truth) throws IOException {
        Map<String, BigDecimal> totals = new TreeMap<>();
        truth.lines().stream()
                .filter(line -> line.metric().equals(LIMITED))
                .forEach(line ->
                        totals.merge(line.subscriptionId() + " " + line.period(), line.quantity(), BigDecimal::add));
        List<BigDecimal> sorted = totals.values().stream().sorted().toList();
        assertThat(sorted).as("the workload's " + LIMITED + " totals").hasSizeGreaterThan(2);
        BigDecimal median = sorted.get(sorted.size() / 2);
        BigDecimal highest = sorted.get(sorted.size() - 1);
        StringBuilder csv = new StringBuilder(String.join(",", io.meterlake.limits.Limits.HEADER) + "\n");
        truth.lines().stream()
                .map(Truth.Line::plan)
                .distinct()
                .forEach(plan -> csv.append(String.join(
                                ",",
                                "calls-" + plan,
                                plan,
                                "",
                                LIMITED,
                                highest.multiply(BigDecimal.valueOf(2)).toPlainString(),
                                "soft",
                                median.toPlainString() + ";" + highest.toPlainString(),
                                "2020-01-01T00:00:00Z",
                                ""))
                        .append("\n"));
        Path limits = Files.writeString(dir.resolve("limits.csv"), csv);
        CommandLineTest.Run loaded = CommandLineTest.Run.at(
                CommandLineTest.LIVE, "--warehouse", warehouse.toString(), "limits", "load", limits.toString());
        assertThat(loaded.exitCode()).as(loaded.err()).isZero();
        List<String> expected = new ArrayList<>();
        totals.forEach((subscriptionPeriod, total) -> {
            for (BigDecimal threshold : List.of(median, highest)) {
                if (total.compareTo(threshold) >= 0) {
                    expected.add("crossed #1 " + subscriptionPeriod + " " + LIMITED + " "
                            + Quantities.render(threshold.setScale(9)));
                }
            }
        });
        return expected.stream().sorted().toList();
    }

    /** {@code notifications list --format json}, each once: "kind #ordinal subscription period metric amount". */
    private static List<String> notified(Path warehouse) {
        JsonNode listed = BillingPeriodsCheck.json(
                BillingPeriodsCheck.run(warehouse.toString(), 0, "notifications", "list", "--format", "json"));
        List<String> ids = new ArrayList<>();
        List<String> shown = new ArrayList<>();
        listed.get("notifications").forEach(n -> {
            ids.add(n.get("notification_id").textValue());
            shown.add(n.get("kind").textValue() + " #" + n.get("ordinal").intValue() + " "
                    + n.get("subscription_id").textValue() + " "
                    + n.get("period").textValue() + " "
                    + n.get("metric").textValue() + " "
                    + n.get("threshold_amount").textValue());
        });
        assertThat(ids).doesNotHaveDuplicates();
        return shown.stream().sorted().toList();
    }

    /** Starts the stream, waits for {@code condition}, kills it with SIGKILL. */
    private void killWhen(Path warehouse, BooleanSupplier condition) throws Exception {
        killWhen(warehouse, condition, () -> {});
    }

    /** As the other, with the stream's metrics at any free port; {@code beforeKill} runs once the condition holds. */
    private void killWhen(Path warehouse, BooleanSupplier condition, ThrowingRunnable beforeKill) throws Exception {
        Process stream = start(warehouse, "--trigger", "1s", "--metrics", "127.0.0.1:0");
        // A short poll: the kill must land right after the commit it waits for.
        Awaitility.await("the stream's progress")
                .atMost(Duration.ofMinutes(5))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    assertThat(stream.isAlive())
                            .as("the stream exited: " + Files.readString(dir.resolve("stream.err")))
                            .isTrue();
                    return condition.getAsBoolean();
                });
        beforeKill.run();
        stream.destroyForcibly(); // SIGKILL: no shutdown hooks, no cleanup
        stream.waitFor();
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** The running stream's {@code GET /metrics}, at the address it printed: Prometheus' text, the stream's names. */
    private void assertMetricsServed() throws Exception {
        assertThat(MetricsScrape.printedIn(dir.resolve("stream.err")))
                .contains("# HELP meterlake_stream_lag_records ")
                .contains("# HELP meterlake_stream_batch_duration_seconds ");
    }

    /** {@code produce --format json} of {@code file} to the test's topic; it reports {@code records} sent. */
    private static void produce(Path file, long records) {
        CommandLineTest.Run produced = CommandLineTest.Run.at(
                CommandLineTest.LIVE,
                "--set",
                "kafka.bootstrap-servers=" + broker.bootstrapServers(),
                "--set",
                "kafka.topic=" + TOPIC,
                "produce",
                file.toString(),
                "--format",
                "json");
        assertThat(produced.exitCode()).as(produced.err()).isZero();
        JsonNode sent = BillingPeriodsCheck.json(produced).get("records");
        assertThat(sent)
                .as("out: '%s', err: '%s'", produced.out(), produced.err())
                .isNotNull();
        assertThat(sent.longValue()).isEqualTo(records);
    }

    /** {@code stream --available-now --format json} to its end; its report. */
    private JsonNode finish(Path warehouse) throws Exception {
        Path out = dir.resolve("finish.json");
        Files.deleteIfExists(out);
        Process last = start(warehouse, out, "--available-now", "--format", "json");
        assertThat(last.waitFor(10, TimeUnit.MINUTES)).isTrue();
        assertThat(last.exitValue())
                .as(Files.readString(dir.resolve("stream.err")))
                .isZero();
        return BillingPeriodsCheck.JSON.readTree(out.toFile());
    }

    private Process start(Path warehouse, String... mode) throws IOException {
        return start(warehouse, dir.resolve("stream.out"), mode);
    }

    private Process start(Path warehouse, Path out, String... mode) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                LAUNCHER.toString(),
                "--warehouse",
                warehouse.toString(),
                "--set",
                "kafka.bootstrap-servers=" + broker.bootstrapServers(),
                "--set",
                "kafka.topic=" + TOPIC,
                "--set",
                "stream.max-offsets-per-trigger=1500",
                "--set",
                "stream.watermark-delay=P60D",
                "--set",
                "spark.master=local[2]",
                "stream"));
        command.addAll(List.of(mode));
        // The build's child-JVM options (METERLAKE_JAVA_OPTS: C1 only, the serial collector) also for these
        // streams: measured alone, 140 s and 4.0 CPU-min against 197 s and 6.1 with the JVM's defaults.
        return new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
                .redirectError(dir.resolve("stream.err").toFile())
                .start();
    }

    private static long commits(Path log) {
        if (!Files.isDirectory(log)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(log)) {
            return files.filter(f -> f.getFileName().toString().matches("[0-9]{20}\\.json"))
                    .count();
        } catch (IOException e) {
            return 0; // a commit may be renamed in while listing; try again
        }
    }

    private static Set<String> offsets(Dataset<Row> rows) {
        Set<String> result = new HashSet<>();
        for (Row row :
                rows.select(Columns.KAFKA_PARTITION, Columns.KAFKA_OFFSET).collectAsList()) {
            result.add(row.getInt(0) + "/" + row.getLong(1));
        }
        return result;
    }

    private static Set<String> produced(Map<Integer, Long> endOffsets) {
        Set<String> result = new HashSet<>();
        endOffsets.forEach((partition, end) -> {
            for (long offset = 0; offset < end; offset++) {
                result.add(partition + "/" + offset);
            }
        });
        return result;
    }

    private static TreeMap<String, Long> reasons(Dataset<Row> quarantined) {
        TreeMap<String, Long> result = new TreeMap<>();
        quarantined
                .groupBy(Columns.REASON)
                .count()
                .collectAsList()
                .forEach(row -> result.put(row.getString(0), row.getLong(1)));
        return result;
    }

    private static Map<Integer, Long> endOffsets() {
        return broker.endOffsets(TOPIC);
    }

    private static final StructType WINDOW_ROW = new StructType()
            .add(Columns.SUBSCRIPTION_ID, DataTypes.StringType)
            .add(Columns.ENTITLEMENT_ID, DataTypes.StringType)
            .add(Columns.METRIC, DataTypes.StringType)
            .add(Columns.WINDOW_START, DataTypes.TimestampType)
            .add(Columns.QUANTITY, DataTypes.StringType)
            .add(Columns.EVENT_COUNT, DataTypes.LongType);

    /** One row per (source, event_id), then each metric's provisional form per the catalog per hourly window. */
    private Dataset<Row> expectedWindows(Dataset<Row> raw) {
        Dataset<Row> events = raw.dropDuplicates(Columns.SOURCE, Columns.EVENT_ID);
        // A level's window: held from its time until max_hold or the window's end, in GB-hours.
        Map<List<Object>, BigDecimal> held = new java.util.HashMap<>();
        for (io.meterlake.catalog.Metric metric : CATALOG.metrics()) {
            if (metric.aggregation() != Aggregation.TIME_WEIGHTED) {
                continue;
            }
            for (Row row : events.where(col(Columns.METRIC).equalTo(metric.name()))
                    .select(
                            col(Columns.SUBSCRIPTION_ID),
                            col(Columns.ENTITLEMENT_ID),
                            col(Columns.METRIC),
                            window(col(Columns.EVENT_TIME), "1 hour").getField("start"),
                            col(Columns.EVENT_TIME),
                            col(Columns.QUANTITY))
                    .collectAsList()) {
                java.time.Instant time = row.getTimestamp(4).toInstant();
                java.time.Instant end = row.getTimestamp(3).toInstant().plus(java.time.Duration.ofHours(1));
                java.time.Instant until = time.plus(metric.parameters().maxHold());
                long micros = java.time.Duration.between(time, until.isBefore(end) ? until : end)
                                .toNanos()
                        / 1000;
                held.merge(
                        List.of(row.getString(0), row.getString(1), row.getString(2), row.get(3)),
                        row.getDecimal(5).multiply(BigDecimal.valueOf(micros)),
                        BigDecimal::add);
            }
        }
        List<Row> rows = new ArrayList<>();
        for (Row row : events.groupBy(
                        col(Columns.SUBSCRIPTION_ID),
                        col(Columns.ENTITLEMENT_ID),
                        col(Columns.METRIC),
                        window(col(Columns.EVENT_TIME), "1 hour").getField("start"))
                .agg(
                        sum(col(Columns.QUANTITY)),
                        max(col(Columns.QUANTITY)),
                        count(col(Columns.EVENT_ID)),
                        org.apache.spark.sql.functions.countDistinct(col(Columns.ATTRIBUTES)
                                .getItem(CATALOG.metric("app.active_users")
                                        .orElseThrow()
                                        .property())))
                .collectAsList()) {
            // Each aggregation's window, written out here on its own: a percentile's window is its total.
            BigDecimal value =
                    switch (CATALOG.metric(row.getString(2)).orElseThrow().aggregation()) {
                        case SUM, PERCENTILE -> row.getDecimal(4);
                        case MAX -> row.getDecimal(5);
                        case COUNT -> BigDecimal.valueOf(row.getLong(6));
                        case UNIQUE_COUNT -> BigDecimal.valueOf(row.getLong(7));
                        case TIME_WEIGHTED ->
                            held.get(List.of(row.getString(0), row.getString(1), row.getString(2), row.get(3)))
                                    .divide(BigDecimal.valueOf(3_600_000_000L), 9, java.math.RoundingMode.HALF_EVEN);
                        case LATEST -> throw new IllegalStateException("no LATEST metric in the default catalog");
                    };
            rows.add(RowFactory.create(
                    row.getString(0),
                    row.getString(1),
                    row.getString(2),
                    row.get(3),
                    Quantities.render(value),
                    row.getLong(6)));
        }
        return spark().createDataFrame(rows, WINDOW_ROW);
    }

    private Dataset<Row> actualWindows(Warehouse tables) {
        List<Row> rows = new ArrayList<>();
        for (Row row : tables.read(Tables.USAGE_AGGREGATES_PROVISIONAL).collectAsList()) {
            rows.add(RowFactory.create(
                    row.getAs(Columns.SUBSCRIPTION_ID),
                    row.getAs(Columns.ENTITLEMENT_ID),
                    row.getAs(Columns.METRIC),
                    row.getAs(Columns.WINDOW_START),
                    Quantities.render(row.getAs(Columns.QUANTITY)),
                    row.getAs(Columns.EVENT_COUNT)));
        }
        return spark().createDataFrame(rows, WINDOW_ROW);
    }
}
