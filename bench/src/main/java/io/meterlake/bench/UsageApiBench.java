package io.meterlake.bench;

import io.meterlake.config.ConfigKeys;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.gateway.TokensFile;
import io.meterlake.model.Entitlement;
import io.meterlake.output.Output;
import io.meterlake.period.Period;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench usage-api}: the tenant usage API's latency at a steady request rate while the provisional table
 * gets a commit every few seconds (as the stream's sink gives it), against the same server's static route
 * ({@code /v1/openapi.json}, its floor) at the same rate in the same run.
 */
@Command(
        name = "usage-api",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Usage API latency: GET /v1/usage/... at a steady rate while the tables change, vs a static route.",
            "",
            "Builds the warehouse of 'bench reads' (--months signed periods of --lines lines, the last month's",
            "hourly windows of --subscriptions subscriptions), a read token per tenant (5 subscriptions each) and",
            "starts the gateway in a JVM of its own. Then --clients clients (a JVM of their own) send --rate",
            "requests/s in all, on a fixed schedule (latency counts from when a request was due), for --seconds / 3",
            "to warm up and --seconds measured: first GET /v1/openapi.json,",
            "then GET /v1/access (below) with the tables unchanged, then tenants' usage (half for the period: the",
            "signed lines; half per day: the stream's windows)",
            "while a writer (a JVM of its own, as the stream job is) appends an hour of windows to the provisional",
            "table every 2 s; then, the writer still writing, GET /v1/access (a hard limit per metric of the plan,",
            "every tenth subscription's own over it) at --access-rate requests/s. Prints p50, p99 and max per",
            "route and the usage p99 ÷ the static route's. Goals: usage p99 at most 50 ms, access p99 at most 10 ms."
        })
final class UsageApiBench extends Benchmark {
    @Mixin
    SignedHistory history;

    private static final Duration WRITE_EVERY = Duration.ofSeconds(2);

    @Option(
            names = "--rate",
            defaultValue = "200",
            paramLabel = "<n>",
            description = "Requests per second in all (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(
            names = "--access-rate",
            defaultValue = "500",
            paramLabel = "<n>",
            description = "Requests per second in all of GET /v1/access (default: ${DEFAULT-VALUE}).")
    int accessRate;

    @Option(
            names = "--clients",
            defaultValue = "16",
            paramLabel = "<n>",
            description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(
            names = "--seconds",
            defaultValue = "30",
            paramLabel = "<n>",
            description = "Seconds per route (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Override
    public Integer call() throws Exception {
        Path tokens = java.nio.file.Files.createTempDirectory("meterlake-bench-usage-api-tokens");
        try (BenchKafka kafka = BenchKafka.start(
                "usage-api",
                Map.of(
                        ConfigKeys.GATEWAY_PORT, "0",
                        ConfigKeys.GATEWAY_TOKENS_FILE,
                                tokens.resolve("gateway-tokens").toString(),
                        ConfigKeys.GATEWAY_READ_TOKENS_FILE,
                                tokens.resolve("read-tokens").toString()),
                this)) {
            return run(kafka.config);
        } finally {
            Benchmark.deleteTree(tokens);
        }
    }

    private int run(MeterlakeConfig config) throws Exception {
        Period last = history.last();
        List<String> tokens = build(config, last);
        Path ingest = Path.of(config.gateway().tokensFile());
        TokensFile.add(ingest, "unused", List.of("forge-functions"));
        Period period = last;
        // The gateway's month is the history's last (check access asks about the month now is in), whatever the date.
        try (GatewayProcess gateway =
                GatewayProcess.start(config, last.start().plus(Duration.ofDays(15)), ingest.getParent())) {
            String base = "http://127.0.0.1:" + gateway.port();
            IntFunction<String> openApi = i -> base + "/v1/openapi.json";
            IntFunction<String> usage = i -> {
                int subscription = i % history.subscriptions;
                return base + "/v1/usage/subscriptions/sub-" + subscription + "?period=" + period + "&window="
                        + (i % 2 == 0 ? "period" : "day") + " " + tokens.get(subscription / 5);
            };
            IntFunction<String> access = i -> {
                int subscription = i % history.subscriptions;
                return base + "/v1/access?subscription_id=sub-" + subscription + "&metric="
                        + SignedHistory.METRICS[i % SignedHistory.METRICS.length] + " " + tokens.get(subscription / 5);
            };
            Path work = ingest.getParent();
            progress(rate + " requests/s of GET /v1/openapi.json for " + seconds / 3 + " s (warming up) and " + seconds
                    + " s");
            long[] floor = load(openApi, rate, work);
            progress(accessRate + " requests/s of GET /v1/access for " + seconds / 3 + " s and " + seconds
                    + " s, the tables unchanged");
            long[] quiet = load(access, accessRate, work);
            // The writer is a JVM of its own, as the stream job is beside the gateway: its Spark and its garbage
            // collections are not the server's.
            WindowWriter writer = WindowWriter.start(config.warehouse(), period, history.subscriptions, WRITE_EVERY);
            long[] reads;
            long[] checks;
            try (writer) {
                progress(rate + " requests/s of GET /v1/usage/... for " + seconds / 3 + " s and " + seconds
                        + " s while the windows are written");
                reads = load(usage, rate, work);
                progress(accessRate + " requests/s of GET /v1/access for " + seconds / 3 + " s and " + seconds
                        + " s while the windows are written");
                checks = load(access, accessRate, work);
            }
            return report(floor, reads, quiet, checks, writer.commits());
        }
    }

    /** The warehouse of 'bench reads' with the limits, each tenant's read token (returned), Spark stopped. */
    private List<String> build(MeterlakeConfig config, Period last) {
        int subscribed = Math.max(history.subscriptions, history.lines / SignedHistory.METRICS.length);
        List<Entitlement> entitlements = new ArrayList<>();
        for (int s = 0; s < subscribed; s++) {
            entitlements.add(new Entitlement(
                    "ent-" + s,
                    "sub-" + s,
                    "acct-" + (s / 10),
                    "tenant-" + (s / 5),
                    "app-" + s,
                    "standard",
                    Instant.parse("2020-01-01T00:00:00Z"),
                    null));
        }
        progress("building " + history.months + " periods of " + history.lines + " lines and " + history.subscriptions
                + " subscriptions' hourly windows in " + config.warehouse());
        SparkSession spark = io.meterlake.spark.SparkSessions.getOrCreate(config, "meterlake-bench-usage-api");
        history.build(spark, config, last, entitlements);
        new io.meterlake.table.Warehouse(spark, config.warehouse())
                .replaceLimits(spark.createDataFrame(
                        limits(subscribed).stream()
                                .map(io.meterlake.schema.Rows::limit)
                                .toList(),
                        io.meterlake.schema.Tables.USAGE_LIMIT));
        spark.stop(); // the gateway reads without it, the writer is a JVM of its own: nothing of Spark runs beside
        List<String> tokens = new ArrayList<>();
        for (int tenant = 0; tenant < history.subscriptions / 5; tenant++) {
            tokens.add(TokensFile.add(
                    Path.of(config.gateway().readTokensFile()),
                    "tenant-" + tenant,
                    List.of("tenant:tenant-" + tenant)));
        }
        return tokens;
    }

    /**
     * The requests at {@code rate} per second from {@link #clients} clients in a JVM of their own: {@code seconds / 3}
     * to warm up, then {@code seconds} measured; the latencies of those.
     */
    private long[] load(IntFunction<String> requests, int rate, Path work) throws Exception {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < rate * seconds; i++) {
            all.add(requests.apply(i));
        }
        return LoadProcess.run(all, rate, seconds / 3, seconds, clients, work);
    }

    private int report(long[] floor, long[] reads, long[] quiet, long[] checks, int commits) {
        List<Map<String, Object>> rows = new ArrayList<>();
        rows.add(row("GET /v1/openapi.json (static)", floor));
        rows.add(row("GET /v1/usage/subscriptions/{id}", reads));
        rows.add(row("GET /v1/access", checks));
        rows.add(row("GET /v1/access, tables unchanged", quiet));
        double p99 = (Double) rows.get(1).get("p99_ms");
        double accessP99 = (Double) rows.get(2).get("p99_ms");
        double quietP99 = (Double) rows.get(3).get("p99_ms");
        Map<String, Object> parameters = history.parameters();
        parameters.put("rate", rate);
        parameters.put("access_rate", accessRate);
        parameters.put("clients", clients);
        parameters.put("seconds", seconds);
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("usage_p99_ms", p99);
        extra.put("target_usage_p99_ms", 50);
        extra.put("ratio_p99_to_static", p99 / (Double) rows.get(0).get("p99_ms"));
        extra.put("access_p99_ms", accessP99);
        extra.put("access_unchanged_tables_p99_ms", quietP99);
        extra.put("target_access_p99_ms", 10);
        extra.put("provisional_commits_while_reading", commits);
        PrintWriter out = spec.commandLine().getOut();
        if (!report(parameters, rows, extra, out)) {
            List<List<String>> table = new ArrayList<>();
            for (Map<String, Object> row : rows) {
                table.add(List.of(
                        row.get("route").toString(),
                        row.get("requests").toString(),
                        String.format("%.1f", (Double) row.get("p50_ms")),
                        String.format("%.1f", (Double) row.get("p99_ms")),
                        String.format("%.1f", (Double) row.get("max_ms"))));
            }
            out.println("usage API benchmark: " + rate + " requests/s from " + clients + " clients, " + history.months
                    + " periods of " + history.lines + " lines, " + BenchResults.machine());
            Output.table(out, List.of("route", "requests", "p50 ms", "p99 ms", "max ms"), table);
            out.printf(
                    "usage p99 %.1f ms (target 50), %.1f x the static route's; %d provisional commits meanwhile%n",
                    p99, extra.get("ratio_p99_to_static"), commits);
            out.printf(
                    "access p99 %.1f ms at %d requests/s while the windows are written, %.1f ms with the tables"
                            + " unchanged (target 10)%n",
                    accessP99, accessRate, quietP99);
            out.println("results: " + file);
            out.flush();
        }
        return 0;
    }

    /** A hard limit per metric for the plan, and every tenth subscription's own over it. */
    private static List<io.meterlake.limits.Limit> limits(int subscriptions) {
        List<io.meterlake.limits.Limit> limits = new ArrayList<>();
        Instant from = Instant.parse("2020-01-01T00:00:00Z");
        List<io.meterlake.limits.Threshold> thresholds =
                List.of(io.meterlake.limits.Threshold.parse("80%"), io.meterlake.limits.Threshold.parse("100%"));
        for (String metric : SignedHistory.METRICS) {
            limits.add(new io.meterlake.limits.Limit(
                    "standard-" + metric,
                    "standard",
                    null,
                    metric,
                    new java.math.BigDecimal("1000000.000000000"),
                    io.meterlake.limits.Limit.Enforcement.HARD,
                    thresholds,
                    from,
                    null));
            for (int s = 0; s < subscriptions; s += 10) {
                limits.add(new io.meterlake.limits.Limit(
                        "sub-" + s + "-" + metric,
                        null,
                        "sub-" + s,
                        metric,
                        new java.math.BigDecimal("500.000000000"),
                        io.meterlake.limits.Limit.Enforcement.SOFT,
                        thresholds,
                        from,
                        null));
            }
        }
        return limits;
    }

    private static Map<String, Object> row(String route, long[] latencies) {
        long[] sorted = latencies.clone();
        Arrays.sort(sorted);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("route", route);
        row.put("requests", sorted.length);
        row.put("p50_ms", percentileMillis(sorted, 0.50));
        row.put("p99_ms", percentileMillis(sorted, 0.99));
        row.put("max_ms", sorted[sorted.length - 1] / 1e6);
        return row;
    }
}
