package io.meterlake.cli;

import io.meterlake.output.Output;

import io.meterlake.config.FormatOption;

import io.meterlake.batch.ingest.IngestReport;
import io.meterlake.catalog.Aggregation;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.stack.LocalKafka;
import io.meterlake.stack.MeterlakeHome;
import io.meterlake.streaming.StreamJob;
import io.meterlake.table.Warehouse;
import io.meterlake.validation.Quantities;
import io.meterlake.workload.Truth;
import io.meterlake.workload.WorkloadGenerator;
import io.meterlake.workload.WorkloadSpec;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;

/**
 * {@code meterlake demo}: the whole flow on real local parts with nothing to install: start the Kafka
 * broker, generate a workload into the topic, load its entitlements, run the stream until caught up,
 * print what it ingested, the provisional totals and the stream's progress, check the ingest against
 * the generator's truth, and stop the broker again if the demo started it (also on Ctrl-C).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the whole flow on real local parts, with nothing to install.", "",
            "Starts the Kafka broker, generates a workload into the topic (entitlements and truth into ./demo),",
            "loads the entitlements, streams until caught up, prints the ingest, the provisional totals and the",
            "stream's progress, and compares the ingest with the generator's truth (exit 1 if they differ)."})
final class DemoCommand implements Callable<Integer> {
    @ParentCommand
    MeterlakeCommand root;

    @Option(names = "--events", defaultValue = "10000", description = "Records to generate (default: ${DEFAULT-VALUE}).")
    long events;

    @Mixin
    FormatOption format;

    @Override
    public Integer call() throws Exception {
        MeterlakeConfig config = root.config();
        LocalKafka kafka = new LocalKafka(Path.of(config.stack().dir()), MeterlakeHome.kafkaLib(),
                config.stack().kafkaPort(), config.stack().kafkaControllerPort());
        boolean wasRunning = kafka.process().isPresent();
        Thread stopOnExit = new Thread(() -> {
            if (!wasRunning) {
                kafka.stop();
            }
        }, "meterlake-demo-stop-stack");
        Runtime.getRuntime().addShutdownHook(stopOnExit);
        try {
            return run(config, kafka);
        } finally {
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
            if (!wasRunning) {
                step("stack stop");
                kafka.stop();
            }
        }
    }

    private int run(MeterlakeConfig config, LocalKafka kafka) throws Exception {
        Path dir = Path.of("demo");
        Path entitlements = dir.resolve("entitlements.csv");
        String topic = config.kafka().topic();

        step("1/4 stack start: Kafka on " + kafka.bootstrapServers());
        kafka.start(topic, config.kafka().partitions());
        // Records of this run carry broker timestamps from here on (LogAppendTime).
        Timestamp since = new Timestamp(Instant.now(root.clock()).toEpochMilli() - 1);

        Instant now = root.clock().instant();
        WorkloadSpec spec = new WorkloadSpec(events, 42, 5, WorkloadGenerator.defaultStart(now),
                WorkloadGenerator.defaultDays(now), 0.05, 0.01, 0.02, 0.03);
        step("2/4 generate " + events + " events to topic " + topic + " (entitlements and truth in "
                + dir.toAbsolutePath() + ")");
        Truth truth = GenerateCommand.generate(spec, root, kafka.bootstrapServers(), topic, entitlements,
                dir.resolve("truth.json"));

        step("3/4 entitlements load " + entitlements);
        EntitlementsCommand.load(root, entitlements);

        step("4/4 stream --available-now into " + config.warehouse());
        SparkSession spark = root.spark("meterlake-demo");
        new StreamJob(spark, config.withKafka(new MeterlakeConfig.Kafka(kafka.bootstrapServers(), topic,
                config.kafka().partitions())), root.clock(), root.err())
                .runAvailableNow();

        Warehouse warehouse = new Warehouse(spark, config.warehouse());
        IngestReport report = ingested(warehouse, topic, since);
        IngestCommand.print(root, List.of(report), format.json());
        List<String> problems = mismatches(truth, report);
        if (!format.json()) {
            printProvisional(warehouse, config);
            printProgress(warehouse, since);
            root.out().println();
            if (problems.isEmpty()) {
                root.out().println("demo: the stream's ingest matches the generator's truth: " + truth.records()
                        + " records, " + truth.accepted() + " accepted, " + (truth.records() - truth.accepted())
                        + " quarantined across " + truth.quarantined().size() + " reasons.");
            }
        }
        if (!problems.isEmpty()) {
            root.err().println("demo: the ingest does not match the generator's truth: " + String.join("; ", problems));
        }
        root.out().flush();
        root.err().flush();
        return problems.isEmpty() ? ExitCodes.OK : ExitCodes.FAILED;
    }

    /** What the stream stored of this run's records (broker timestamps at or after {@code since}). */
    private static IngestReport ingested(Warehouse warehouse, String topic, Timestamp since) {
        long accepted = warehouse.read(Tables.RAW_USAGE_EVENTS).where(ofThisRun(topic, since)).count();
        TreeMap<String, Long> quarantined = new TreeMap<>();
        warehouse.read(Tables.QUARANTINED_EVENTS).where(ofThisRun(topic, since)).groupBy(col(Columns.REASON)).count()
                .collectAsList().forEach(row -> quarantined.put(row.getString(0), row.getLong(1)));
        long total = accepted + quarantined.values().stream().mapToLong(Long::longValue).sum();
        return new IngestReport("kafka topic " + topic, "", false, total, accepted, quarantined);
    }

    private static org.apache.spark.sql.Column ofThisRun(String topic, Timestamp since) {
        return col(Columns.KAFKA_TOPIC).equalTo(topic).and(col(Columns.INGESTED_AT).geq(lit(since)));
    }

    /** Provisional usage per subscription and metric, over all windows. */
    private void printProvisional(Warehouse warehouse, MeterlakeConfig config) {
        Dataset<Row> totals = warehouse.read(Tables.USAGE_AGGREGATES_PROVISIONAL)
                .groupBy(col(Columns.SUBSCRIPTION_ID), col(Columns.METRIC), col(Columns.UNIT))
                .agg(sum(col(Columns.QUANTITY)), max(col(Columns.QUANTITY)), sum(col(Columns.EVENT_COUNT)))
                .orderBy(col(Columns.SUBSCRIPTION_ID), col(Columns.METRIC));
        List<List<String>> rows = new ArrayList<>();
        for (Row row : totals.collectAsList()) {
            boolean gauge = config.catalog().metric(row.getString(1)).map(m -> m.aggregation() == Aggregation.MAX)
                    .orElse(false);
            BigDecimal quantity = gauge ? row.getDecimal(4) : row.getDecimal(3);
            rows.add(List.of(row.getString(0), row.getString(1), row.getString(2), Quantities.render(quantity),
                    Long.toString(row.getLong(5))));
        }
        root.out().println();
        root.out().println("provisional usage (usage_aggregates_provisional; SUM metrics summed, MAX metrics at their peak):");
        Output.table(root.out(), List.of("subscription", "metric", "unit", "quantity", "events"), rows);
    }

    private void printProgress(Warehouse warehouse, Timestamp since) {
        List<List<String>> rows = new ArrayList<>();
        for (Row row : warehouse.read(Tables.STREAM_PROGRESS).where(col(Columns.RECORDED_AT).geq(lit(since)))
                .orderBy(col(Columns.QUERY).desc(), col(Columns.BATCH_ID)).collectAsList()) {
            rows.add(List.of(row.getAs(Columns.QUERY), String.valueOf((Object) row.getAs(Columns.BATCH_ID)),
                    String.valueOf((Object) row.getAs(Columns.RECORDS_IN)), text(row.getAs(Columns.ACCEPTED)),
                    text(row.getAs(Columns.QUARANTINED)), text(row.getAs(Columns.LATE_DROPPED)),
                    text(row.getAs(Columns.WATERMARK)), String.valueOf((Object) row.getAs(Columns.DURATION_MS))));
        }
        root.out().println();
        root.out().println("stream progress (stream_progress):");
        Output.table(root.out(), List.of("query", "batch", "records", "accepted", "quarantined", "late", "watermark",
                "ms"), rows);
    }

    private static String text(Object value) {
        return value == null ? "-" : value.toString();
    }

    private void step(String text) {
        root.err().println("demo: " + text);
        root.err().flush();
    }

    static List<String> mismatches(Truth truth, IngestReport report) {
        List<String> problems = new ArrayList<>();
        if (report.records() != truth.records()) {
            problems.add("records " + report.records() + " != expected " + truth.records());
        }
        if (report.accepted() != truth.accepted()) {
            problems.add("accepted " + report.accepted() + " != expected " + truth.accepted());
        }
        if (!report.quarantined().equals(truth.quarantined())) {
            problems.add("quarantined " + report.quarantined() + " != expected " + truth.quarantined());
        }
        return problems;
    }
}
