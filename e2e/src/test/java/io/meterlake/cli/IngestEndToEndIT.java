package io.meterlake.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meterlake.batch.recompute.RankedRaw;
import io.meterlake.batch.recompute.Recompute;
import io.meterlake.catalog.Aggregation;
import io.meterlake.catalog.Metric;
import io.meterlake.catalog.MetricCatalog;
import io.meterlake.config.ConfigLoader;
import io.meterlake.period.Period;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.table.Warehouse;
import io.meterlake.testing.SparkTestBase;
import io.meterlake.validation.Quantities;
import io.meterlake.workload.Truth;
import io.meterlake.workload.TruthJson;
import io.meterlake.workload.WorkloadGenerator;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** generate → entitlements load → ingest → ingest again, in process, checked against the generator's truth. */
class IngestEndToEndIT extends SparkTestBase {
    private static final MetricCatalog CATALOG =
            ConfigLoader.load(Optional.empty(), List.of(), Map.of()).catalog();

    @TempDir
    Path dir;

    @Test
    void ingestsAGeneratedWorkloadExactlyAndOnlyOnce() throws IOException {
        String warehouse = dir.resolve("warehouse").toString();
        Path events = dir.resolve("events.jsonl");
        CommandLineTest.Run generated = CommandLineTest.Run.of(
                "generate",
                "--events",
                "4000",
                "--seed",
                "11",
                "--out",
                events.toString(),
                "--entitlements-out",
                dir.resolve("e.csv").toString(),
                "--truth-out",
                dir.resolve("truth.json").toString());
        assertThat(generated.exitCode()).as(generated.err()).isZero();
        Truth truth = TruthJson.read(dir.resolve("truth.json"));

        CommandLineTest.Run load = CommandLineTest.Run.of(
                "--warehouse",
                warehouse,
                "entitlements",
                "load",
                dir.resolve("e.csv").toString());
        assertThat(load.exitCode()).as(load.err()).isZero();
        assertThat(load.out())
                .contains("loaded: 13 entitlements in force (13 added, 0 changed, 0 removed, 0 not in the file kept)");
        entitlementsLoadShowsAndGuardsWhatItChanges(warehouse, dir.resolve("e.csv"));

        JsonNode first = ingest(warehouse, events);

        // The summary equals the truth, reason by reason.
        assertThat(first.get("records").longValue()).isEqualTo(truth.records()).isEqualTo(4000);
        assertThat(first.get("accepted").longValue()).isEqualTo(truth.accepted());
        assertThat(reasons(first.get("quarantined"))).isEqualTo(truth.quarantined());
        assertThat(first.get("files").get(0).get("status").textValue()).isEqualTo("ingested");
        assertThat(first.get("stored").get("accepted").longValue()).isEqualTo(truth.accepted());

        // The tables agree: every line of the file exactly once across raw and quarantine.
        Warehouse tables = new Warehouse(spark(), warehouse);
        Dataset<Row> raw = tables.read(Tables.RAW_USAGE_EVENTS);
        Dataset<Row> quarantine = tables.read(Tables.QUARANTINED_EVENTS);
        Row lines = raw.select(col(Columns.LINE_NUMBER))
                .union(quarantine.select(col(Columns.LINE_NUMBER)))
                .agg(
                        count(col(Columns.LINE_NUMBER)),
                        countDistinct(col(Columns.LINE_NUMBER)),
                        min(col(Columns.LINE_NUMBER)),
                        max(col(Columns.LINE_NUMBER)))
                .first();
        assertThat(List.of(lines.getLong(0), lines.getLong(1), lines.getLong(2), lines.getLong(3)))
                .containsExactly(4000L, 4000L, 1L, 4000L);
        assertThat(raw.count()).isEqualTo(truth.accepted());
        assertThat(quarantine.where(col(Columns.PAYLOAD).isNull()).count()).isZero();

        // Raw holds exact canonical quantities: an independent dedup + aggregate gives the truth to the last digit.
        assertDataFrameNoOrderEquals(truthLines(truth), dedupAndAggregate(raw));
        // And so does the authoritative recompute, period by period.
        assertDataFrameNoOrderEquals(truthLines(truth), recomputed(raw, truth));

        // Ingesting the same bytes again, under its name or another, writes nothing.
        long rawVersion = tables.version(Tables.RAW_USAGE_EVENTS);
        long quarantineVersion = tables.version(Tables.QUARANTINED_EVENTS);
        Path copy = Files.copy(events, dir.resolve("renamed.jsonl"));
        JsonNode again = ingest(warehouse, events);
        JsonNode renamed = ingest(warehouse, copy);

        for (JsonNode repeat : List.of(again, renamed)) {
            assertThat(repeat.get("files").get(0).get("status").textValue()).isEqualTo("already-ingested");
            assertThat(repeat.get("records").longValue()).isEqualTo(4000);
            // Nothing added by this run; what the tables hold for the file, separately.
            assertThat(repeat.get("accepted").longValue()).isZero();
            assertThat(repeat.get("quarantined")).isEmpty();
            assertThat(repeat.get("stored").get("accepted").longValue()).isEqualTo(truth.accepted());
            assertThat(reasons(repeat.get("stored").get("quarantined"))).isEqualTo(truth.quarantined());
        }
        // As a table: each reason with an example of its detail (the unknown metric named) and where to look.
        CommandLineTest.Run text =
                CommandLineTest.Run.at(CommandLineTest.CLOCK, "--warehouse", warehouse, "ingest", copy.toString());
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out())
                .contains("already ingested", "quarantine reason", "for example")
                .containsPattern("UNKNOWN_METRIC\\s+\\d+\\s+metric '[^']+' is not in the metric catalog")
                .contains("each record with its detail: meterlake quarantine list --reason ");
        // 'quarantine list' reads without asking for Spark: every quarantined line open under its reason, the first
        // 50 in received order, and every received record accounted for.
        long sessions = io.meterlake.spark.SparkSessions.requests();
        CommandLineTest.Run listed = CommandLineTest.Run.of(
                "--warehouse", warehouse, "quarantine", "list", "--status", "all", "--format", "json");
        assertThat(listed.exitCode()).as(listed.err()).isZero();
        assertThat(io.meterlake.spark.SparkSessions.requests())
                .as("sessions asked for")
                .isEqualTo(sessions);
        JsonNode list = new ObjectMapper().readTree(listed.out());
        TreeMap<String, Long> open = new TreeMap<>();
        list.get("reasons").forEach(reason -> {
            assertThat(reason.get("resolved").longValue()).isZero();
            open.put(reason.get("reason").textValue(), reason.get("open").longValue());
        });
        assertThat(open).isEqualTo(truth.quarantined());
        assertThat(list.get("records")).hasSize(50);
        assertThat(list.get("truncated").booleanValue()).isTrue();
        List<String> positions = new ArrayList<>();
        list.get("records")
                .forEach(record -> positions.add(record.get("position").textValue()));
        assertThat(positions)
                .isEqualTo(quarantine
                        .withColumn("position", io.meterlake.pipeline.RecordPosition.id())
                        .orderBy(Columns.INGESTED_AT, "position")
                        .select("position")
                        .limit(50)
                        .as(org.apache.spark.sql.Encoders.STRING())
                        .collectAsList());
        assertThat(list.get("conservation").toString())
                .isEqualTo("{\"received\":4000,\"accepted_on_receipt\":" + truth.accepted()
                        + ",\"replayed_into_raw\":0,\"open\":" + (4000 - truth.accepted())
                        + ",\"resolved\":0,\"holds\":true}");
        String someReason = truth.quarantined().firstKey();
        CommandLineTest.Run csv = CommandLineTest.Run.of(
                "--warehouse", warehouse, "quarantine", "list", "--reason", someReason, "--format", "csv");
        assertThat(csv.out().lines().count() - 1).isEqualTo(truth.quarantined().get(someReason));
        assertThat(tables.version(Tables.RAW_USAGE_EVENTS)).isEqualTo(rawVersion);
        assertThat(tables.version(Tables.QUARANTINED_EVENTS)).isEqualTo(quarantineVersion);
        assertThat(tables.read(Tables.RAW_USAGE_EVENTS).count()).isEqualTo(truth.accepted());
    }

    /**
     * The generator and the validation rules on one fixed clock, at the instants where calendars break:
     * 00:30 on the 1st (the default month is then the month before last), the last second of a year,
     * the first hours of the next, Feb 29 of a leap year, 31-, 30-, 29- and 28-day months. Ingested at
     * {@code now} or up to a day later, what the stages accept and quarantine is the truth, reason by
     * reason, and the authoritative lines equal the truth's for every period.
     */
    @ParameterizedTest(name = "{0} {1}, ingested {2} later")
    @CsvSource({
        "2026-12-01T00:30:00Z, '',      PT0S",
        "2026-12-31T23:59:59Z, '',      PT0S",
        "2027-01-01T02:00:00Z, 2026-12, PT0S",
        "2027-01-01T02:00:00Z, 2026-12, P1D",
        "2027-03-01T02:30:00Z, 2027-02, PT0S",
        "2028-02-29T12:00:00Z, '',      PT0S",
        "2028-03-01T02:00:00Z, 2028-02, PT12H"
    })
    void truthEqualsWhatTheStagesAcceptAtTrickyInstants(String now, String period, String ingestDelay)
            throws IOException {
        Clock generated = Clock.fixed(Instant.parse(now), ZoneOffset.UTC);
        Clock ingested = Clock.offset(generated, java.time.Duration.parse(ingestDelay));
        String warehouse = dir.resolve("warehouse").toString();
        Path events = dir.resolve("events.jsonl");
        List<String> generate = new ArrayList<>(List.of(
                "generate",
                "--events",
                "400",
                "--seed",
                "13",
                "--invalid-rate",
                "0.1",
                "--out",
                events.toString(),
                "--entitlements-out",
                dir.resolve("e.csv").toString(),
                "--truth-out",
                dir.resolve("truth.json").toString()));
        if (!period.isEmpty()) {
            generate.addAll(List.of("--period", period));
        }
        CommandLineTest.Run run = CommandLineTest.Run.at(generated, generate.toArray(String[]::new));
        assertThat(run.exitCode()).as(run.err()).isZero();
        Truth truth = TruthJson.read(dir.resolve("truth.json"));
        assertThat(truth.quarantined().keySet()).contains("EVENT_TIME_IN_FUTURE", "EVENT_TOO_OLD");
        String expected = period.isEmpty()
                ? WorkloadGenerator.defaultMonth(Instant.parse(now)).toString()
                : period;
        assertThat(BillingPeriodsCheck.periods(truth)).contains(expected);
        assertThat(CommandLineTest.Run.at(
                                ingested,
                                "--warehouse",
                                warehouse,
                                "entitlements",
                                "load",
                                dir.resolve("e.csv").toString())
                        .exitCode())
                .isZero();

        JsonNode report = ingest(ingested, warehouse, events);

        assertThat(report.get("accepted").longValue()).isEqualTo(truth.accepted());
        assertThat(reasons(report.get("quarantined"))).isEqualTo(truth.quarantined());
        Dataset<Row> raw = new Warehouse(spark(), warehouse).read(Tables.RAW_USAGE_EVENTS);
        assertDataFrameNoOrderEquals(truthLines(truth), recomputed(raw, truth));
    }

    private JsonNode ingest(String warehouse, Path file) throws IOException {
        return ingest(CommandLineTest.CLOCK, warehouse, file);
    }

    private JsonNode ingest(Clock clock, String warehouse, Path file) throws IOException {
        CommandLineTest.Run run =
                CommandLineTest.Run.at(clock, "--warehouse", warehouse, "ingest", file.toString(), "--format", "json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        return new ObjectMapper().readTree(run.out());
    }

    private static TreeMap<String, Long> reasons(JsonNode node) {
        TreeMap<String, Long> result = new TreeMap<>();
        node.fields()
                .forEachRemaining(
                        entry -> result.put(entry.getKey(), entry.getValue().longValue()));
        return result;
    }

    private static final StructType LINE = new StructType()
            .add("period", DataTypes.StringType)
            .add(Columns.SUBSCRIPTION_ID, DataTypes.StringType)
            .add(Columns.BILLING_ACCOUNT_ID, DataTypes.StringType)
            .add(Columns.PLAN, DataTypes.StringType)
            .add(Columns.METRIC, DataTypes.StringType)
            .add(Columns.UNIT, DataTypes.StringType)
            .add(Columns.QUANTITY, DataTypes.StringType)
            .add("event_count", DataTypes.LongType);

    private Dataset<Row> truthLines(Truth truth) {
        List<Row> rows = new ArrayList<>();
        for (Truth.Line line : truth.lines()) {
            rows.add(RowFactory.create(
                    line.period(),
                    line.subscriptionId(),
                    line.billingAccountId(),
                    line.plan(),
                    line.metric(),
                    line.unit(),
                    Quantities.render(line.quantity()),
                    line.eventCount()));
        }
        return spark().createDataFrame(rows, LINE);
    }

    /** {@link Recompute#lines} of every period the truth has lines for. */
    private Dataset<Row> recomputed(Dataset<Row> raw, Truth truth) {
        Recompute recompute = new Recompute(CATALOG);
        List<Row> rows = new ArrayList<>();
        for (String period :
                truth.lines().stream().map(Truth.Line::period).distinct().toList()) {
            for (Row row :
                    recompute.lines(RankedRaw.of(raw), Period.parse(period)).collectAsList()) {
                rows.add(RowFactory.create(
                        period,
                        row.getAs(Columns.SUBSCRIPTION_ID),
                        row.getAs(Columns.BILLING_ACCOUNT_ID),
                        row.getAs(Columns.PLAN),
                        row.getAs(Columns.METRIC),
                        row.getAs(Columns.UNIT),
                        Quantities.render(row.getAs(Columns.QUANTITY)),
                        row.getAs(Columns.EVENT_COUNT)));
            }
        }
        return spark().createDataFrame(rows, LINE);
    }

    /**
     * First record per (source, event_id) by line, then each metric's aggregation written out on its own
     * (sum, max, count, distinct user_id, a percentile of bucket sums, levels held over time), per UTC month.
     */
    private Dataset<Row> dedupAndAggregate(Dataset<Row> raw) {
        Dataset<Row> first = raw.withColumn(
                        "rank",
                        row_number()
                                .over(Window.partitionBy(col(Columns.SOURCE), col(Columns.EVENT_ID))
                                        .orderBy(col(Columns.LINE_NUMBER))))
                .where(col("rank").equalTo(1));
        List<Row> sums = first.groupBy(
                        date_format(col(Columns.EVENT_TIME), "yyyy-MM").as("period"),
                        col(Columns.SUBSCRIPTION_ID),
                        col(Columns.BILLING_ACCOUNT_ID),
                        col(Columns.PLAN),
                        col(Columns.METRIC),
                        col(Columns.UNIT))
                .agg(
                        sum(col(Columns.QUANTITY)),
                        max(col(Columns.QUANTITY)),
                        count(col(Columns.EVENT_ID)),
                        org.apache.spark.sql.functions.countDistinct(col(Columns.ATTRIBUTES)
                                .getItem(CATALOG.metric("app.active_users")
                                        .orElseThrow()
                                        .property())))
                .collectAsList();
        // A percentile's bucket sums per line (empty buckets count as 0 below).
        Map<List<String>, List<BigDecimal>> bucketSums = new java.util.HashMap<>();
        for (Metric metric : CATALOG.metrics()) {
            if (metric.aggregation() != Aggregation.PERCENTILE) {
                continue;
            }
            long seconds = metric.parameters().bucket().getSeconds();
            for (Row row : first.where(col(Columns.METRIC).equalTo(metric.name()))
                    .groupBy(
                            date_format(col(Columns.EVENT_TIME), "yyyy-MM"),
                            col(Columns.SUBSCRIPTION_ID),
                            col(Columns.BILLING_ACCOUNT_ID),
                            col(Columns.PLAN),
                            col(Columns.METRIC),
                            col(Columns.UNIT),
                            org.apache.spark.sql.functions.floor(org.apache
                                    .spark
                                    .sql
                                    .functions
                                    .unix_seconds(col(Columns.EVENT_TIME))
                                    .divide(seconds)))
                    .agg(sum(col(Columns.QUANTITY)))
                    .collectAsList()) {
                bucketSums
                        .computeIfAbsent(
                                List.of(
                                        row.getString(0),
                                        row.getString(1),
                                        row.getString(2),
                                        row.getString(3),
                                        row.getString(4),
                                        row.getString(5)),
                                k -> new ArrayList<>())
                        .add(row.getDecimal(7));
            }
        }
        List<Row> rows = new ArrayList<>(heldLevels(first));
        for (Row row : sums) {
            Metric metric = CATALOG.metric(row.getString(4)).orElseThrow();
            if (metric.aggregation() == Aggregation.TIME_WEIGHTED) {
                continue;
            }
            BigDecimal value = switch (metric.aggregation()) {
                case SUM -> row.getDecimal(6);
                case MAX -> row.getDecimal(7);
                case COUNT -> BigDecimal.valueOf(row.getLong(8));
                case UNIQUE_COUNT -> BigDecimal.valueOf(row.getLong(9));
                case PERCENTILE -> {
                    // Of N buckets the k highest dropped: the (k + 1)-th highest sum, or 0 past the busy ones.
                    Period period = Period.parse(row.getString(0));
                    long n = java.time.Duration.between(period.start(), period.end())
                                    .getSeconds()
                            / metric.parameters().bucket().getSeconds();
                    long k = n * (100 - metric.parameters().percentile()) / 100;
                    List<BigDecimal> descending = new ArrayList<>(bucketSums.get(List.of(
                            row.getString(0),
                            row.getString(1),
                            row.getString(2),
                            row.getString(3),
                            row.getString(4),
                            row.getString(5))));
                    descending.sort(java.util.Comparator.reverseOrder());
                    yield descending.size() > k ? descending.get((int) k) : BigDecimal.ZERO;
                }
                case LATEST -> throw new IllegalStateException("no LATEST metric in the default catalog");
                case TIME_WEIGHTED -> throw new IllegalStateException("written out in heldLevels");
            };
            rows.add(RowFactory.create(
                    row.getString(0),
                    row.getString(1),
                    row.getString(2),
                    row.getString(3),
                    row.getString(4),
                    row.getString(5),
                    Quantities.render(value),
                    row.getLong(8)));
        }
        return spark().createDataFrame(rows, LINE);
    }

    /**
     * The lines of each time-weighted metric of {@code events}: per series (tenant, app) in (event time,
     * line number) order, each level held until the next sample or max_hold, cut at month ends; a month
     * bills level × hours of its part of every hold (rounded once, half to even) to the sample's line,
     * and counts the samples in it and those before it whose hold reaches into it.
     */
    private static List<Row> heldLevels(Dataset<Row> events) {
        List<Row> rows = new ArrayList<>();
        for (Metric metric : CATALOG.metrics()) {
            if (metric.aggregation() != Aggregation.TIME_WEIGHTED) {
                continue;
            }
            assertThat(metric.parameters().seriesBy())
                    .as("a series of tenant and app alone")
                    .isEmpty();
            List<Row> samples = events.where(col(Columns.METRIC).equalTo(metric.name()))
                    .orderBy(
                            col(Columns.TENANT_ID),
                            col(Columns.APP_ID),
                            col(Columns.EVENT_TIME),
                            col(Columns.LINE_NUMBER))
                    .select(
                            col(Columns.TENANT_ID),
                            col(Columns.APP_ID),
                            col(Columns.EVENT_TIME),
                            col(Columns.QUANTITY),
                            col(Columns.SUBSCRIPTION_ID),
                            col(Columns.BILLING_ACCOUNT_ID),
                            col(Columns.PLAN))
                    .collectAsList();
            Map<List<String>, BigDecimal> levelSeconds =
                    new TreeMap<>(java.util.Comparator.comparing(Object::toString));
            Map<List<String>, Long> counted = new TreeMap<>(java.util.Comparator.comparing(Object::toString));
            for (int i = 0; i < samples.size(); i++) {
                Row sample = samples.get(i);
                Instant from = sample.getTimestamp(2).toInstant();
                Instant until = from.plus(metric.parameters().maxHold());
                if (i + 1 < samples.size()
                        && samples.get(i + 1).getString(0).equals(sample.getString(0))
                        && samples.get(i + 1).getString(1).equals(sample.getString(1))) {
                    Instant next = samples.get(i + 1).getTimestamp(2).toInstant();
                    until = next.isBefore(until) ? next : until;
                }
                java.time.YearMonth month = java.time.YearMonth.from(from.atOffset(ZoneOffset.UTC));
                boolean first = true;
                while (first
                        || month.atDay(1)
                                .atStartOfDay(ZoneOffset.UTC)
                                .toInstant()
                                .isBefore(until)) {
                    Instant start = month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
                    Instant end = month.plusMonths(1)
                            .atDay(1)
                            .atStartOfDay(ZoneOffset.UTC)
                            .toInstant();
                    long micros = Math.max(
                            0,
                            java.time.Duration.between(
                                                    from.isAfter(start) ? from : start,
                                                    until.isBefore(end) ? until : end)
                                            .toNanos()
                                    / 1000);
                    List<String> key =
                            List.of(month.toString(), sample.getString(4), sample.getString(5), sample.getString(6));
                    levelSeconds.merge(
                            key,
                            sample.getDecimal(3)
                                    .multiply(BigDecimal.valueOf(micros))
                                    .movePointLeft(6),
                            BigDecimal::add);
                    counted.merge(key, 1L, Long::sum);
                    first = false;
                    month = month.plusMonths(1);
                }
            }
            BigDecimal unit = BigDecimal.valueOf(metric.parameters().timeUnit().getSeconds());
            levelSeconds.forEach((key, seconds) -> rows.add(RowFactory.create(
                    key.get(0),
                    key.get(1),
                    key.get(2),
                    key.get(3),
                    metric.name(),
                    metric.canonicalUnit() + "-h",
                    Quantities.render(seconds.divide(unit, 9, java.math.RoundingMode.HALF_EVEN)),
                    counted.get(key))));
        }
        return rows;
    }

    /**
     * The same file again writes nothing; a partial file (the README quick start's one line) is an upsert that
     * keeps the 13 in force and says so; --dry-run --replace shows the removals and writes nothing; the table's
     * version moves only when something changed.
     */
    private void entitlementsLoadShowsAndGuardsWhatItChanges(String warehouse, Path full) throws java.io.IOException {
        Warehouse tables = new Warehouse(spark(), warehouse);
        long version = tables.version(Tables.ENTITLEMENTS);
        CommandLineTest.Run again =
                CommandLineTest.Run.of("--warehouse", warehouse, "entitlements", "load", full.toString());
        assertThat(again.out())
                .contains("unchanged: the 13 entitlements in force are what the file says; nothing written");
        assertThat(tables.version(Tables.ENTITLEMENTS)).isEqualTo(version);

        List<String> lines = Files.readAllLines(full);
        Path partial = full.resolveSibling("partial.csv");
        String changed = lines.get(1).replaceFirst(",[^,]*,([^,]*,[^,]*)$", ",premium,$1");
        Files.write(
                partial,
                List.of(
                        lines.get(0),
                        changed,
                        "ent-new,sub-new,acct-new,tenant-new,app-new,standard," + "2026-01-01T00:00:00Z,"));
        CommandLineTest.Run dry = CommandLineTest.Run.of(
                "--warehouse",
                warehouse,
                "entitlements",
                "load",
                partial.toString(),
                "--replace",
                "--dry-run",
                "--format",
                "json");
        assertThat(dry.exitCode()).as(dry.err()).isZero();
        JsonNode plan = new ObjectMapper().readTree(dry.out());
        assertThat(plan.get("written").booleanValue()).isFalse();
        assertThat(plan.get("in_force").intValue()).isEqualTo(2);
        assertThat(tables.version(Tables.ENTITLEMENTS)).isEqualTo(version);

        CommandLineTest.Run upsert =
                CommandLineTest.Run.of("--warehouse", warehouse, "entitlements", "load", partial.toString());
        assertThat(upsert.out())
                .contains("tenant-new")
                .contains("loaded: 14 entitlements in force (1 added, 1 changed, 0 removed, 12 not in the file kept)");
        assertThat(tables.version(Tables.ENTITLEMENTS)).isEqualTo(version + 1);
        // Back to the generator's entitlements for the rest of the test: a replace with the full file.
        CommandLineTest.Run restore =
                CommandLineTest.Run.of("--warehouse", warehouse, "entitlements", "load", full.toString(), "--replace");
        assertThat(restore.out()).contains("loaded: 13 entitlements in force (0 added, 1 changed, 1 removed)");

        // 'entitlements show' lists what is in force, read without asking for Spark.
        long sessions = io.meterlake.spark.SparkSessions.requests();
        CommandLineTest.Run shown =
                CommandLineTest.Run.of("--warehouse", warehouse, "entitlements", "show", "--all", "--format", "json");
        assertThat(shown.exitCode()).as(shown.err()).isZero();
        assertThat(io.meterlake.spark.SparkSessions.requests())
                .as("sessions asked for")
                .isEqualTo(sessions);
        JsonNode listed = new ObjectMapper().readTree(shown.out());
        assertThat(listed.get("version").longValue()).isEqualTo(tables.version(Tables.ENTITLEMENTS));
        List<String> ids = new java.util.ArrayList<>();
        listed.get("entitlements").forEach(e -> ids.add(e.get("entitlement_id").textValue()));
        assertThat(ids)
                .containsExactlyInAnyOrderElementsOf(tables.read(Tables.ENTITLEMENTS).collectAsList().stream()
                        .map(row -> io.meterlake.schema.Rows.entitlement(row).entitlementId())
                        .toList())
                .hasSize(13);
        CommandLineTest.Run table = CommandLineTest.Run.of(
                "--warehouse", warehouse, "entitlements", "show", "--at", "2000-01-01T00:00:00Z");
        assertThat(table.out()).contains("0 entitlements in force at 2000-01-01T00:00:00Z");
    }
}
