package io.meterlake.bench;

import io.meterlake.schema.Rows;
import io.meterlake.batch.ingest.FileIngestJob;
import io.meterlake.batch.reconcile.ReconcileJob;
import io.meterlake.batch.reconcile.ReconcileResult;
import io.meterlake.catalog.Metric;
import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.model.BillingLine;
import io.meterlake.model.Entitlement;
import io.meterlake.output.Output;
import io.meterlake.period.Period;
import io.meterlake.schema.Tables;
import io.meterlake.spark.SparkSessions;
import io.meterlake.table.Warehouse;
import io.meterlake.workload.WorkloadGenerator;
import io.meterlake.workload.WorkloadSpec;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/**
 * {@code bench recompute}: {@code reconcile} of one period over a raw table of {@code --size} events,
 * against DuckDB doing the same work over the same Parquet files (the raw table's live files at the
 * same version): the dedup over the period and its dedup horizon (first record per (source, event_id)
 * in ingest order, and whether the identity came with more than one content), then the period's
 * lines, its conflicted identities and its events per stream window (the report's authoritative
 * side). The lines must be equal to the last digit, and the counts equal.
 */
@Command(name = "recompute", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Nightly recompute: 'reconcile' vs DuckDB over the same raw Parquet files.", "",
            "Generates --size events into JSONL files, ingests them with the real file ingest, then times",
            "reconcile of the main month and DuckDB's equivalent SQL over the table's live Parquet files",
            "(the same dedup, lines, conflicted identities and windows); the lines must match exactly."})
final class RecomputeBench extends Benchmark {
    private static final int EVENTS_PER_FILE = 1_000_000;
    /** The columns reconcile reads of raw (RankedRaw's), which DuckDB reads and keeps too. */
    private static final String COLUMNS = "source, event_id, event_time, subscription_id, entitlement_id,"
            + " billing_account_id, plan, metric, unit, quantity, content_sha256, ingested_at, kafka_partition,"
            + " kafka_offset, file_sha256, line_number, payload_sha256";

    @Option(names = "--size", defaultValue = "20000000", paramLabel = "<events>",
            description = "Events in the raw table (default: ${DEFAULT-VALUE}).")
    long size;

    @picocli.CommandLine.Mixin
    WorkloadClock workloadClock;

    @Override
    public Integer call() throws Exception {
        Path work = Files.createTempDirectory("meterlake-bench-recompute");
        try {
            return run(work);
        } finally {
            deleteTree(work);
        }
    }

    private int run(Path work) throws Exception {
        Map<String, String> settings = Map.of("warehouse", work.resolve("warehouse").toString(),
                "spark.master", "local[*]");
        MeterlakeConfig config = ConfigLoader.load(ConfigLoader.defaultConfDir(), List.of(), settings);
        Clock clock = workloadClock.clock();
        Instant now = clock.instant();
        WorkloadSpec workload = new WorkloadSpec(size, 42, 20, WorkloadGenerator.defaultStart(now),
                WorkloadGenerator.defaultDays(now), 0.05, 0.01, 0.02, 0.03);
        Period period = Period.parse(workload.start().toString().substring(0, 7));
        WorkloadGenerator generator = new WorkloadGenerator(workload, config, now);
        progress("generating " + size + " events into " + work);
        List<Path> files = generate(generator, work, "events", EVENTS_PER_FILE);

        SparkSession spark = SparkSessions.getOrCreate(config, "meterlake-bench-recompute");
        Warehouse warehouse = new Warehouse(spark, config.warehouse());
        warehouse.replaceEntitlements(spark.createDataFrame(
                generator.entitlements().stream().map(Rows::entitlement).toList(), Tables.ENTITLEMENT));
        progress("ingesting " + files.size() + " files");
        long ingestStarted = System.nanoTime();
        FileIngestJob ingest = new FileIngestJob(spark, config, clock);
        for (Path file : files) {
            ingest.ingest(file.toString());
        }
        Duration ingestTime = Duration.ofNanos(System.nanoTime() - ingestStarted);
        long rawRows = warehouse.read(Tables.RAW_USAGE_EVENTS).count();

        progress("reconcile --period " + period);
        long started = System.nanoTime();
        ReconcileResult reconciled = new ReconcileJob(spark, config).run(period, OptionalLong.empty());
        Duration reconcile = Duration.ofNanos(System.nanoTime() - started);

        progress("DuckDB over the same Parquet files");
        List<String> parquet = liveFiles(spark, warehouse.path(Tables.RAW_USAGE_EVENTS), reconciled.rawTableVersion());
        started = System.nanoTime();
        DuckResult duck = duckDb(parquet, period, config);
        Duration duckTime = Duration.ofNanos(System.nanoTime() - started);

        List<String> ours = reconciled.lines().stream().map(Benchmark::key).sorted().toList();
        long ourWindows = reconciled.causes().values().stream().mapToLong(ReconcileResult.CauseSummary::windows).sum();
        boolean equal = ours.equals(duck.lines()) && reconciled.conflicts() == duck.conflicts() && ourWindows == duck.windows();
        List<Map<String, Object>> rows = new ArrayList<>();
        rows.add(row("Meterlake reconcile (Spark, local[*])", rawRows, reconcile, reconcile));
        rows.add(row("DuckDB, same dedup, lines, conflicts, windows", rawRows, duckTime, reconcile));
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("events_generated", size);
        parameters.put("raw_rows", rawRows);
        parameters.put("raw_files", parquet.size());
        parameters.put("period", period.toString());
        parameters.put("ingest_seconds", seconds(ingestTime));
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("ratio_reconcile_to_duckdb", ratio(duckTime, reconcile));
        extra.put("lines", ours.size());
        extra.put("conflicted_identities", reconciled.conflicts());
        extra.put("report_windows", ourWindows);
        extra.put("totals_match", equal);
        PrintWriter out = spec.commandLine().getOut();
        if (!report(parameters, rows, extra, out)) {
            out.println("recompute benchmark: " + rawRows + " raw rows in " + parquet.size() + " files, period " + period
                    + ", " + BenchResults.machine());
            List<List<String>> table = new ArrayList<>();
            for (Map<String, Object> row : rows) {
                table.add(List.of(row.get("engine").toString(), row.get("rows").toString(),
                        String.format("%.1f", (Double) row.get("seconds")), row.get("rows_per_second").toString(),
                        String.format("%.2f", (Double) row.get("reconcile_ratio"))));
            }
            Output.table(out, List.of("engine", "raw rows", "seconds", "rows/s", "reconcile ÷ this"), table);
            out.println("totals: " + (equal ? "identical, " + ours.size() + " lines, " + duck.conflicts()
                    + " conflicted identities, " + duck.windows() + " report windows"
                    : "DIFFERENT: Meterlake " + ours.size() + " lines, " + reconciled.conflicts() + " conflicted identities, "
                    + ourWindows + " report windows; DuckDB " + duck.lines().size() + ", " + duck.conflicts() + ", "
                    + duck.windows()));
            out.println("results: " + file);
            out.flush();
        }
        return equal ? 0 : 1;
    }

    /** The Parquet files of {@code table} at {@code version}, as local paths. */
    private static List<String> liveFiles(SparkSession spark, String table, long version) {
        List<String> relative = DeltaLog.forTable(spark, table).getSnapshotAt(version, scala.Option.empty(), scala.Option.empty())
                .allFiles().select("path").as(Encoders.STRING()).collectAsList();
        String root = Path.of(table).toAbsolutePath().toString();
        return relative.stream().map(path -> root + "/" + URI.create(path).getPath()).toList();
    }

    /** What DuckDB computed of a period: reconcile's outputs (the report's provisional side is empty here). */
    private record DuckResult(List<String> lines, long conflicts, long windows) {
    }

    /**
     * DuckDB's computation of {@code period}, the same work as reconcile's: the dedup over the same
     * span (first record per identity in ingest order, and whether the identity came with more than
     * one content), then the period's lines, its conflicted identities, and its events aggregated in
     * the stream's windows (the authoritative side of the reconciliation report).
     */
    private static DuckResult duckDb(List<String> files, Period period, MeterlakeConfig config) throws SQLException {
        String fileList = files.stream().map(file -> "'" + file.replace("'", "''") + "'").collect(Collectors.joining(", "));
        String quantity = quantityCase(config);
        // The attributes only when a metric counts one of them (a map column costs to read); tenant and app
        // only for a time-weighted metric's series.
        List<Metric> levels = config.catalog().metrics().stream()
                .filter(metric -> metric.aggregation() == io.meterlake.catalog.Aggregation.TIME_WEIGHTED).toList();
        String columns = COLUMNS + (config.catalog().metrics().stream().anyMatch(metric -> metric.property() != null
                || (metric.parameters().seriesBy() != null && !metric.parameters().seriesBy().isEmpty()))
                ? ", attributes" : "") + (levels.isEmpty() ? "" : ", tenant_id, app_id");
        // The same bounded work as RankedRaw.forPeriod: the span of the period and its dedup horizon.
        Instant from = period.start().minus(config.dedupHorizon());
        Instant to = period.end().plus(config.dedupHorizon());
        java.time.LocalDate[] dates = io.meterlake.batch.recompute.RankedRaw.partitionsRead(period, config.dedupHorizon());
        String inPeriod = "event_time >= TIMESTAMP '" + timestamp(period.start()) + "' AND event_time < TIMESTAMP '"
                + timestamp(period.end()) + "'";
        // A time-weighted metric's samples within max_hold before the period: read for its lines, not events.
        StringBuilder carried = new StringBuilder("false");
        for (Metric metric : levels) {
            carried.append(" OR (metric = '").append(metric.name()).append("' AND event_time >= TIMESTAMP '")
                    .append(timestamp(period.start().minus(metric.parameters().maxHold())))
                    .append("' AND event_time < TIMESTAMP '").append(timestamp(period.start())).append("')");
        }
        String records = "CREATE TEMP TABLE period_records AS"
                + " WITH span AS (SELECT " + columns + " FROM read_parquet([" + fileList + "], hive_partitioning = true)"
                + " WHERE event_date BETWEEN DATE '" + dates[0] + "' AND DATE '" + dates[1] + "'"
                + " AND event_time >= TIMESTAMP '" + timestamp(from) + "' AND event_time < TIMESTAMP '" + timestamp(to) + "'),"
                + " ranked AS (SELECT *, row_number() OVER (PARTITION BY source, event_id ORDER BY ingested_at,"
                + " kafka_partition NULLS LAST, kafka_offset NULLS LAST, file_sha256 NULLS LAST, line_number NULLS LAST,"
                + " payload_sha256) AS rank_in_identity, min(content_sha256) OVER identity <> max(content_sha256)"
                + " OVER identity AS conflicted FROM span WINDOW identity AS (PARTITION BY source, event_id))"
                + " SELECT " + columns + ", rank_in_identity, conflicted, NOT (" + inPeriod + ") AS carried FROM ranked"
                + " WHERE (" + inPeriod + " AND (rank_in_identity = 1 OR conflicted)) OR ((" + carried
                + ") AND rank_in_identity = 1)";
        String line = "subscription_id, billing_account_id, plan, metric, unit";
        StringBuilder lines = new StringBuilder("SELECT " + line + ", CAST(" + quantity
                + " AS DECIMAL(38, 9)), count(*) FROM period_records WHERE rank_in_identity = 1 AND NOT carried");
        for (Metric metric : config.catalog().metrics()) {
            if (metric.aggregation() == io.meterlake.catalog.Aggregation.PERCENTILE
                    || metric.aggregation() == io.meterlake.catalog.Aggregation.TIME_WEIGHTED) {
                lines.append(" AND metric <> '").append(metric.name()).append("'");
            }
        }
        lines.append(" GROUP BY ").append(line);
        appendPercentileLines(lines, line, period, config);
        appendLevelLines(lines, line, period, levels);
        String conflicts = "SELECT count(*) FROM (SELECT DISTINCT source, event_id FROM period_records WHERE conflicted"
                + " AND NOT carried)";
        long window = config.stream().window().toSeconds() * 1_000_000L;
        String windows = "SELECT count(*) FROM (SELECT make_timestamp(epoch_us(event_time) // " + window + " * " + window
                + ") AS window_start, subscription_id, entitlement_id, billing_account_id, metric, unit, CAST(" + quantity
                + " AS DECIMAL(38, 9)), count(*) FROM period_records WHERE rank_in_identity = 1 AND NOT carried"
                + " GROUP BY window_start, subscription_id, entitlement_id, billing_account_id, metric, unit)";
        List<String> result = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection("jdbc:duckdb:");
                Statement statement = connection.createStatement()) {
            statement.execute("SET threads = " + Runtime.getRuntime().availableProcessors());
            statement.execute("SET TimeZone = 'UTC'");
            statement.execute(records);
            try (ResultSet rows = statement.executeQuery(lines.toString())) {
                while (rows.next()) {
                    result.add(key(new BillingLine(rows.getString(1), rows.getString(2), rows.getString(3),
                            rows.getString(4), rows.getString(5), rows.getBigDecimal(6), rows.getLong(7))));
                }
            }
            return new DuckResult(result.stream().sorted().toList(), single(statement, conflicts), single(statement, windows));
        }
    }

    /** A line's quantity in DuckDB SQL: per metric, its aggregation over the rows of a group. */
    private static String quantityCase(MeterlakeConfig config) {
        StringBuilder quantity = new StringBuilder("CASE metric");
        for (Metric metric : config.catalog().metrics()) {
            String aggregate = switch (metric.aggregation()) {
                case SUM -> "sum(quantity)";
                case MAX -> "max(quantity)";
                case LATEST -> "arg_max(quantity, (event_time, ingested_at, coalesce(kafka_partition, 2147483647),"
                        + " coalesce(kafka_offset, 9223372036854775807), coalesce(file_sha256, 'g'),"
                        + " coalesce(line_number, 9223372036854775807), payload_sha256))";
                case COUNT -> "count(*)";
                case UNIQUE_COUNT -> "count(DISTINCT map_extract_value(attributes, '" + metric.property().replace("'", "''")
                        + "'))";
                // A window's total; the period's percentile is its own query below.
                case PERCENTILE -> "sum(quantity)";
                // A window's provisional form: each level held until max_hold or the window's end (the
                // period's lines are their own query below).
                case TIME_WEIGHTED -> halfEven("sum(CAST(quantity * 1000000000 AS HUGEINT) * least("
                        + micros(metric.parameters().maxHold()) + ", " + config.stream().window().toSeconds() * 1_000_000L
                        + " - epoch_us(event_time) % " + config.stream().window().toSeconds() * 1_000_000L + "))",
                        micros(metric.parameters().timeUnit()));
            };
            quantity.append(" WHEN '").append(metric.name()).append("' THEN ").append(aggregate);
        }
        quantity.append(" END");
        return quantity.toString();
    }

    /**
     * A PERCENTILE metric's lines: the bucket sums per line; of N buckets the k highest dropped: the (k + 1)-th
     * highest, or an empty bucket's 0 when no more than k are busy (quantities are never negative).
     */
    private static void appendPercentileLines(StringBuilder lines, String line, Period period, MeterlakeConfig config) {
        for (Metric metric : config.catalog().metrics()) {
            if (metric.aggregation() != io.meterlake.catalog.Aggregation.PERCENTILE) {
                continue;
            }
            // The bucket sums per line; of N buckets the k highest dropped: the (k + 1)-th highest, or an
            // empty bucket's 0 when no more than k are busy (quantities are never negative).
            long bucket = metric.parameters().bucket().getSeconds();
            long buckets = Duration.between(period.start(), period.end()).getSeconds() / bucket;
            long dropped = buckets * (100 - metric.parameters().percentile()) / 100;
            lines.append(" UNION ALL SELECT ").append(line).append(", CAST(CASE WHEN len(sums) > ").append(dropped)
                    .append(" THEN list_sort(sums, 'DESC')[").append(dropped + 1).append("] ELSE 0 END AS DECIMAL(38, 9)),")
                    .append(" events FROM (SELECT ").append(line).append(", list(bucket_sum) AS sums, CAST(sum(events) AS BIGINT) AS events")
                    .append(" FROM (SELECT ").append(line).append(", epoch_us(event_time) // ").append(bucket * 1_000_000L)
                    .append(" AS bucket, sum(quantity) AS bucket_sum, count(*) AS events FROM period_records")
                    .append(" WHERE rank_in_identity = 1 AND metric = '").append(metric.name()).append("' GROUP BY ")
                    .append(line).append(", bucket) GROUP BY ").append(line).append(")");
        }
    }

    /**
     * A TIME_WEIGHTED metric's lines: each series in (event time, ingest order); a level holds until the next
     * sample or max_hold, its part inside the period on its own line; the line counts its samples in the period
     * and the carried ones that reach into it.
     */
    private static void appendLevelLines(StringBuilder lines, String line, Period period, List<Metric> levels) {
        for (Metric metric : levels) {
            // Each series in (event time, ingest order); a level holds until the next sample or max_hold,
            // its part inside the period on its own line; the line counts its samples in the period and the
            // carried ones that reach into it.
            long hold = micros(metric.parameters().maxHold());
            StringBuilder series = new StringBuilder("tenant_id, app_id");
            for (String attribute : metric.parameters().seriesBy()) {
                series.append(", map_extract_value(attributes, '").append(attribute.replace("'", "''")).append("')");
            }
            lines.append(" UNION ALL SELECT subscription_id, billing_account_id, plan, metric, '").append(metric.lineUnit())
                    .append("', ").append(halfEven("sum(CAST(quantity * 1000000000 AS HUGEINT) * held)",
                            micros(metric.parameters().timeUnit())))
                    .append(", count(*) FROM (SELECT ").append(line).append(", quantity, carried, greatest(0, least(coalesce(")
                    .append("lead(us) OVER series, us + ").append(hold).append("), us + ").append(hold).append(", ")
                    .append(micros(period.end())).append(") - greatest(us, ").append(micros(period.start()))
                    .append(")) AS held FROM (SELECT *, epoch_us(event_time) AS us FROM period_records")
                    .append(" WHERE rank_in_identity = 1 AND metric = '").append(metric.name()).append("')")
                    .append(" WINDOW series AS (PARTITION BY ").append(series).append(" ORDER BY event_time, ingested_at,")
                    .append(" kafka_partition NULLS LAST, kafka_offset NULLS LAST, file_sha256 NULLS LAST,")
                    .append(" line_number NULLS LAST, payload_sha256)) WHERE NOT carried OR held > 0 GROUP BY ")
                    .append(line);
        }
    }

    /**
     * {@code integral} (a HUGEINT of 10^-9 level × microseconds) per {@code unitMicros}, rounded half to even
     * to 9 digits, exactly: integer division and its remainder, never a DOUBLE.
     */
    private static String halfEven(String integral, long unitMicros) {
        String q = "(" + integral + " // " + unitMicros + ")";
        String r = "(" + integral + " % " + unitMicros + ")";
        return "CAST(" + q + " + CASE WHEN 2 * " + r + " > " + unitMicros + " OR (2 * " + r + " = " + unitMicros
                + " AND " + q + " % 2 = 1) THEN 1 ELSE 0 END AS DECIMAL(38, 0)) * CAST(0.000000001 AS DECIMAL(10, 9))";
    }

    private static long micros(Duration duration) {
        return io.meterlake.pipeline.aggregation.TimeWeightedAggregation.micros(duration);
    }

    private static long micros(Instant instant) {
        return io.meterlake.pipeline.aggregation.TimeWeightedAggregation.micros(instant);
    }

    private static long single(Statement statement, String sql) throws SQLException {
        try (ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static String timestamp(Instant instant) {
        return instant.toString().replace("T", " ").replace("Z", "");
    }

    private static Map<String, Object> row(String engine, long rows, Duration elapsed, Duration reconcile) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("engine", engine);
        row.put("rows", rows);
        row.put("seconds", seconds(elapsed));
        row.put("rows_per_second", Math.round(rows / seconds(elapsed)));
        row.put("reconcile_ratio", ratio(elapsed, reconcile));
        return row;
    }

}
