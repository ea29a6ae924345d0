package io.meterlake.bench;

import static org.apache.spark.sql.functions.col;

import io.meterlake.batch.recompute.RankedRaw;
import io.meterlake.batch.recompute.Recompute;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.model.BillingLine;
import io.meterlake.output.Output;
import io.meterlake.period.Period;
import io.meterlake.pipeline.EventPipeline;
import io.meterlake.pipeline.IngestOrder;
import io.meterlake.pipeline.UsageAggregation;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.schema.UsageWindow;
import io.meterlake.spark.SparkSessions;
import io.meterlake.streaming.sink.StreamJobNames;
import io.meterlake.streaming.source.EventProducer;
import io.meterlake.streaming.source.KafkaSource;
import io.meterlake.table.Warehouse;
import io.meterlake.workload.Truth;
import io.meterlake.workload.WorkloadGenerator;
import io.meterlake.workload.WorkloadSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.Trigger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench stream}: events per second of {@code stream --available-now} with all its sinks, over a
 * topic preloaded with a generated workload, against the plain Java loop (the machine's limit), Flink
 * SQL (the peer people would pick instead) and the same Spark job with a no-op sink (what the Delta
 * writes cost). Afterwards the stream's raw table,
 * recomputed, must equal the generator's truth for every period.
 */
@Command(
        name = "stream",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Stream throughput: Meterlake's stream vs the plain loop, Flink SQL and a no-op sink.",
            "",
            "Preloads a local Kafka topic (3 partitions) with --size generated events (5% duplicates, 1% conflicts,",
            "2% late, ~270 bytes of JSON each), then times: the plain Java loop (KafkaConsumer + Jackson + HashSet + HashMap, one thread",
            "per core), Flink 2.2.1 SQL doing parse, ROW_NUMBER dedup and 1-hour tumbling sums (own JVM), the",
            "stream's pipeline into a no-op sink, and 'stream --available-now' with all sinks."
        })
final class StreamBench extends Benchmark {
    @Option(
            names = "--size",
            defaultValue = "2000000",
            paramLabel = "<events>",
            description = "Events to preload (default: ${DEFAULT-VALUE}).")
    long size;

    @Override
    public Integer call() throws Exception {
        try (BenchKafka kafka = BenchKafka.start("stream", Map.of(), this)) {
            return run(kafka.config, kafka.bootstrapServers(), kafka.work);
        }
    }

    private static Map<String, Object> parameters(
            long records, long bytes, WorkloadSpec workload, Duration produce, MeterlakeConfig config) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("events", records);
        parameters.put("average_record_bytes", bytes / Math.max(1, records));
        parameters.put("duplicate_rate", workload.duplicateRate());
        parameters.put("partitions", BenchKafka.PARTITIONS);
        parameters.put("produce_events_per_second", Math.round(records / seconds(produce)));
        parameters.put("shuffle_partitions", config.shufflePartitions());
        return parameters;
    }

    /** The stream's time against each peer's (above 1: the stream is slower). */
    private static Map<String, Object> ratios(Duration loop, Duration flink, Duration noop, Duration stream) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("ratio_stream_to_plain_loop", ratio(loop, stream));
        extra.put("ratio_stream_to_flink", ratio(flink, stream));
        extra.put("ratio_stream_to_noop_sink", ratio(noop, stream));
        return extra;
    }

    private int run(MeterlakeConfig config, String bootstrapServers, Path work) throws Exception {
        Instant now = Instant.now();
        // No invalid records: the plain loop does not validate, and the generator's invalid records include
        // oversized payloads that would dominate the byte count. Duplicates, conflicts and late events stay.
        WorkloadSpec workload = new WorkloadSpec(
                size,
                42,
                20,
                WorkloadGenerator.defaultStart(now),
                WorkloadGenerator.defaultDays(now),
                0.05,
                0.01,
                0.02,
                0.0);
        WorkloadGenerator generator = new WorkloadGenerator(workload, config, now);
        progress("preloading " + size + " events into topic " + config.kafka().topic());
        AtomicLong bytes = new AtomicLong();
        long produceStarted = System.nanoTime();
        Truth truth;
        try (EventProducer producer =
                EventProducer.open(bootstrapServers, config.kafka().topic())) {
            truth = generator.generate(line -> {
                bytes.addAndGet(line.length());
                producer.send(line);
            });
            producer.flush();
        }
        Duration produce = Duration.ofNanos(System.nanoTime() - produceStarted);

        progress("plain loop (machine limit)");
        PlainLoop.Result loop = PlainLoop.run(
                bootstrapServers, config.kafka().topic(), Runtime.getRuntime().availableProcessors());

        progress("Flink 2.2.1 SQL (own JVM)");
        Duration flink = FlinkPeerProcess.run(bootstrapServers, config.kafka().topic(), work.resolve("flink"));

        SparkSession spark = SparkSessions.getOrCreate(config, "meterlake-bench-stream");
        Warehouse warehouse = Benchmark.streamWarehouse(spark, config, generator.entitlements());

        progress("Spark, the stream's pipeline into a no-op sink");
        Duration noop = timeNoopSink(spark, config, warehouse, work);

        progress("Spark, stream --available-now with all sinks");
        long started = System.nanoTime();
        double rawSeconds;
        double provisionalSeconds;
        Map<String, Map<String, Double>> profile = new LinkedHashMap<>();
        try (QueryProgressLog queries = QueryProgressLog.register(spark);
                BatchProfile steps = BatchProfile.register(spark)) {
            RunningStream.job(spark, config, spec.commandLine().getErr()).runAvailableNow();
            rawSeconds = queries.seconds(StreamJobNames.RAW);
            provisionalSeconds = queries.seconds(StreamJobNames.PROVISIONAL);
            profile.put(StreamJobNames.RAW, steps.perBatch(queries.of(StreamJobNames.RAW)));
            profile.put(StreamJobNames.PROVISIONAL, steps.perBatch(queries.of(StreamJobNames.PROVISIONAL)));
            profile.put("query phases on the driver, both queries, whole run", steps.planningSeconds());
        }
        Duration stream = Duration.ofNanos(System.nanoTime() - started);

        progress("checking the stream's tables against the generator's truth");
        List<String> mismatches = compareWithTruth(spark, warehouse, config, truth);

        long records = truth.records();
        List<Map<String, Object>> rows = List.of(
                row("plain Java loop (machine limit)", records, loop.elapsed(), stream),
                row("Flink 2.2.1 SQL (RocksDB, mini-batch)", records, flink, stream),
                row("Spark, no-op sink", records, noop, stream),
                row("Meterlake stream, all sinks", records, stream, stream));
        Map<String, Object> parameters = parameters(records, bytes.get(), workload, produce, config);
        Map<String, Object> extra = ratios(loop.elapsed(), flink, noop, stream);
        extra.put("raw_query_seconds", rawSeconds);
        extra.put("provisional_query_seconds", provisionalSeconds);
        extra.put("where_the_time_goes_seconds_per_batch", profile);
        extra.put("truth_matches", mismatches.isEmpty());
        extra.put("truth_mismatches", mismatches);
        PrintWriter out = spec.commandLine().getOut();
        if (!report(parameters, rows, extra, out)) {
            print(out, rows, parameters, extra, records);
        }
        return mismatches.isEmpty() ? 0 : 1;
    }

    @SuppressWarnings("unchecked")
    private void print(
            PrintWriter out,
            List<Map<String, Object>> rows,
            Map<String, Object> parameters,
            Map<String, Object> extra,
            long records) {
        List<String> mismatches = (List<String>) extra.get("truth_mismatches");
        List<List<String>> table = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            table.add(List.of(
                    row.get("pipeline").toString(),
                    row.get("events").toString(),
                    String.format("%.1f", (Double) row.get("seconds")),
                    row.get("events_per_second").toString(),
                    String.format("%.2f", (Double) row.get("stream_ratio"))));
        }
        out.println("stream benchmark: " + records + " events (~" + parameters.get("average_record_bytes")
                + " bytes, 5% duplicates, 3 partitions), " + BenchResults.machine());
        Output.table(out, List.of("pipeline", "events", "seconds", "events/s", "Meterlake stream ÷ this"), table);
        out.println("Meterlake stream: " + extra.get("raw_query_seconds")
                + " s in the raw query (Kafka → parse, validate, attribute →"
                + " quarantine, raw, progress), " + extra.get("provisional_query_seconds")
                + " s in the provisional query (raw → RocksDB"
                + " dedup → windows → MERGE)");
        BatchProfile.print(out, (Map<String, Map<String, Double>>) extra.get("where_the_time_goes_seconds_per_batch"));
        out.println("truth: "
                + (mismatches.isEmpty()
                        ? "the stream's raw table, recomputed, equals the generator's" + " truth for every period"
                        : "MISMATCH " + mismatches));
        out.println("results: " + file);
        out.flush();
    }

    /** The stream's pipeline (parse, validate, attribute, dedup within the watermark, hourly windows) into no-op. */
    private static Duration timeNoopSink(SparkSession spark, MeterlakeConfig config, Warehouse warehouse, Path work)
            throws Exception {
        Dataset<Row> processed = new EventPipeline(config.catalog(), config.maxClockSkew(), config.maxEventAge())
                .process(
                        KafkaSource.records(
                                spark, config.kafka(), config.stream().maxOffsetsPerTrigger()),
                        warehouse.read(Tables.ENTITLEMENTS));
        Dataset<Row> accepted = EventPipeline.accepted(processed);
        UsageAggregation aggregation = new UsageAggregation(config.catalog());
        Dataset<Row> windows = aggregation.aggregate(accepted.withColumn(Columns.INGEST_ORDER, IngestOrder.key())
                .withColumn(Columns.DISTINCT_VALUE, aggregation.distinctValue(col(Columns.ATTRIBUTES)))
                .withWatermark(
                        Columns.EVENT_TIME, config.stream().watermarkDelay().toSeconds() + " seconds")
                .dropDuplicatesWithinWatermark(Columns.SOURCE, Columns.EVENT_ID)
                .groupBy(UsageWindow.grouping(config.stream().window())));
        long started = System.nanoTime();
        windows.writeStream()
                .format("noop")
                .outputMode("update")
                .option("checkpointLocation", work.resolve("noop-checkpoint").toString())
                .trigger(Trigger.AvailableNow())
                .start()
                .awaitTermination();
        return Duration.ofNanos(System.nanoTime() - started);
    }

    /** Every period's lines recomputed from the stream's raw table, against the truth; the differences. */
    private static List<String> compareWithTruth(
            SparkSession spark, Warehouse warehouse, MeterlakeConfig config, Truth truth) {
        List<String> mismatches = new ArrayList<>();
        RankedRaw raw = RankedRaw.of(warehouse.read(Tables.RAW_USAGE_EVENTS));
        for (String period :
                new TreeSet<>(truth.lines().stream().map(Truth.Line::period).toList())) {
            List<String> expected = truth.lines().stream()
                    .filter(line -> line.period().equals(period))
                    .map(line -> key(new BillingLine(
                            line.subscriptionId(),
                            line.billingAccountId(),
                            line.plan(),
                            line.metric(),
                            line.unit(),
                            line.quantity(),
                            line.eventCount())))
                    .sorted()
                    .toList();
            List<String> actual =
                    Recompute.collect(new Recompute(config.catalog()).lines(raw, Period.parse(period))).stream()
                            .map(Benchmark::key)
                            .sorted()
                            .toList();
            if (!expected.equals(actual)) {
                mismatches.add(period + ": expected " + expected.size() + " lines, got " + actual.size()
                        + (expected.size() == actual.size() ? " with other values" : ""));
            }
        }
        return mismatches;
    }

    private static Map<String, Object> row(String pipeline, long events, Duration elapsed, Duration stream) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("pipeline", pipeline);
        row.put("events", events);
        row.put("seconds", seconds(elapsed));
        row.put("events_per_second", Math.round(events / seconds(elapsed)));
        row.put("stream_ratio", ratio(elapsed, stream));
        return row;
    }
}
