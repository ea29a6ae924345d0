package io.meterlake.bench;

import io.meterlake.batch.ingest.FileIngestJob;
import io.meterlake.batch.publish.PublishJob;
import io.meterlake.batch.publish.PublishMode;
import io.meterlake.batch.publish.Verification;
import io.meterlake.batch.publish.VerifyJob;
import io.meterlake.batch.recompute.RankedRaw;
import io.meterlake.batch.recompute.Recompute;
import io.meterlake.batch.reconcile.ReconcileJob;
import io.meterlake.batch.reconcile.ReconcileResult;
import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.output.Output;
import io.meterlake.period.Durations;
import io.meterlake.period.Period;
import io.meterlake.schema.Rows;
import io.meterlake.schema.Tables;
import io.meterlake.signing.Signing;
import io.meterlake.spark.SparkSessions;
import io.meterlake.table.Warehouse;
import io.meterlake.workload.WorkloadGenerator;
import io.meterlake.workload.WorkloadSpec;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeSet;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench scale}: the nightly job's cost as history piles up. The same volume every month; the
 * last month is reconciled, published and verified with 0, 3 and 6 earlier months of raw beside it,
 * in one warm JVM. Per history: the records and bytes Spark read (its task input metrics, exact) and
 * the seconds, with their ratios to the smallest history, and the targets at 6 months against 3.
 * Each command starts with Delta's log cache cleared (its log reads count, as in a fresh JVM) and the
 * JIT warm.
 */
@Command(
        name = "scale",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Growth: reconcile, publish and verify of one month with more and more history beside it.",
            "",
            "Generates --events-per-month events for the last ready month and for each earlier month up to the",
            "largest --history, ingests the last month first and the older ones as the history grows (with a",
            "validation.max-event-age long enough to accept them; the recompute uses the default settings),",
            "and measures each command per history size. Targets at 6 months against 3: records and bytes read",
            "at most 1.1x, seconds at most 1.25x. At the largest history the bounded lines are checked against a",
            "ranking of the whole table."
        })
final class ScaleBench extends Benchmark {
    private static final int EVENTS_PER_FILE = 1_000_000;
    static final double READ_TARGET = 1.1;
    static final double SECONDS_TARGET = 1.25;

    @Option(
            names = "--events-per-month",
            defaultValue = "1000000",
            paramLabel = "<events>",
            description = "Events generated for every month (default: ${DEFAULT-VALUE}).")
    long perMonth;

    @Option(
            names = "--history",
            defaultValue = "0,3,6",
            split = ",",
            paramLabel = "<months>",
            description = "Earlier months of raw beside the measured one, ascending (default: ${DEFAULT-VALUE}).")
    List<Integer> history;

    @picocli.CommandLine.Mixin
    WorkloadClock workloadClock;

    @Override
    public Integer call() throws Exception {
        List<Integer> sizes = new ArrayList<>(new TreeSet<>(history));
        if (sizes.isEmpty() || sizes.get(0) < 0 || !sizes.equals(history)) {
            throw BenchErrors.badOptions(
                    "--history must be ascending distinct month counts of 0 or more, got " + history,
                    "pass e.g. --history 0,3,6");
        }
        Path work = Files.createTempDirectory("meterlake-bench-scale");
        try {
            return run(work, sizes);
        } finally {
            deleteTree(work);
        }
    }

    private int run(Path work, List<Integer> sizes) throws Exception {
        Clock clock = workloadClock.clock();
        Instant now = clock.instant();
        YearMonth last = WorkloadGenerator.defaultMonth(now);
        int oldest = sizes.get(sizes.size() - 1);
        YearMonth first = last.minusMonths(oldest);
        String warehouseDir = work.resolve("warehouse").toString();
        // The recompute runs with the defaults (horizon: max-event-age + max-clock-skew); only ingest
        // accepts events as old as the oldest month.
        MeterlakeConfig config = ConfigLoader.load(
                ConfigLoader.defaultConfDir(),
                List.of(),
                Map.of("warehouse", warehouseDir, "spark.master", "local[*]"));
        MeterlakeConfig ingestConfig = ingestConfig(warehouseDir, first, now);
        WorkloadGenerator span = span(first, last, ingestConfig, now);
        Map<YearMonth, List<Path>> files = generate(work, first, last, ingestConfig, now);

        SparkSession spark = SparkSessions.getOrCreate(config, "meterlake-bench-scale");
        Warehouse warehouse = new Warehouse(spark, config.warehouse());
        warehouse.replaceEntitlements(spark.createDataFrame(
                span.entitlements().stream().map(Rows::entitlement).toList(), Tables.ENTITLEMENT));
        InputMetrics metrics = new InputMetrics(spark);
        FileIngestJob ingest = new FileIngestJob(spark, ingestConfig, clock);
        KeyPair key = Signing.generateKeyPair();
        Period period = Period.parse(last.toString());

        List<Map<String, Object>> rows = new ArrayList<>();
        Map<Integer, Map<String, InputMetrics.Measure>> measured = new LinkedHashMap<>();
        int ingestedBack = -1;
        boolean warm = false;
        for (int size : sizes) {
            for (int back = ingestedBack + 1; back <= size; back++) {
                YearMonth month = last.minusMonths(back);
                progress("ingesting " + month + " (" + files.get(month).size() + " files)");
                for (Path file : files.get(month)) {
                    ingest.ingest(file.toString());
                }
            }
            ingestedBack = size;
            long rawRows = warehouse.read(Tables.RAW_USAGE_EVENTS).count();
            if (!warm) {
                progress("warming up the JVM: one reconcile, unmeasured");
                new ReconcileJob(spark, config).run(period, OptionalLong.empty());
                warm = true;
            }
            progress(size + " months of history (" + rawRows + " raw rows): reconcile, publish, verify " + period);
            Map<String, InputMetrics.Measure> commands = commands(spark, config, clock, key, period, metrics);
            measured.put(size, commands);
            for (Map.Entry<String, InputMetrics.Measure> command : commands.entrySet()) {
                rows.add(ScaleTargets.row(
                        size,
                        rawRows,
                        command.getKey(),
                        command.getValue(),
                        measured.get(sizes.get(0)).get(command.getKey())));
            }
        }

        // The bounded lines at the largest history are those of a ranking of the whole table.
        progress("checking the last reconcile against a ranking of the whole table");
        ReconcileResult reconciled =
                (ReconcileResult) measured.get(oldest).get("reconcile").result();
        List<String> bounded =
                reconciled.lines().stream().map(Benchmark::key).sorted().toList();
        boolean equal = wholeTableLines(config, warehouse, reconciled, period).equals(bounded);

        finish(sizes, measured, rows, period, config, oldest, equal, bounded.size());
        return equal ? 0 : 1;
    }

    /** reconcile, publish and verify of {@code period}, each measured; verify must hold. */
    private static Map<String, InputMetrics.Measure> commands(
            SparkSession spark, MeterlakeConfig config, Clock clock, KeyPair key, Period period, InputMetrics metrics)
            throws Exception {
        Map<String, InputMetrics.Measure> commands = new LinkedHashMap<>();
        commands.put(
                "reconcile", metrics.measure(() -> new ReconcileJob(spark, config).run(period, OptionalLong.empty())));
        commands.put(
                "publish",
                metrics.measure(() -> new PublishJob(spark, config, clock)
                        .publish(
                                period,
                                key.getPrivate(),
                                config.publishGrace(),
                                PublishMode.FORCE,
                                OptionalLong.empty())));
        InputMetrics.Measure verify = metrics.measure(
                () -> new VerifyJob(spark, config).verify(period, OptionalInt.empty(), key.getPublic()));
        if (!((Verification) verify.result()).holds()) {
            throw new IllegalStateException("verify failed: " + ((Verification) verify.result()).mismatches());
        }
        commands.put("verify", verify);
        return commands;
    }

    /** The lines of {@code period} from a ranking of the whole raw table at the reconcile's version, as keys. */
    private static List<String> wholeTableLines(
            MeterlakeConfig config, Warehouse warehouse, ReconcileResult reconciled, Period period) {
        return Recompute.collect(new Recompute(config.catalog())
                        .lines(
                                RankedRaw.of(warehouse.readAsOf(Tables.RAW_USAGE_EVENTS, reconciled.rawTableVersion())),
                                period))
                .stream()
                .map(Benchmark::key)
                .sorted()
                .toList();
    }

    /** Each month's events, generated (seed: the month), in JSONL files. */
    private Map<YearMonth, List<Path>> generate(
            Path work, YearMonth first, YearMonth last, MeterlakeConfig ingestConfig, Instant now)
            throws java.io.IOException {
        Map<YearMonth, List<Path>> files = new LinkedHashMap<>();
        for (YearMonth month = first; !month.isAfter(last); month = month.plusMonths(1)) {
            progress("generating " + perMonth + " events of " + month);
            WorkloadGenerator generator = new WorkloadGenerator(
                    new WorkloadSpec(
                            perMonth,
                            1000 + month.getYear() * 12L + month.getMonthValue(),
                            20,
                            start(month),
                            month.lengthOfMonth(),
                            0.05,
                            0.01,
                            0.02,
                            0.03),
                    ingestConfig,
                    now);
            files.put(month, generate(generator, work, "events-" + month, EVENTS_PER_FILE));
        }
        return files;
    }

    private void printTable(
            PrintWriter out,
            List<Map<String, Object>> rows,
            Map<String, Object> extra,
            Map<String, Object> targets,
            String compared,
            Period period,
            MeterlakeConfig config,
            int oldest,
            boolean equal,
            int lines) {
        out.println("scale benchmark: " + perMonth + " events a month, period " + period + ", dedup horizon "
                + Durations.render(config.dedupHorizon()) + ", " + BenchResults.machine());
        List<List<String>> table = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            table.add(List.of(
                    row.get("history_months").toString(),
                    row.get("raw_rows").toString(),
                    row.get("command").toString(),
                    row.get("records_read").toString(),
                    row.get("bytes_read").toString(),
                    String.format("%.1f", (Double) row.get("seconds")),
                    String.format("%.2f", (Double) row.get("records_ratio")),
                    String.format("%.2f", (Double) row.get("bytes_ratio")),
                    String.format("%.2f", (Double) row.get("seconds_ratio"))));
        }
        Output.table(
                out,
                List.of(
                        "history (months)",
                        "raw rows",
                        "command",
                        "records read",
                        "bytes read",
                        "seconds",
                        "records ÷ first",
                        "bytes ÷ first",
                        "seconds ÷ first"),
                table);
        String comparedText = compared;
        targets.forEach((command, figures) -> out.println(command + " at " + comparedText + ": " + figures));
        if (extra.containsKey("targets_met")) {
            out.println("targets (records, bytes ≤ " + READ_TARGET + "x, seconds ≤ " + SECONDS_TARGET + "x): "
                    + ((Boolean) extra.get("targets_met") ? "met" : "NOT met"));
        }
        out.println("bounded lines at " + oldest + " months " + (equal ? "equal" : "DIFFER FROM")
                + " a ranking of the whole table (" + lines + " lines)");
        out.println("results: " + file);
        out.flush();
    }

    /** The ingest's configuration: events as old as the oldest month accepted (the recompute keeps the defaults). */
    private static MeterlakeConfig ingestConfig(String warehouseDir, YearMonth first, Instant now) {
        Duration age = Duration.between(
                        first.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant(), now)
                .plusDays(40);
        return ConfigLoader.load(
                ConfigLoader.defaultConfDir(),
                List.of(),
                Map.of(
                        "warehouse",
                        warehouseDir,
                        "spark.master",
                        "local[*]",
                        "validation.max-event-age",
                        Durations.render(Duration.ofDays(age.toDays()))));
    }

    /** One set of entitlements for the whole span; each month its own events (seed = month index). */
    private static WorkloadGenerator span(YearMonth first, YearMonth last, MeterlakeConfig config, Instant now) {
        return new WorkloadGenerator(
                new WorkloadSpec(
                        1,
                        1,
                        20,
                        start(first),
                        (int) Duration.between(start(first), start(last.plusMonths(1)))
                                .toDays(),
                        0,
                        0,
                        0,
                        0),
                config,
                now);
    }

    /** Reports the results: JSON, or the table with the targets. */
    private void finish(
            List<Integer> sizes,
            Map<Integer, Map<String, InputMetrics.Measure>> measured,
            List<Map<String, Object>> rows,
            Period period,
            MeterlakeConfig config,
            int oldest,
            boolean equal,
            int lines) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("events_per_month", perMonth);
        parameters.put("history_months", sizes);
        parameters.put("period", period.toString());
        parameters.put("dedup_horizon", Durations.render(config.dedupHorizon()));
        Map<String, Object> extra = new LinkedHashMap<>();
        Map<String, Object> targets = new LinkedHashMap<>();
        String compared = ScaleTargets.targets(sizes, measured, extra, targets);
        extra.put("lines", lines);
        extra.put("bounded_equals_whole_table", equal);
        PrintWriter out = spec.commandLine().getOut();
        if (!report(parameters, rows, extra, out)) {
            printTable(out, rows, extra, targets, compared, period, config, oldest, equal, lines);
        }
    }

    private static Instant start(YearMonth month) {
        return month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    }
}
