package io.meterlake.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import io.meterlake.config.MeterlakeConfig;
import io.meterlake.model.Entitlement;
import io.meterlake.output.Output;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.spark.SparkSessions;
import io.meterlake.streaming.sink.StreamJobNames;
import io.meterlake.streaming.source.EventProducer;
import io.meterlake.table.Warehouse;
import java.io.PrintWriter;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench stream-growth}: whether the provisional query's cost per batch follows the batch or the
 * table. Two warehouses take the same micro-batches from one topic: one starts with an empty
 * {@code usage_aggregates_provisional}, the other with a month of hourly windows already in it (the
 * rows a stream leaves by the end of a month). The batches alternate between them, so both see the
 * same JVM warmth; the ratio of their provisional batch durations is the growth.
 */
@Command(
        name = "stream-growth",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Steady cost: provisional batch duration with a month of windows beside vs an empty table.",
            "",
            "Fills one warehouse's usage_aggregates_provisional with --days of hourly windows for --subscriptions",
            "subscriptions x the catalog's metrics (the defaults: about 3M rows), leaves another's empty, then",
            "sends --batches batches of --batch-events events of the current hour and runs 'stream --available-now'",
            "on each warehouse after each batch. Target: the full table's median batch ≤ 1.25 x the empty one's."
        })
final class StreamGrowthBench extends Benchmark {
    static final double TARGET_RATIO = 1.25;

    @Option(
            names = "--subscriptions",
            defaultValue = "420",
            paramLabel = "<n>",
            description = "Subscriptions in the month already stored (default: ${DEFAULT-VALUE}; with the default"
                    + " catalog's 10 metrics and 720 hours, 3,024,000 rows).")
    int subscriptions;

    @Option(
            names = "--days",
            defaultValue = "30",
            paramLabel = "<n>",
            description = "Days of hourly windows already stored (default: ${DEFAULT-VALUE}).")
    int days;

    @Option(
            names = "--batches",
            defaultValue = "7",
            paramLabel = "<n>",
            description =
                    "Micro-batches per warehouse; the first is a warm-up, not counted (default: ${DEFAULT-VALUE}).")
    int batches;

    @Option(
            names = "--batch-events",
            defaultValue = "40000",
            paramLabel = "<events>",
            description = "Events per micro-batch (default: ${DEFAULT-VALUE}, 10 s at 4,000 events/s).")
    int batchEvents;

    @Override
    public Integer call() throws Exception {
        if (subscriptions <= 0 || days <= 0 || batches < 2 || batchEvents <= 0) {
            throw BenchErrors.badOptions(
                    "--subscriptions, --days and --batch-events must be positive and --batches at least 2",
                    "e.g. --subscriptions 700 --days 30 --batches 7 --batch-events 40000");
        }
        try (BenchKafka kafka = BenchKafka.start(
                "stream-growth", Map.of("stream.max-offsets-per-trigger", Integer.toString(batchEvents)), this)) {
            return run(kafka);
        }
    }

    private int run(BenchKafka kafka) throws Exception {
        Instant now = Instant.now();
        List<Entitlement> entitlements = Benchmark.entitlements(kafka.config, now);
        // The events' times: the last 20 minutes, in order (no late data: this measures the MERGE, not the watermark).
        Instant from = now.minus(Duration.ofMinutes(20));
        SteadyEvents events = new SteadyEvents(entitlements, kafka.config, from, now);
        SparkSession spark = SparkSessions.getOrCreate(kafka.config, "meterlake-bench-stream-growth");
        MeterlakeConfig empty =
                kafka.config.withWarehouse(kafka.work.resolve("empty").toString());
        MeterlakeConfig full =
                kafka.config.withWarehouse(kafka.work.resolve("full").toString());
        for (MeterlakeConfig config : List.of(empty, full)) {
            Benchmark.streamWarehouse(spark, config, entitlements);
        }
        // The month ends at the hour before the events' first window: none of its rows is a batch's.
        Instant historyEnd = from.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(1));
        int metrics = kafka.config.catalog().metrics().size();
        long historyRows = writeHistory(spark, full, historyEnd);

        List<Double> emptyProvisional = new ArrayList<>();
        List<Double> fullProvisional = new ArrayList<>();
        List<Double> emptyRaw = new ArrayList<>();
        List<Double> fullRaw = new ArrayList<>();
        List<Double> emptyScanned = new ArrayList<>();
        List<Double> fullScanned = new ArrayList<>();
        long total = (long) batches * batchEvents;
        long span = Duration.between(from, now).toMillis();
        try (EventProducer producer = EventProducer.open(kafka.bootstrapServers(), kafka.topic())) {
            for (int batch = 0; batch < batches; batch++) {
                for (long n = (long) batch * batchEvents; n < (long) (batch + 1) * batchEvents; n++) {
                    events.send(producer, n, from.toEpochMilli() + n * span / total);
                }
                producer.flush();
                progress("batch " + (batch + 1) + " of " + batches + (batch == 0 ? " (warm-up)" : "") + ": "
                        + batchEvents + " events into both warehouses");
                double[] onEmpty = runOnce(spark, empty);
                double[] onFull = runOnce(spark, full);
                if (batch > 0) {
                    emptyRaw.add(onEmpty[0]);
                    emptyProvisional.add(onEmpty[1]);
                    emptyScanned.add(onEmpty[2]);
                    fullRaw.add(onFull[0]);
                    fullProvisional.add(onFull[1]);
                    fullScanned.add(onFull[2]);
                }
            }
        }
        long emptyRows = new Warehouse(spark, empty.warehouse())
                .read(Tables.USAGE_AGGREGATES_PROVISIONAL)
                .count();
        long fullRows = new Warehouse(spark, full.warehouse())
                .read(Tables.USAGE_AGGREGATES_PROVISIONAL)
                .count();
        double ratio = Math.round(median(fullProvisional) / median(emptyProvisional) * 1000) / 1000.0;

        List<Map<String, Object>> rows = List.of(
                row(
                        "empty provisional table",
                        emptyRows,
                        emptyProvisional,
                        emptyRaw,
                        emptyScanned,
                        MergeMeasures.medians(spark, empty, batches - 1)),
                row(
                        "a month of windows beside",
                        fullRows,
                        fullProvisional,
                        fullRaw,
                        fullScanned,
                        MergeMeasures.medians(spark, full, batches - 1)));
        Map<String, Object> parameters = parameters(historyRows, metrics, kafka.config.shufflePartitions());
        Map<String, Object> extra = new LinkedHashMap<>(Map.of(
                "ratio_full_to_empty", ratio, "target_ratio", TARGET_RATIO, "within_target", ratio <= TARGET_RATIO));
        PrintWriter out = spec.commandLine().getOut();
        if (!report(parameters, rows, extra, out)) {
            print(out, rows, historyRows, ratio);
        }
        return 0;
    }

    private Map<String, Object> parameters(long historyRows, int metrics, int shufflePartitions) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("history_rows", historyRows);
        parameters.put("subscriptions", subscriptions);
        parameters.put("metrics", metrics);
        parameters.put("days", days);
        parameters.put("batches_measured", batches - 1);
        parameters.put("batch_events", batchEvents);
        parameters.put("shuffle_partitions", shufflePartitions);
        return parameters;
    }

    private void print(PrintWriter out, List<Map<String, Object>> rows, long historyRows, double ratio) {
        out.println("stream growth benchmark: " + (batches - 1) + " measured batches of " + batchEvents
                + " events per warehouse, " + historyRows + " rows of history beside, " + BenchResults.machine());
        List<List<String>> table = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            table.add(List.of(
                    row.get("table").toString(),
                    row.get("rows_after").toString(),
                    format(row.get("provisional_batch_median_seconds")),
                    format(row.get("provisional_batch_max_seconds")),
                    format(row.get("raw_batch_median_seconds")),
                    row.get("merge_scan_records_read_median").toString(),
                    merge(row, "scanTimeMs"),
                    merge(row, "rewriteTimeMs"),
                    merge(row, "numTargetFilesRemoved"),
                    merge(row, "numTargetRowsCopied")));
        }
        Output.table(
                out,
                List.of(
                        "provisional table",
                        "rows after",
                        "provisional batch s (median)",
                        "max",
                        "raw batch s (median)",
                        "MERGE scan records read",
                        "MERGE scan ms",
                        "MERGE rewrite ms",
                        "files rewritten",
                        "rows copied"),
                table);
        out.println("growth: full ÷ empty provisional batch = " + ratio + " (target ≤ " + TARGET_RATIO + "): "
                + (ratio <= TARGET_RATIO ? "met" : "NOT met"));
        out.println("results: " + file);
        out.flush();
    }

    /**
     * {@code stream --available-now} on one warehouse: the raw and provisional seconds of its one batch
     * each, and the records the MERGE's search for matching files read (the target's rows it scanned,
     * with the batch's own).
     */
    private double[] runOnce(SparkSession spark, MeterlakeConfig config) throws Exception {
        MergeMeasures.Scan scan = new MergeMeasures.Scan();
        spark.sparkContext().addSparkListener(scan);
        try (QueryProgressLog queries = QueryProgressLog.register(spark)) {
            RunningStream.job(spark, config, spec.commandLine().getErr()).runAvailableNow();
            spark.sparkContext().listenerBus().waitUntilEmpty(60_000);
            return new double[] {
                MergeMeasures.withInput(queries.of(StreamJobNames.RAW)),
                MergeMeasures.withInput(queries.of(StreamJobNames.PROVISIONAL)),
                scan.records.get()
            };
        } finally {
            spark.sparkContext().removeSparkListener(scan);
        }
    }

    /**
     * A month of provisional rows as a stream leaves them after {@code maintain}: one row per subscription,
     * metric and hour, clustered by window start (one file per hour); returns how many.
     */
    private long writeHistory(SparkSession spark, MeterlakeConfig config, Instant end) {
        int metrics = config.catalog().metrics().size();
        long historyRows = (long) subscriptions * metrics * days * 24;
        progress("writing " + historyRows + " rows of provisional history (" + subscriptions + " subscriptions × "
                + metrics + " metrics × " + days * 24 + " hours) into the full warehouse");
        long perHour = (long) subscriptions * metrics;
        long hours = (long) days * 24;
        List<String> names = new ArrayList<>();
        for (io.meterlake.catalog.Metric metric : config.catalog().metrics()) {
            names.add("'" + metric.name() + "'");
        }
        Dataset<Row> rows = spark.range(perHour * hours)
                .withColumn("hour", expr("id div " + perHour))
                .withColumn("key", expr("id % " + perHour))
                .select(
                        expr("format_string('sub-history-%05d', key div " + metrics + ")")
                                .as(Columns.SUBSCRIPTION_ID),
                        expr("format_string('ent-history-%05d', key div " + metrics + ")")
                                .as(Columns.ENTITLEMENT_ID),
                        expr("format_string('ba-history-%05d', key div " + metrics + ")")
                                .as(Columns.BILLING_ACCOUNT_ID),
                        expr("element_at(array(" + String.join(", ", names) + "), cast(key % " + metrics
                                        + " + 1 as int))")
                                .as(Columns.METRIC),
                        lit("unit").as(Columns.UNIT),
                        expr("timestamp_seconds(" + (end.getEpochSecond() - hours * 3600) + " + hour * 3600)")
                                .as(Columns.WINDOW_START),
                        expr("timestamp_seconds(" + (end.getEpochSecond() - hours * 3600) + " + hour * 3600 + 3600)")
                                .as(Columns.WINDOW_END),
                        expr("cast(id % 1000 as decimal(38, 9))").as(Columns.QUANTITY),
                        expr("id % 50 + 1").as(Columns.EVENT_COUNT),
                        expr("hour").as(Columns.UPDATED_BATCH_ID),
                        lit(Timestamp.from(end)).as(Columns.UPDATED_AT))
                .repartitionByRange((int) hours, col(Columns.WINDOW_START));
        spark.createDataFrame(rows.rdd(), Tables.PROVISIONAL)
                .write()
                .format("delta")
                .mode("append")
                .save(new Warehouse(spark, config.warehouse()).path(Tables.USAGE_AGGREGATES_PROVISIONAL));
        return historyRows;
    }

    private static Map<String, Object> row(
            String table,
            long rowsAfter,
            List<Double> provisional,
            List<Double> raw,
            List<Double> scanned,
            Map<String, Long> merge) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("table", table);
        row.put("rows_after", rowsAfter);
        row.put("provisional_batch_median_seconds", median(provisional));
        row.put(
                "provisional_batch_max_seconds",
                provisional.stream().mapToDouble(Double::doubleValue).max().orElse(0));
        row.put("provisional_batch_seconds", provisional);
        row.put("raw_batch_median_seconds", median(raw));
        row.put("merge_scan_records_read_median", Math.round(median(scanned)));
        row.put("merge_median", merge);
        return row;
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return 0;
        }
        double[] sorted =
                values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted.length % 2 == 1
                ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    @SuppressWarnings("unchecked")
    private static String merge(Map<String, Object> row, String metric) {
        return ((Map<String, Long>) row.get("merge_median")).get(metric).toString();
    }

    private static String format(Object seconds) {
        return String.format("%.2f", (Double) seconds);
    }
}
