package io.meterlake.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.model.Entitlement;
import io.meterlake.output.Output;
import io.meterlake.period.Durations;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.spark.SparkSessions;
import io.meterlake.streaming.sink.StreamJobNames;
import io.meterlake.streaming.source.EventProducer;
import io.meterlake.table.Warehouse;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench freshness}: how long after it is produced an event counts in
 * {@code usage_aggregates_provisional}. A producer sends events at a steady rate, stamped with the
 * send time as their event time, while {@code meterlake stream} runs as in production (both queries
 * on the default trigger). Afterwards every committed version of the provisional table is read back
 * (Delta time travel): an event is visible from the first version whose window count for its key
 * reaches it (one key's events share a tenant, hence a partition, hence their order), at that
 * version's commit time. Freshness is that commit time minus the send time.
 */
@Command(
        name = "freshness",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Freshness: send time to visible in usage_aggregates_provisional, p50/p95/p99.",
            "",
            "A steady producer (--rate, default half the stream's throughput in the latest 'bench stream'",
            "results) sends events stamped with their send time while 'meterlake stream' runs with its default",
            "trigger. Each provisional table version is read back to find when each event became visible."
        })
final class FreshnessBench extends Benchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(
            names = "--rate",
            paramLabel = "<events/s>",
            description = "Events per second to send (default: half the events/s of the latest 'bench stream').")
    Long rate;

    @Option(
            names = "--duration",
            defaultValue = "5m",
            paramLabel = "<duration>",
            description = "How long to measure, after the warm-up (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(
            names = "--warmup",
            defaultValue = "1m",
            paramLabel = "<duration>",
            description = "Sending before the measurement starts, not counted (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Override
    public Integer call() throws Exception {
        long eventsPerSecond = rate != null ? rate : halfOfLatestStreamThroughput();
        if (eventsPerSecond <= 0) {
            throw BenchErrors.badOptions(
                    "--rate " + eventsPerSecond + " is not positive",
                    "pass a number of events per second, e.g. --rate 5000");
        }
        try (BenchKafka kafka = BenchKafka.start("freshness", Map.of(), this)) {
            return run(kafka, eventsPerSecond);
        }
    }

    private int run(BenchKafka kafka, long eventsPerSecond) throws Exception {
        MeterlakeConfig config = kafka.config;
        Duration trigger = config.stream().trigger();
        Instant now = Instant.now();
        List<Entitlement> entitlements = Benchmark.entitlements(config, now);
        SteadyEvents events = new SteadyEvents(entitlements, config, now, now.plus(Duration.ofDays(1)));

        SparkSession spark = SparkSessions.getOrCreate(config, "meterlake-bench-freshness");
        Warehouse warehouse = Benchmark.streamWarehouse(spark, config, entitlements);

        progress("stream running (trigger " + Durations.render(trigger) + "); sending " + eventsPerSecond
                + " events/s for " + Durations.render(warmup) + " of warm-up and " + Durations.render(duration)
                + " measured");
        Sent sent;
        List<StreamingQueryProgress> rawBatches;
        List<StreamingQueryProgress> provisionalBatches;
        Map<String, Map<String, Double>> profile = new LinkedHashMap<>();
        try (BatchProfile steps = BatchProfile.register(spark);
                RunningStream stream = RunningStream.start(
                        spark, config, trigger, spec.commandLine().getErr());
                EventProducer producer = EventProducer.open(kafka.bootstrapServers(), kafka.topic())) {
            sent = send(producer, events, eventsPerSecond, stream);
            progress("sent " + sent.count + " events; waiting for the stream to count them");
            boolean drained = stream.awaitUntil(
                    () -> stream.inputRows(StreamJobNames.PROVISIONAL) >= sent.count,
                    trigger.multipliedBy(6).plusMinutes(2));
            if (!drained) {
                progress("the stream did not count every event in time; the rest are reported as never visible");
            }
            rawBatches = stream.progress(StreamJobNames.RAW);
            provisionalBatches = stream.progress(StreamJobNames.PROVISIONAL);
            profile.put(StreamJobNames.RAW, steps.perBatch(rawBatches));
            profile.put(StreamJobNames.PROVISIONAL, steps.perBatch(provisionalBatches));
            profile.put("query phases on the driver, both queries, whole run", steps.planningSeconds());
        }

        progress("reading back every version of " + Tables.USAGE_AGGREGATES_PROVISIONAL);
        long[] visibleAt = visibility(warehouse, events, sent);
        long measuredFrom = sent.startedMillis + warmup.toMillis();
        List<Long> latencies = new ArrayList<>();
        long neverVisible = 0;
        for (int i = 0; i < sent.count; i++) {
            if (sent.millis[i] < measuredFrom) {
                continue;
            }
            if (visibleAt[i] == Long.MAX_VALUE) {
                neverVisible++;
            } else {
                latencies.add(visibleAt[i] - sent.millis[i]);
            }
        }
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();

        List<Map<String, Object>> rows = new ArrayList<>();
        for (double quantile : new double[] {0.5, 0.95, 0.99, 1.0}) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("percentile", quantile == 1.0 ? "max" : "p" + Math.round(quantile * 100));
            row.put("seconds", sorted.length == 0 ? null : percentile(sorted, quantile) / 1000.0);
            rows.add(row);
        }
        double p99 = sorted.length == 0 ? Double.NaN : percentile(sorted, 0.99) / 1000.0;
        double target = trigger.toMillis() / 1000.0 + 2;
        Map<String, Object> parameters = parameters(eventsPerSecond, trigger, sent);
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("events_measured", sorted.length + neverVisible);
        extra.put("events_never_visible", neverVisible);
        extra.put("target_p99_seconds", target);
        extra.put("p99_within_target", sorted.length > 0 && p99 <= target && neverVisible == 0);
        extra.put("raw_batch_seconds", batchSeconds(rawBatches));
        extra.put("provisional_batch_seconds", batchSeconds(provisionalBatches));
        extra.put("where_the_time_goes_seconds_per_batch", profile);
        PrintWriter out = spec.commandLine().getOut();
        if (!report(parameters, rows, extra, out)) {
            print(out, rows, parameters, extra, trigger);
        }
        return neverVisible == 0 && sorted.length > 0 ? 0 : 1;
    }

    private Map<String, Object> parameters(long eventsPerSecond, Duration trigger, Sent sent) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("rate_events_per_second", eventsPerSecond);
        parameters.put("rate_source", rate != null ? "--rate" : "half of the latest bench stream");
        parameters.put("trigger_seconds", trigger.toMillis() / 1000.0);
        parameters.put("warmup_seconds", warmup.toSeconds());
        parameters.put("measured_seconds", duration.toSeconds());
        parameters.put("events_sent", sent.count);
        parameters.put(
                "achieved_rate_events_per_second",
                Math.round(sent.count / Math.max(0.001, (sent.endedMillis - sent.startedMillis) / 1000.0)));
        return parameters;
    }

    @SuppressWarnings("unchecked")
    private void print(
            PrintWriter out,
            List<Map<String, Object>> rows,
            Map<String, Object> parameters,
            Map<String, Object> extra,
            Duration trigger) {
        out.println("freshness benchmark: " + parameters.get("events_sent") + " events at "
                + parameters.get("rate_events_per_second") + " events/s, trigger "
                + Durations.render(trigger) + ", " + Durations.render(duration) + " measured after "
                + Durations.render(warmup) + " of warm-up, " + BenchResults.machine());
        List<List<String>> table = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            table.add(List.of(
                    row.get("percentile").toString(),
                    row.get("seconds") == null ? "-" : String.format("%.2f", (Double) row.get("seconds"))));
        }
        Output.table(out, List.of("send → visible in provisional", "seconds"), table);
        out.println("target: p99 ≤ trigger + 2 s = " + extra.get("target_p99_seconds") + " s: "
                + (Boolean.TRUE.equals(extra.get("p99_within_target")) ? "met" : "NOT met") + "; never visible: "
                + extra.get("events_never_visible"));
        out.println("micro-batch seconds (mean, max): raw " + extra.get("raw_batch_seconds") + ", provisional "
                + extra.get("provisional_batch_seconds"));
        BatchProfile.print(out, (Map<String, Map<String, Double>>) extra.get("where_the_time_goes_seconds_per_batch"));
        out.println("results: " + file);
        out.flush();
    }

    /** Sends at {@code eventsPerSecond}, in 10 ms steps, for the warm-up plus the measured duration. */
    private Sent send(EventProducer producer, SteadyEvents events, long eventsPerSecond, RunningStream stream)
            throws InterruptedException {
        long total = eventsPerSecond * (warmup.toSeconds() + duration.toSeconds());
        Sent sent = new Sent(Math.toIntExact(total));
        long startNanos = System.nanoTime();
        sent.startedMillis = System.currentTimeMillis();
        long lastReport = startNanos;
        while (sent.count < total) {
            long elapsedNanos = System.nanoTime() - startNanos;
            long due = Math.min(total, elapsedNanos * eventsPerSecond / 1_000_000_000L);
            while (sent.count < due) {
                long millis = System.currentTimeMillis();
                sent.millis[sent.count] = millis;
                sent.keys[sent.count] = events.send(producer, sent.count, millis);
                sent.count++;
            }
            if (System.nanoTime() - lastReport > 30_000_000_000L) {
                lastReport = System.nanoTime();
                progress("sent " + sent.count + " of " + total + "; the stream has counted "
                        + stream.inputRows(StreamJobNames.PROVISIONAL));
            }
            Thread.sleep(10);
        }
        producer.flush();
        sent.endedMillis = System.currentTimeMillis();
        return sent;
    }

    /**
     * For each sent event, the commit time of the first provisional version counting it, or
     * {@link Long#MAX_VALUE}: per key, the versions' event counts are read in order and the n-th
     * event of the key is visible once its key's count reaches n.
     */
    private static long[] visibility(Warehouse warehouse, SteadyEvents events, Sent sent) throws IOException {
        Path log = Path.of(warehouse.path(Tables.USAGE_AGGREGATES_PROVISIONAL)).resolve("_delta_log");
        TreeMap<Long, Long> commits = new TreeMap<>();
        try (Stream<Path> files = Files.list(log)) {
            for (Path file : files.filter(f -> f.getFileName().toString().matches("\\d{20}\\.json"))
                    .toList()) {
                commits.put(
                        Long.parseLong(file.getFileName().toString().substring(0, 20)),
                        Files.getLastModifiedTime(file).toMillis());
            }
        }
        Map<Integer, List<Integer>> eventsOfKey = new HashMap<>();
        for (int i = 0; i < sent.count; i++) {
            eventsOfKey.computeIfAbsent(sent.keys[i], k -> new ArrayList<>()).add(i);
        }
        long[] visibleAt = new long[sent.count];
        Arrays.fill(visibleAt, Long.MAX_VALUE);
        Map<Integer, Integer> visibleCount = new HashMap<>();
        Timestamp firstWindow = new Timestamp(events.windowStart(sent.startedMillis));
        for (Map.Entry<Long, Long> commit : commits.entrySet()) {
            if (commit.getValue() < sent.startedMillis) {
                continue;
            }
            for (Row row : warehouse
                    .readAsOf(Tables.USAGE_AGGREGATES_PROVISIONAL, commit.getKey())
                    .where(col(Columns.WINDOW_START).geq(lit(firstWindow)))
                    .select(
                            Columns.SUBSCRIPTION_ID,
                            Columns.ENTITLEMENT_ID,
                            Columns.METRIC,
                            Columns.WINDOW_START,
                            Columns.EVENT_COUNT)
                    .collectAsList()) {
                Integer key = events.keyOf(
                        row.getString(1),
                        row.getString(2),
                        row.getTimestamp(3).toInstant().toEpochMilli());
                List<Integer> ofKey = key == null ? null : eventsOfKey.get(key);
                if (ofKey == null) {
                    continue;
                }
                int counted = (int) Math.min(row.getLong(4), ofKey.size());
                for (int n = visibleCount.getOrDefault(key, 0); n < counted; n++) {
                    visibleAt[ofKey.get(n)] = commit.getValue();
                }
                visibleCount.merge(key, counted, Math::max);
            }
        }
        return visibleAt;
    }

    private static long percentile(long[] sorted, double quantile) {
        int index = (int) Math.ceil(quantile * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static List<Double> batchSeconds(List<StreamingQueryProgress> batches) {
        double[] seconds = batches.stream()
                .filter(p -> p.numInputRows() > 0)
                .mapToDouble(QueryProgressLog::triggerSeconds)
                .toArray();
        if (seconds.length == 0) {
            return List.of();
        }
        return List.of(
                Math.round(Arrays.stream(seconds).average().orElseThrow() * 100) / 100.0,
                Arrays.stream(seconds).max().orElseThrow());
    }

    /** Half the events/s of Meterlake's stream in the newest {@code stream-*.json} of the results directory. */
    private long halfOfLatestStreamThroughput() throws IOException {
        Optional<Path> latest;
        try (Stream<Path> files = Files.exists(resultsDir()) ? Files.list(resultsDir()) : Stream.empty()) {
            latest = files.filter(f -> f.getFileName().toString().matches("stream-\\d{4}-\\d\\d-\\d\\d\\.json"))
                    .max(Path::compareTo);
        }
        if (latest.isEmpty()) {
            throw BenchErrors.noStreamResults(resultsDir());
        }
        for (JsonNode row : JSON.readTree(latest.get().toFile()).path("results")) {
            if (row.path("pipeline").asText().startsWith("Meterlake stream")) {
                progress("rate: half of " + row.path("events_per_second").asLong() + " events/s in " + latest.get());
                return row.path("events_per_second").asLong() / 2;
            }
        }
        throw BenchErrors.noStreamRow(latest.get());
    }

    /** What was sent: per event, its send time and its provisional key. */
    private static final class Sent {
        final long[] millis;
        final int[] keys;
        int count;
        long startedMillis;
        long endedMillis;

        Sent(int capacity) {
            millis = new long[capacity];
            keys = new int[capacity];
        }
    }
}
