package io.meterlake.bench;

import io.meterlake.batch.ingest.FileIngestJob;
import io.meterlake.batch.reconcile.ReconcileJob;
import io.meterlake.batch.reconcile.ReconcileResult;
import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.output.Output;
import io.meterlake.period.Period;
import io.meterlake.schema.Rows;
import io.meterlake.schema.Tables;
import io.meterlake.spark.SparkSessions;
import io.meterlake.table.Warehouse;
import io.meterlake.workload.WorkloadGenerator;
import io.meterlake.workload.WorkloadSpec;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench recompute}: {@code reconcile} of one period over a raw table of {@code --size} events,
 * against DuckDB doing the same work over the same Parquet files (the raw table's live files at the
 * same version): the dedup over the period and its dedup horizon (first record per (source, event_id)
 * in ingest order, and whether the identity came with more than one content), then the period's
 * lines, its conflicted identities and its events per stream window (the report's authoritative
 * side). The lines must be equal to the last digit, and the counts equal.
 */
@Command(
        name = "recompute",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Nightly recompute: 'reconcile' vs DuckDB over the same raw Parquet files.",
            "",
            "Generates --size events into JSONL files, ingests them with the real file ingest, then times",
            "reconcile of the main month and DuckDB's equivalent SQL over the table's live Parquet files",
            "(the same dedup, lines, conflicted identities and windows); the lines must match exactly."
        })
final class RecomputeBench extends Benchmark {
    private static final int EVENTS_PER_FILE = 1_000_000;

    @Option(
            names = "--size",
            defaultValue = "20000000",
            paramLabel = "<events>",
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
        Map<String, String> settings =
                Map.of("warehouse", work.resolve("warehouse").toString(), "spark.master", "local[*]");
        MeterlakeConfig config = ConfigLoader.load(ConfigLoader.defaultConfDir(), List.of(), settings);
        Clock clock = workloadClock.clock();
        Instant now = clock.instant();
        WorkloadSpec workload = new WorkloadSpec(
                size,
                42,
                20,
                WorkloadGenerator.defaultStart(now),
                WorkloadGenerator.defaultDays(now),
                0.05,
                0.01,
                0.02,
                0.03);
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
        DuckDbRecompute.Result duck = DuckDbRecompute.run(parquet, period, config);
        Duration duckTime = Duration.ofNanos(System.nanoTime() - started);

        List<String> ours =
                reconciled.lines().stream().map(Benchmark::key).sorted().toList();
        long ourWindows = reconciled.causes().values().stream()
                .mapToLong(ReconcileResult.CauseSummary::windows)
                .sum();
        boolean equal =
                ours.equals(duck.lines()) && reconciled.conflicts() == duck.conflicts() && ourWindows == duck.windows();
        List<Map<String, Object>> rows = new ArrayList<>();
        rows.add(row("Meterlake reconcile (Spark, local[*])", rawRows, reconcile, reconcile));
        rows.add(row("DuckDB, same dedup, lines, conflicts, windows", rawRows, duckTime, reconcile));
        Map<String, Object> parameters = parameters(rawRows, parquet.size(), period, ingestTime);
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("ratio_reconcile_to_duckdb", ratio(duckTime, reconcile));
        extra.put("lines", ours.size());
        extra.put("conflicted_identities", reconciled.conflicts());
        extra.put("report_windows", ourWindows);
        extra.put("totals_match", equal);
        PrintWriter out = spec.commandLine().getOut();
        if (!report(parameters, rows, extra, out)) {
            print(
                    out,
                    rows,
                    rawRows,
                    parquet.size(),
                    period,
                    equal
                            ? "identical, " + ours.size() + " lines, " + duck.conflicts() + " conflicted identities, "
                                    + duck.windows() + " report windows"
                            : "DIFFERENT: Meterlake " + ours.size() + " lines, " + reconciled.conflicts()
                                    + " conflicted identities, " + ourWindows + " report windows; DuckDB "
                                    + duck.lines().size() + ", "
                                    + duck.conflicts() + ", " + duck.windows());
        }
        return equal ? 0 : 1;
    }

    /** The Parquet files of {@code table} at {@code version}, as local paths. */
    private static List<String> liveFiles(SparkSession spark, String table, long version) {
        List<String> relative = DeltaLog.forTable(spark, table)
                .getSnapshotAt(version, scala.Option.empty(), scala.Option.empty())
                .allFiles()
                .select("path")
                .as(Encoders.STRING())
                .collectAsList();
        String root = Path.of(table).toAbsolutePath().toString();
        return relative.stream()
                .map(path -> root + "/" + URI.create(path).getPath())
                .toList();
    }

    private Map<String, Object> parameters(long rawRows, int files, Period period, Duration ingestTime) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("events_generated", size);
        parameters.put("raw_rows", rawRows);
        parameters.put("raw_files", files);
        parameters.put("period", period.toString());
        parameters.put("ingest_seconds", seconds(ingestTime));
        return parameters;
    }

    private void print(
            PrintWriter out, List<Map<String, Object>> rows, long rawRows, int files, Period period, String totals) {
        out.println("recompute benchmark: " + rawRows + " raw rows in " + files + " files, period " + period + ", "
                + BenchResults.machine());
        List<List<String>> table = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            table.add(List.of(
                    row.get("engine").toString(),
                    row.get("rows").toString(),
                    String.format("%.1f", (Double) row.get("seconds")),
                    row.get("rows_per_second").toString(),
                    String.format("%.2f", (Double) row.get("reconcile_ratio"))));
        }
        Output.table(out, List.of("engine", "raw rows", "seconds", "rows/s", "reconcile ÷ this"), table);
        out.println("totals: " + totals);
        out.println("results: " + file);
        out.flush();
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
