package io.meterlake.bench;

import com.sun.net.httpserver.HttpServer;
import io.meterlake.batch.limits.DeliveryWorker;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.limits.Limit;
import io.meterlake.limits.Notification;
import io.meterlake.limits.Threshold;
import io.meterlake.model.Entitlement;
import io.meterlake.output.Output;
import io.meterlake.schema.Rows;
import io.meterlake.schema.Tables;
import io.meterlake.spark.SparkSessions;
import io.meterlake.streaming.sink.StreamJobNames;
import io.meterlake.streaming.source.EventProducer;
import io.meterlake.table.Warehouse;
import io.meterlake.webhooks.WebhookEndpoints;
import io.meterlake.webhooks.WebhookSignature;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench notifications}: how long after the stream's batch that crossed a threshold commits its notification
 * reaches a real receiver. The stream runs as in production with a limit per plan whose thresholds lie every few
 * units, so the steady events cross some in most batches; the delivery worker runs beside it; a receiver (a real HTTP
 * server) verifies each request and notes when it arrived. Latency: arrival minus the commit time of the provisional
 * MERGE of the batch that decided the notification (its Delta commit file's time, found by the batch's transaction
 * id).
 */
@Command(
        name = "notifications",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Notification latency: the crossing batch's commit to a real receiver, p50/p95/max.",
            "",
            "The stream runs with limits whose thresholds its steady events keep crossing; 'notifications deliver'",
            "runs beside it; a receiver verifies every signature. Target: median <= 5 s."
        })
final class NotificationsBench extends Benchmark {
    private static final String METRIC = "functions.invocations";
    private static final Pattern TXN = Pattern.compile("\"txn\":\\{\"appId\":\"[^\"]*\",\"version\":(\\d+)");

    @Option(names = "--rate", defaultValue = "400", paramLabel = "<events/s>", description = "Events per second.")
    long rate;

    @Option(
            names = "--duration",
            defaultValue = "2m",
            paramLabel = "<duration>",
            description = "How long to send (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(
            names = "--step",
            defaultValue = "2",
            paramLabel = "<units>",
            description = "A threshold every this many invocations (default: ${DEFAULT-VALUE}).")
    int step;

    @Override
    public Integer call() throws Exception {
        Path work = Files.createTempDirectory("meterlake-bench-notifications");
        Path endpoints = work.resolve("endpoints");
        try (BenchKafka kafka =
                BenchKafka.start("notifications", Map.of("notifications.endpoints-file", endpoints.toString()), this)) {
            return run(kafka.config, kafka, endpoints);
        } finally {
            Benchmark.deleteTree(work);
        }
    }

    private int run(MeterlakeConfig config, BenchKafka kafka, Path endpoints) throws Exception {
        Instant now = Instant.now();
        List<Entitlement> entitlements = Benchmark.entitlements(config, now);
        SparkSession spark = SparkSessions.getOrCreate(config, "meterlake-bench-notifications");
        Warehouse warehouse = Benchmark.streamWarehouse(spark, config, entitlements);
        warehouse.replaceLimits(spark.createDataFrame(
                entitlements.stream()
                        .map(Entitlement::plan)
                        .distinct()
                        .map(this::limit)
                        .map(Rows::limit)
                        .toList(),
                Tables.USAGE_LIMIT));
        Map<String, Long> arrived = new ConcurrentHashMap<>();
        AtomicLong refused = new AtomicLong();
        java.util.concurrent.atomic.AtomicReference<String> secret =
                new java.util.concurrent.atomic.AtomicReference<>();
        HttpServer receiver = receiver(secret, arrived, refused);
        secret.set(WebhookEndpoints.add(
                endpoints,
                "bench",
                "*",
                "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook",
                now));
        SteadyEvents events = new SteadyEvents(entitlements, config, now, now.plus(Duration.ofDays(1)));
        DeliveryWorker worker =
                new DeliveryWorker(warehouse, config, Clock.systemUTC(), new PrintWriter(new StringWriter()));
        Thread delivering = new Thread(
                () -> {
                    try {
                        worker.run(false, Duration.ofMillis(200));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "notifications-deliver");
        progress("stream and delivery worker running; sending " + rate + " events/s for " + duration.toSeconds()
                + " s (" + METRIC + " thresholds every " + step + ")");
        long sent = 0;
        try (RunningStream stream = RunningStream.start(
                        spark,
                        config,
                        config.stream().trigger(),
                        spec.commandLine().getErr());
                EventProducer producer = EventProducer.open(kafka.bootstrapServers(), kafka.topic())) {
            delivering.start();
            long start = System.nanoTime();
            long total = rate * duration.toSeconds();
            while (sent < total) {
                long due = Math.min(total, (System.nanoTime() - start) * rate / 1_000_000_000L);
                for (; sent < due; sent++) {
                    events.send(producer, sent, System.currentTimeMillis());
                }
                Thread.sleep(10);
            }
            producer.flush();
            long count = sent;
            stream.awaitUntil(
                    () -> stream.inputRows(StreamJobNames.PROVISIONAL) >= count,
                    config.stream().trigger().multipliedBy(6).plusMinutes(2));
            stream.awaitUntil(
                    () -> worker.lastRound() != null && worker.lastRound().pending() == 0, Duration.ofMinutes(2));
        } finally {
            delivering.interrupt();
            delivering.join(Duration.ofMinutes(1).toMillis());
            receiver.stop(0);
        }
        return report(warehouse, config, arrived, refused.get(), sent);
    }

    /** A real receiver: verifies each request's signature, notes when each id first arrived, counts refusals. */
    private static HttpServer receiver(
            java.util.concurrent.atomic.AtomicReference<String> secret, Map<String, Long> arrived, AtomicLong refused)
            throws IOException {
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            long at = System.currentTimeMillis();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            var headers = exchange.getRequestHeaders();
            String id = headers.getFirst(WebhookSignature.ID);
            boolean valid = WebhookSignature.problem(
                            secret.get(),
                            id,
                            headers.getFirst(WebhookSignature.TIMESTAMP),
                            headers.getFirst(WebhookSignature.SIGNATURE),
                            body,
                            Instant.now())
                    .isEmpty();
            if (valid) {
                arrived.putIfAbsent(id, at);
            } else {
                refused.incrementAndGet();
            }
            exchange.sendResponseHeaders(valid ? 204 : 400, -1);
            exchange.close();
        });
        receiver.start();
        return receiver;
    }

    private Limit limit(String plan) {
        List<Threshold> thresholds = new ArrayList<>();
        for (int i = 1; i <= 400; i++) {
            thresholds.add(new Threshold(BigDecimal.valueOf((long) i * step).setScale(9), false));
        }
        return new Limit(
                "bench-" + plan,
                plan,
                null,
                METRIC,
                BigDecimal.valueOf(400L * step).setScale(9),
                Limit.Enforcement.SOFT,
                thresholds,
                Instant.parse("2020-01-01T00:00:00Z"),
                null);
    }

    private int report(Warehouse warehouse, MeterlakeConfig config, Map<String, Long> arrived, long refused, long sent)
            throws IOException {
        Map<Long, Long> commits = commitsByBatch(warehouse);
        List<Long> latencies = new ArrayList<>();
        List<Long> deciding = new ArrayList<>();
        List<Long> delivering = new ArrayList<>();
        long decided = 0;
        long undelivered = 0;
        for (var row : warehouse.reads().rows(Tables.LIMIT_NOTIFICATIONS)) {
            Notification n = Rows.notification(row);
            decided++;
            Long at = arrived.get(n.notificationId());
            Long committed = n.decidedBy().startsWith("stream batch ")
                    ? commits.get(Long.parseLong(n.decidedBy().substring("stream batch ".length())))
                    : null;
            if (at == null) {
                undelivered++;
            } else if (committed != null) {
                latencies.add(at - committed);
                deciding.add(n.decidedAt().toEpochMilli() - committed);
                delivering.add(at - n.decidedAt().toEpochMilli());
            }
        }
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (double q : new double[] {0.5, 0.95, 1.0}) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("percentile", q == 1.0 ? "max" : "p" + Math.round(q * 100));
            row.put(
                    "seconds",
                    sorted.length == 0 ? null : sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)] / 1e3);
            rows.add(row);
        }
        double median =
                sorted.length == 0 ? Double.NaN : sorted[Math.max(0, (int) Math.ceil(0.5 * sorted.length) - 1)] / 1e3;
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("rate_events_per_second", rate);
        parameters.put("events_sent", sent);
        parameters.put("trigger_seconds", config.stream().trigger().toMillis() / 1e3);
        parameters.put("threshold_step", step);
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("notifications_decided", decided);
        extra.put("notifications_measured", sorted.length);
        extra.put("notifications_undelivered", undelivered);
        extra.put("requests_refused_by_the_receiver", refused);
        // Where the time goes: the batch's MERGE to the decision (in the batch, before its append), then to the
        // receiver (the append, the worker's poll, its request).
        extra.put("median_seconds_merge_to_decided", median(deciding));
        extra.put("median_seconds_decided_to_receiver", median(delivering));
        extra.put("target_median_seconds", 5);
        extra.put("median_within_target", sorted.length > 0 && median <= 5 && undelivered == 0 && refused == 0);
        PrintWriter out = spec.commandLine().getOut();
        if (!report(parameters, rows, extra, out)) {
            out.println("notifications benchmark: " + sent + " events at " + rate + " events/s, " + decided
                    + " notifications decided by the stream, " + BenchResults.machine());
            Output.table(
                    out,
                    List.of("crossing batch committed → at the receiver", "seconds"),
                    rows.stream()
                            .map(r -> List.of(
                                    r.get("percentile").toString(),
                                    r.get("seconds") == null ? "-" : String.format("%.2f", (Double) r.get("seconds"))))
                            .toList());
            out.println("target: median ≤ 5 s: "
                    + (Boolean.TRUE.equals(extra.get("median_within_target")) ? "met" : "NOT met") + "; undelivered "
                    + undelivered + ", refused by the receiver " + refused + "; medians: MERGE committed → decided "
                    + extra.get("median_seconds_merge_to_decided") + " s, decided → receiver "
                    + extra.get("median_seconds_decided_to_receiver") + " s");
            out.println("results: " + file);
            out.flush();
        }
        return undelivered == 0 && refused == 0 && sorted.length > 0 ? 0 : 1;
    }

    private static Double median(List<Long> millis) {
        long[] sorted = millis.stream().mapToLong(Long::longValue).sorted().toArray();
        return sorted.length == 0 ? null : sorted[(sorted.length - 1) / 2] / 1e3;
    }

    /** Each provisional batch's MERGE commit time (its commit file's), by the batch id its transaction carries. */
    private static Map<Long, Long> commitsByBatch(Warehouse warehouse) throws IOException {
        Map<Long, Long> commits = new LinkedHashMap<>();
        Path log = Path.of(warehouse.path(Tables.USAGE_AGGREGATES_PROVISIONAL)).resolve("_delta_log");
        try (Stream<Path> files = Files.list(log)) {
            for (Path file : files.filter(f -> f.getFileName().toString().matches("\\d{20}\\.json"))
                    .toList()) {
                Matcher txn = TXN.matcher(Files.readString(file));
                if (txn.find()) {
                    commits.put(
                            Long.parseLong(txn.group(1)),
                            Files.getLastModifiedTime(file).toMillis());
                }
            }
        }
        return commits;
    }
}
