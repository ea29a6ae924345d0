package io.meterlake.bench;

import io.meterlake.config.ConfigKeys;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.gateway.Gateway;
import io.meterlake.gateway.Tokens;
import io.meterlake.output.Output;
import io.meterlake.streaming.source.EventProducer;
import io.meterlake.workload.WorkloadGenerator;
import io.meterlake.workload.WorkloadSpec;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench gateway}: events per second through the HTTP gateway (real HTTP over keep-alive
 * connections, batches of 100 NDJSON events, the broker on this machine), against the raw producer
 * ({@code produce}'s path: the same events straight into Kafka) in the same run.
 */
@Command(
        name = "gateway",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "HTTP gateway throughput: POST /v1/events in batches vs the raw Kafka producer.",
            "",
            "Generates --events valid events, sends them straight to a local topic with the producer 'produce' uses,",
            "then through the gateway (in this JVM, its own port): --connections clients each POST batches of",
            "--batch events as NDJSON over one keep-alive HTTP/1.1 connection, and wait for the 202 (the broker's",
            "acknowledgement of every event). Prints events/s, request latency p50/p99 and gateway ÷ raw producer."
        })
final class GatewayBench extends Benchmark {
    private static final int WARMUP_REQUESTS = 1_000;

    @Option(
            names = "--events",
            defaultValue = "1000000",
            paramLabel = "<n>",
            description = "Events to send each way (default: ${DEFAULT-VALUE}).")
    int events;

    @Option(
            names = "--batch",
            defaultValue = "100",
            paramLabel = "<n>",
            description = "Events per request (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--connections",
            defaultValue = "16",
            paramLabel = "<n>",
            description = "Concurrent clients, one keep-alive connection each (default: ${DEFAULT-VALUE}).")
    int connections;

    @Override
    public Integer call() throws Exception {
        try (BenchKafka kafka = BenchKafka.start("gateway", Map.of(ConfigKeys.GATEWAY_PORT, "0"), this)) {
            return run(kafka.config, kafka.work);
        }
    }

    private int run(MeterlakeConfig config, Path work) throws Exception {
        Instant now = Instant.now();
        WorkloadSpec workload = new WorkloadSpec(
                events,
                42,
                20,
                WorkloadGenerator.defaultStart(now),
                WorkloadGenerator.defaultDays(now),
                0.05,
                0.0,
                0.0,
                0.0);
        List<String> lines = new ArrayList<>(events);
        new WorkloadGenerator(workload, config, now).generate(lines::add);
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < lines.size(); i += batch) {
            bodies.add((String.join("\n", lines.subList(i, Math.min(lines.size(), i + batch))) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        String bootstrap = config.kafka().bootstrapServers();

        Duration raw;
        try (EventProducer producer =
                EventProducer.open(bootstrap, config.kafka().topic())) {
            // Warm as the gateway will be: the first requests' worth of events once more, untimed.
            progress("raw producer: warming up");
            lines.subList(0, Math.min(lines.size(), WARMUP_REQUESTS * batch)).forEach(producer::send);
            producer.flush();
            progress("raw producer: " + lines.size() + " events straight into Kafka");
            long rawStarted = System.nanoTime();
            lines.forEach(producer::send);
            producer.flush();
            raw = Duration.ofNanos(System.nanoTime() - rawStarted);
        }

        String token = UUID.randomUUID().toString();
        Path tokens = work.resolve("gateway-tokens");
        io.meterlake.signing.PrivateFiles.write(
                tokens,
                "bench " + Tokens.sha256(token) + " forge-functions,forge-kvs,forge-logs,"
                        + "forge-storage,forge-app,forge-network\n");
        PrintWriter log = new PrintWriter(spec.commandLine().getErr(), true);
        try (Gateway gateway = Gateway.start(config, Tokens.read(tokens), Clock.systemUTC(), log)) {
            URI uri = URI.create("http://" + config.gateway().host() + ":" + gateway.port() + "/v1/events");
            HttpClient http =
                    HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            // The JIT compiles the parser and the HTTP paths first: the same events once more, untimed.
            int warmup = Math.min(bodies.size(), WARMUP_REQUESTS);
            progress("warming up: " + warmup + " requests");
            send(http, uri, token, bodies.subList(0, warmup), new long[bodies.size()]);
            progress("gateway: " + bodies.size() + " requests of " + batch + " events over " + connections
                    + " keep-alive connections");
            long[] latencies = new long[bodies.size()];
            long started = System.nanoTime();
            int refused = send(http, uri, token, bodies, latencies);
            Duration through = Duration.ofNanos(System.nanoTime() - started);
            if (refused > 0) {
                throw new IllegalStateException(refused + " requests were not answered 202");
            }
            return report(config, lines.size(), raw, through, latencies);
        }
    }

    /** Sends every body with {@link #connections} clients; returns how many were not answered 202. */
    private int send(HttpClient http, URI uri, String token, List<byte[]> bodies, long[] latencies) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(connections);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                running.add(clients.submit(() -> {
                    for (int i = next.getAndIncrement(); i < bodies.size(); i = next.getAndIncrement()) {
                        HttpRequest request = HttpRequest.newBuilder(uri)
                                .header("Authorization", "Bearer " + token)
                                .header("Content-Type", "application/x-ndjson")
                                .POST(HttpRequest.BodyPublishers.ofByteArray(bodies.get(i)))
                                .build();
                        long sent = System.nanoTime();
                        HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
                        latencies[i] = System.nanoTime() - sent;
                        if (response.statusCode() != 202) {
                            refused.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> client : running) {
                client.get();
            }
        } finally {
            clients.shutdown();
        }
        return refused.get();
    }

    private int report(MeterlakeConfig config, int count, Duration raw, Duration through, long[] latencies) {
        long[] sorted = latencies.clone();
        Arrays.sort(sorted);
        double p50 = percentileMillis(sorted, 0.50);
        double p99 = percentileMillis(sorted, 0.99);
        long rawRate = Math.round(count / seconds(raw));
        long gatewayRate = Math.round(count / seconds(through));
        double ratio = ratio(raw, through);
        List<Map<String, Object>> rows = new ArrayList<>();
        rows.add(row("raw producer (produce)", count, raw, rawRate, null, null));
        rows.add(row("HTTP gateway, batches of " + batch, count, through, gatewayRate, p50, p99));
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("events", count);
        parameters.put("batch", batch);
        parameters.put("connections", connections);
        parameters.put("max_concurrent_requests", config.gateway().maxConcurrentRequests());
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("gateway_events_per_second", gatewayRate);
        extra.put("ratio_gateway_to_raw_producer", ratio);
        extra.put("target_events_per_second", 50_000);
        extra.put("target_ratio_to_raw_producer", 0.4);
        PrintWriter out = spec.commandLine().getOut();
        if (!report(parameters, rows, extra, out)) {
            List<List<String>> table = new ArrayList<>();
            for (Map<String, Object> row : rows) {
                table.add(List.of(
                        row.get("path").toString(),
                        row.get("events").toString(),
                        String.format("%.1f", (Double) row.get("seconds")),
                        row.get("events_per_second").toString(),
                        row.get("p50_ms") == null ? "-" : String.format("%.1f", (Double) row.get("p50_ms")),
                        row.get("p99_ms") == null ? "-" : String.format("%.1f", (Double) row.get("p99_ms"))));
            }
            out.println("gateway benchmark: " + count + " events each way, " + BenchResults.machine());
            Output.table(out, List.of("path", "events", "seconds", "events/s", "p50 ms", "p99 ms"), table);
            out.printf(
                    "gateway ÷ raw producer: %.2f (target 0.4); gateway: %d events/s (target 50,000)%n",
                    ratio, gatewayRate);
            out.println("results: " + file);
            out.flush();
        }
        return 0;
    }

    private static Map<String, Object> row(
            String path, long events, Duration elapsed, long rate, Double p50, Double p99) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("path", path);
        row.put("events", events);
        row.put("seconds", seconds(elapsed));
        row.put("events_per_second", rate);
        row.put("p50_ms", p50);
        row.put("p99_ms", p99);
        return row;
    }
}
