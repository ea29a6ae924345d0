package io.meterlake.bench;

import io.meterlake.config.MeterlakeConfig;
import io.meterlake.model.Entitlement;
import io.meterlake.output.Output;
import io.meterlake.period.Durations;
import io.meterlake.spark.SparkSessions;
import io.meterlake.streaming.sink.StreamJobNames;
import io.meterlake.streaming.source.EventProducer;
import io.meterlake.table.Warehouse;
import io.meterlake.workload.WorkloadGenerator;
import io.meterlake.workload.WorkloadSpec;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StateOperatorProgress;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench state}: what the stream's deduplication keeps in RocksDB. A day of event time is
 * preloaded in order (UUID event ids, 5% exact duplicates, nothing late), and {@code meterlake stream}
 * runs as in production, in {@code --batches} micro-batches. At the end, the
 * deduplication operator's state is read from the provisional query's progress: keys retained,
 * RocksDB SST bytes per key, and retained keys against the model rate × 2 × watermark delay
 * (a key lives from its event time until the watermark, itself a delay behind the newest event
 * time, passes its event time plus the delay).
 */
@Command(
        name = "state",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Streaming state: RocksDB bytes per deduplication key, retained keys vs the model.",
            "",
            "Preloads --size events spread over one day of event time, runs 'meterlake stream' in --batches",
            "micro-batches, and reads the state operators' metrics of the last provisional batch."
        })
final class StateBench extends Benchmark {
    private static final long TARGET_BYTES_PER_KEY = 120;
    private static final String SNAPSHOT_EVERY = "spark.sql.streaming.stateStore.minDeltasForSnapshot";

    @Option(
            names = "--size",
            defaultValue = "1000000",
            paramLabel = "<events>",
            description = "Events over one day of event time (default: ${DEFAULT-VALUE}).")
    long size;

    @Option(
            names = "--batches",
            defaultValue = "12",
            paramLabel = "<n>",
            description =
                    "Kafka micro-batches the events arrive in (default: ${DEFAULT-VALUE}, two hours of event time each).")
    int batches;

    @Override
    public Integer call() throws Exception {
        Map<String, String> settings =
                Map.of("stream.max-offsets-per-trigger", Long.toString(Math.max(100, size / batches)));
        try (BenchKafka kafka = BenchKafka.start("state", settings, this)) {
            return run(kafka);
        }
    }

    /** Sends {@code size} events in event-time order over [start, end), and an exact duplicate of one in 20. */
    private long preload(BenchKafka kafka, SteadyEvents events, Instant start, Instant end) {
        progress("preloading " + size + " events in event-time order over one day, plus 5% duplicates");
        long records = 0;
        long spanMillis = Duration.between(start, end).toMillis();
        try (EventProducer producer = EventProducer.open(kafka.bootstrapServers(), kafka.topic())) {
            for (long n = 0; n < size; n++) {
                events.send(producer, n, start.toEpochMilli() + n * spanMillis / size);
                records++;
                if (n % 20 == 19) { // an exact duplicate of an event a few records back
                    long again = n - 7;
                    events.send(producer, again, start.toEpochMilli() + again * spanMillis / size);
                    records++;
                }
            }
            producer.flush();
        }
        return records;
    }

    private int run(BenchKafka kafka) throws Exception {
        MeterlakeConfig config = kafka.config;
        Instant now = Instant.now();
        Instant start = WorkloadGenerator.defaultStart(now);
        Instant end = start.plus(Duration.ofDays(1));
        List<Entitlement> entitlements =
                new WorkloadGenerator(new WorkloadSpec(1, 42, 20, start, 1, 0, 0, 0, 0), config, now).entitlements();
        SteadyEvents events = new SteadyEvents(entitlements, config, start, end);
        long sentRecords = preload(kafka, events, start, end);

        SparkSession spark = SparkSessions.getOrCreate(config, "meterlake-bench-state");
        // With changelog checkpointing, RocksDB flushes its memtable to SST files only when a batch
        // takes a snapshot: every 10 versions, or when a batch changes more than 10,000 keys of a
        // partition. Large batches snapshot every time; the smoke run's small ones would read an
        // empty SST size whenever the last batch is not a snapshot. One snapshot per batch here.
        spark.conf().set(SNAPSHOT_EVERY, "1");
        try {
            return measure(spark, kafka, entitlements, sentRecords);
        } finally {
            spark.conf().unset(SNAPSHOT_EVERY);
        }
    }

    private int measure(SparkSession spark, BenchKafka kafka, List<Entitlement> entitlements, long sentRecords)
            throws Exception {
        MeterlakeConfig config = kafka.config;
        Warehouse warehouse = Benchmark.streamWarehouse(spark, config, entitlements);
        Duration trigger = Duration.ofSeconds(1);
        progress("stream running (trigger " + trigger + ", " + size / batches + " records per batch)");
        List<StreamingQueryProgress> progress;
        try (RunningStream stream =
                RunningStream.start(spark, config, trigger, spec.commandLine().getErr())) {
            boolean done = stream.awaitUntil(
                    () -> stream.inputRows(StreamJobNames.PROVISIONAL) >= sentRecords,
                    Duration.ofMinutes(5).plusSeconds(size / 2000));
            if (!done) {
                throw new IllegalStateException("the stream counted only "
                        + stream.inputRows(StreamJobNames.PROVISIONAL) + " of " + sentRecords + " records in time");
            }
            // The batch after the last data batch evicts with the final watermark.
            long lastData = stream.progress(StreamJobNames.PROVISIONAL).stream()
                    .filter(p -> p.numInputRows() > 0)
                    .mapToLong(StreamingQueryProgress::batchId)
                    .max()
                    .orElseThrow();
            stream.awaitUntil(
                    () -> stream.progress(StreamJobNames.PROVISIONAL).stream()
                            .anyMatch(p ->
                                    p.batchId() > lastData && p.durationMs().containsKey("addBatch")),
                    Duration.ofMinutes(1));
            progress = stream.progress(StreamJobNames.PROVISIONAL).stream()
                    .filter(p -> p.durationMs().containsKey("addBatch"))
                    .toList();
        }
        StreamingQueryProgress last = progress.get(progress.size() - 1);

        long identities = size;
        double keysPerSecond = identities / (double) Duration.ofDays(1).toSeconds();
        long delay = config.stream().watermarkDelay().toSeconds();
        long model = Math.round(keysPerSecond * 2 * delay);
        long watermark = Instant.parse(last.eventTime().get("watermark")).getEpochSecond();
        long newest = progress.stream()
                .filter(p -> p.eventTime().containsKey("max"))
                .mapToLong(p -> Instant.parse(p.eventTime().get("max")).getEpochSecond())
                .max()
                .orElse(watermark);
        long modelAtWatermark = Math.round(keysPerSecond * (newest - watermark + delay));

        List<Map<String, Object>> rows = operatorRows(last);
        Map<String, Object> dedup = rows.stream()
                .filter(row -> row.get("operator").toString().startsWith("dedupe"))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "the provisional query reported no deduplication operator: " + last.prettyJson()));
        long retained = (Long) dedup.get("keys");
        Double perKey = (Double) dedup.get("sst_bytes_per_key");
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("records", sentRecords);
        parameters.put("event_identities", identities);
        parameters.put("event_time_span_hours", 24);
        parameters.put("keys_per_event_time_second", Math.round(keysPerSecond * 100) / 100.0);
        parameters.put("watermark_delay_seconds", delay);
        parameters.put("records_per_batch", size / batches);
        parameters.put("shuffle_partitions", config.shufflePartitions());
        Map<String, Object> extra = extra(retained, model, modelAtWatermark, perKey);
        PrintWriter out = spec.commandLine().getOut();
        if (!report(parameters, rows, extra, out)) {
            print(out, rows, parameters, extra, config);
        }
        return 0;
    }

    private static Map<String, Object> extra(long retained, long model, long modelAtWatermark, Double perKey) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("retained_keys", retained);
        extra.put("model_rate_x_2_x_delay", model);
        extra.put("ratio_retained_to_model", model == 0 ? null : Math.round(retained * 1000.0 / model) / 1000.0);
        extra.put("model_at_last_watermark", modelAtWatermark);
        extra.put("bytes_per_key", perKey);
        extra.put("target_bytes_per_key", TARGET_BYTES_PER_KEY);
        extra.put("bytes_per_key_within_target", perKey != null && perKey <= TARGET_BYTES_PER_KEY);
        return extra;
    }

    /** Per state operator of the last batch: its keys, RocksDB SST bytes, memory and SST bytes per key. */
    private static List<Map<String, Object>> operatorRows(StreamingQueryProgress last) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (StateOperatorProgress operator : last.stateOperators()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("operator", operator.operatorName());
            row.put("keys", operator.numRowsTotal());
            long sst = sstBytes(operator);
            row.put("sst_bytes", sst);
            row.put("memory_bytes", operator.memoryUsedBytes());
            row.put(
                    "sst_bytes_per_key",
                    operator.numRowsTotal() == 0
                            ? null
                            : Math.round(sst / (double) operator.numRowsTotal() * 10) / 10.0);
            rows.add(row);
        }
        return rows;
    }

    private void print(
            PrintWriter out,
            List<Map<String, Object>> rows,
            Map<String, Object> parameters,
            Map<String, Object> extra,
            MeterlakeConfig config) {
        out.println("state benchmark: " + parameters.get("records") + " records (" + size
                + " events, UUID ids) over 24 h of event time ("
                + parameters.get("keys_per_event_time_second") + " new keys per event-time second), watermark delay "
                + Durations.render(config.stream().watermarkDelay()) + ", " + BenchResults.machine());
        List<List<String>> table = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            table.add(List.of(
                    row.get("operator").toString(),
                    row.get("keys").toString(),
                    row.get("sst_bytes").toString(),
                    row.get("memory_bytes").toString(),
                    String.valueOf(row.get("sst_bytes_per_key"))));
        }
        Output.table(
                out, List.of("state operator", "keys", "RocksDB SST bytes", "memory bytes", "SST bytes/key"), table);
        out.println("dedup keys retained: " + extra.get("retained_keys") + "; model rate × 2 × delay: "
                + extra.get("model_rate_x_2_x_delay") + " (ratio "
                + extra.get("ratio_retained_to_model") + "); at the last batch's watermark: "
                + extra.get("model_at_last_watermark"));
        out.println("target ≤ " + TARGET_BYTES_PER_KEY + " bytes per key: "
                + (Boolean.TRUE.equals(extra.get("bytes_per_key_within_target")) ? "met" : "NOT met"));
        out.println("results: " + file);
        out.flush();
    }

    /** The operator's RocksDB SST files, summed over its partitions. */
    private static long sstBytes(StateOperatorProgress operator) {
        Long bytes = operator.customMetrics().get("rocksdbSstFileSize");
        if (bytes == null) {
            throw new IllegalStateException(
                    "operator " + operator.operatorName() + " reports no rocksdbSstFileSize; its metrics: "
                            + operator.customMetrics().keySet());
        }
        return bytes;
    }
}
