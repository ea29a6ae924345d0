package io.meterlake.bench;

import io.meterlake.schema.Rows;
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
import io.meterlake.period.Durations;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.model.BillingLine;
import io.meterlake.model.Entitlement;
import io.meterlake.output.Output;
import io.meterlake.period.Period;
import io.meterlake.schema.Tables;
import io.meterlake.signing.Signing;
import io.meterlake.spark.SparkSessions;
import io.meterlake.table.Warehouse;
import io.meterlake.workload.WorkloadGenerator;
import io.meterlake.workload.WorkloadSpec;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * {@code bench scale}: the nightly job's cost as history piles up. The same volume every month; the
 * last month is reconciled, published and verified with 0, 3 and 6 earlier months of raw beside it,
 * in one warm JVM. Per history: the records and bytes Spark read (its task input metrics, exact) and
 * the seconds, with their ratios to the smallest history, and the targets at 6 months against 3.
 * Each command starts with Delta's log cache cleared (its log reads count, as in a fresh JVM) and the
 * JIT warm.
 */
@Command(name = "scale", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Growth: reconcile, publish and verify of one month with more and more history beside it.", "",
            "Generates --events-per-month events for the last ready month and for each earlier month up to the",
            "largest --history, ingests the last month first and the older ones as the history grows (with a",
            "validation.max-event-age long enough to accept them; the recompute uses the default settings),",
            "and measures each command per history size. Targets at 6 months against 3: records and bytes read",
            "at most 1.1x, seconds at most 1.25x. At the largest history the bounded lines are checked against a",
            "ranking of the whole table."})
final class ScaleBench extends Benchmark {
    private static final int EVENTS_PER_FILE = 1_000_000;
    private static final double READ_TARGET = 1.1;
    private static final double SECONDS_TARGET = 1.25;

    @Option(names = "--events-per-month", defaultValue = "1000000", paramLabel = "<events>",
            description = "Events generated for every month (default: ${DEFAULT-VALUE}).")
    long perMonth;

    @Option(names = "--history", defaultValue = "0,3,6", split = ",", paramLabel = "<months>",
            description = "Earlier months of raw beside the measured one, ascending (default: ${DEFAULT-VALUE}).")
    List<Integer> history;

    @picocli.CommandLine.Mixin
    WorkloadClock workloadClock;

    @Override
    public Integer call() throws Exception {
        List<Integer> sizes = new ArrayList<>(new TreeSet<>(history));
        if (sizes.isEmpty() || sizes.get(0) < 0 || !sizes.equals(history)) {
            throw io.meterlake.error.MeterlakeException.badInput("--history must be ascending distinct month counts"
                    + " of 0 or more, got " + history, "pass e.g. --history 0,3,6");
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
        MeterlakeConfig config = ConfigLoader.load(ConfigLoader.defaultConfDir(), List.of(),
                Map.of("warehouse", warehouseDir, "spark.master", "local[*]"));
        Duration age = Duration.between(first.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant(), now).plusDays(40);
        MeterlakeConfig ingestConfig = ConfigLoader.load(ConfigLoader.defaultConfDir(), List.of(),
                Map.of("warehouse", warehouseDir, "spark.master", "local[*]",
                        "validation.max-event-age", Durations.render(Duration.ofDays(age.toDays()))));

        // One set of entitlements for the whole span; each month its own events (seed = month index).
        WorkloadGenerator span = new WorkloadGenerator(new WorkloadSpec(1, 1, 20, start(first),
                (int) Duration.between(start(first), start(last.plusMonths(1))).toDays(), 0, 0, 0, 0), ingestConfig, now);
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
        Map<Integer, Map<String, Measure>> measured = new LinkedHashMap<>();
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
            Map<String, Measure> commands = commands(spark, config, clock, key, period, metrics);
            measured.put(size, commands);
            for (Map.Entry<String, Measure> command : commands.entrySet()) {
                rows.add(row(size, rawRows, command.getKey(), command.getValue(),
                        measured.get(sizes.get(0)).get(command.getKey())));
            }
        }

        // The bounded lines at the largest history are those of a ranking of the whole table.
        progress("checking the last reconcile against a ranking of the whole table");
        ReconcileResult reconciled = (ReconcileResult) measured.get(oldest).get("reconcile").result();
        List<String> bounded = reconciled.lines().stream().map(Benchmark::key).sorted().toList();
        boolean equal = wholeTableLines(config, warehouse, reconciled, period).equals(bounded);

        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("events_per_month", perMonth);
        parameters.put("history_months", sizes);
        parameters.put("period", period.toString());
        parameters.put("dedup_horizon", Durations.render(config.dedupHorizon()));
        Map<String, Object> extra = new LinkedHashMap<>();
        Map<String, Object> targets = new LinkedHashMap<>();
        String compared = targets(sizes, measured, extra, targets);
        extra.put("lines", bounded.size());
        extra.put("bounded_equals_whole_table", equal);
        PrintWriter out = spec.commandLine().getOut();
        if (!report(parameters, rows, extra, out)) {
            printTable(out, rows, extra, targets, compared, period, config, oldest, equal, bounded.size());
        }
        return equal ? 0 : 1;
    }

    /** reconcile, publish and verify of {@code period}, each measured; verify must hold. */
    private static Map<String, Measure> commands(SparkSession spark, MeterlakeConfig config, Clock clock, KeyPair key,
            Period period, InputMetrics metrics) throws Exception {
        Map<String, Measure> commands = new LinkedHashMap<>();
        commands.put("reconcile", metrics.measure(() -> new ReconcileJob(spark, config).run(period, OptionalLong.empty())));
        commands.put("publish", metrics.measure(() -> new PublishJob(spark, config, clock)
                .publish(period, key.getPrivate(), config.publishGrace(), PublishMode.FORCE, OptionalLong.empty())));
        Measure verify = metrics.measure(() -> new VerifyJob(spark, config).verify(period, OptionalInt.empty(),
                key.getPublic()));
        if (!((Verification) verify.result()).holds()) {
            throw new IllegalStateException("verify failed: " + ((Verification) verify.result()).mismatches());
        }
        commands.put("verify", verify);
        return commands;
    }

    /** A row of the results: one command at one history, with its ratios to the first history's. */
    private static Map<String, Object> row(int size, long rawRows, String command, Measure measure, Measure base) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("history_months", size);
        row.put("raw_rows", rawRows);
        row.put("command", command);
        row.put("records_read", measure.records());
        row.put("bytes_read", measure.bytes());
        row.put("seconds", seconds(measure.elapsed()));
        row.put("records_ratio", share(measure.records(), base.records()));
        row.put("bytes_ratio", share(measure.bytes(), base.bytes()));
        row.put("seconds_ratio", share(measure.elapsed().toNanos(), base.elapsed().toNanos()));
        return row;
    }

    /** The lines of {@code period} from a ranking of the whole raw table at the reconcile's version, as keys. */
    private static List<String> wholeTableLines(MeterlakeConfig config, Warehouse warehouse, ReconcileResult reconciled,
            Period period) {
        return Recompute.collect(new Recompute(config.catalog()).lines(RankedRaw.of(
                warehouse.readAsOf(Tables.RAW_USAGE_EVENTS, reconciled.rawTableVersion())), period))
                .stream().map(Benchmark::key).sorted().toList();
    }

    /** Each month's events, generated (seed: the month), in JSONL files. */
    private Map<YearMonth, List<Path>> generate(Path work, YearMonth first, YearMonth last, MeterlakeConfig ingestConfig,
            Instant now) throws java.io.IOException {
        Map<YearMonth, List<Path>> files = new LinkedHashMap<>();
        for (YearMonth month = first; !month.isAfter(last); month = month.plusMonths(1)) {
            progress("generating " + perMonth + " events of " + month);
            WorkloadGenerator generator = new WorkloadGenerator(new WorkloadSpec(perMonth, 1000 + month.getYear() * 12L
                    + month.getMonthValue(), 20, start(month), month.lengthOfMonth(), 0.05, 0.01, 0.02, 0.03),
                    ingestConfig, now);
            files.put(month, generate(generator, work, "events-" + month, EVENTS_PER_FILE));
        }
        return files;
    }

    /**
     * The targets: the largest history against the one before it (6 months with 3 by default), into
     * {@code targets} and {@code extra}; what was compared, as text.
     */
    private static String targets(List<Integer> sizes, Map<Integer, Map<String, Measure>> measured,
            Map<String, Object> extra, Map<String, Object> targets) {
        int oldest = sizes.get(sizes.size() - 1);
        boolean met = true;
        String compared = "";
        if (sizes.size() >= 2) {
            int previous = sizes.get(sizes.size() - 2);
            compared = oldest + " months ÷ " + previous;
            for (String command : measured.get(oldest).keySet()) {
                Measure before = measured.get(previous).get(command);
                Measure now2 = measured.get(oldest).get(command);
                double records = share(now2.records(), before.records());
                double bytes = share(now2.bytes(), before.bytes());
                double secs = share(now2.elapsed().toNanos(), before.elapsed().toNanos());
                boolean commandMet = records <= READ_TARGET && bytes <= READ_TARGET && secs <= SECONDS_TARGET;
                met &= commandMet;
                Map<String, Object> figures = new LinkedHashMap<>();
                figures.put("records_ratio", records);
                figures.put("bytes_ratio", bytes);
                figures.put("seconds_ratio", secs);
                figures.put("met", commandMet);
                targets.put(command, figures);
            }
            extra.put("targets_compare_months", List.of(previous, oldest));
            extra.put("targets", targets);
            extra.put("targets_met", met);
        }
        return compared;
    }

    private void printTable(PrintWriter out, List<Map<String, Object>> rows, Map<String, Object> extra,
            Map<String, Object> targets, String compared, Period period, MeterlakeConfig config, int oldest,
            boolean equal, int lines) {
        out.println("scale benchmark: " + perMonth + " events a month, period " + period + ", dedup horizon "
                + Durations.render(config.dedupHorizon()) + ", " + BenchResults.machine());
        List<List<String>> table = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            table.add(List.of(row.get("history_months").toString(), row.get("raw_rows").toString(),
                    row.get("command").toString(), row.get("records_read").toString(), row.get("bytes_read").toString(),
                    String.format("%.1f", (Double) row.get("seconds")), String.format("%.2f", (Double) row.get("records_ratio")),
                    String.format("%.2f", (Double) row.get("bytes_ratio")), String.format("%.2f", (Double) row.get("seconds_ratio"))));
        }
        Output.table(out, List.of("history (months)", "raw rows", "command", "records read", "bytes read", "seconds",
                "records ÷ first", "bytes ÷ first", "seconds ÷ first"), table);
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

    private static Instant start(YearMonth month) {
        return month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    private static double share(long value, long base) {
        return base == 0 ? (value == 0 ? 1.0 : Double.POSITIVE_INFINITY) : Math.round(value * 1000.0 / base) / 1000.0;
    }

    /** One command's figures: what Spark's tasks read, how long it took, and what it returned. */
    record Measure(long records, long bytes, Duration elapsed, Object result) {
    }

    /** Spark's task input metrics (records and bytes read from files), summed while a command runs. */
    static final class InputMetrics extends SparkListener {
        private final SparkSession spark;
        private final AtomicLong records = new AtomicLong();
        private final AtomicLong bytes = new AtomicLong();

        InputMetrics(SparkSession spark) {
            this.spark = spark;
            spark.sparkContext().addSparkListener(this);
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
            if (taskEnd.taskMetrics() != null) {
                records.addAndGet(taskEnd.taskMetrics().inputMetrics().recordsRead());
                bytes.addAndGet(taskEnd.taskMetrics().inputMetrics().bytesRead());
            }
        }

        /**
         * Runs {@code command} with every table's log unread (Delta's snapshot cache cleared), as the
         * nightly job finds it in its own JVM: each history size pays its own log reads, whatever ran
         * before it in this JVM.
         */
        Measure measure(Supplier<Object> command) {
            org.apache.spark.sql.delta.DeltaLog.clearCache();
            drain();
            long recordsBefore = records.get();
            long bytesBefore = bytes.get();
            long started = System.nanoTime();
            Object result = command.get();
            Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
            drain();
            return new Measure(records.get() - recordsBefore, bytes.get() - bytesBefore, elapsed, result);
        }

        /** Waits until the listener has seen every task that ended so far. */
        private void drain() {
            try {
                spark.sparkContext().listenerBus().waitUntilEmpty();
            } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
                throw new IllegalStateException("Spark's listener bus did not drain", e);
            }
        }
    }
}
