package io.meterlake.cli;

import static io.meterlake.cli.BillingPeriodsCheck.json;
import static io.meterlake.cli.BillingPeriodsCheck.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Limit notifications end to end on real parts: a publish decides them, {@code notifications deliver} (a real
 * process) delivers them to real HTTP receivers that verify every request with Standard Webhooks' own library. The
 * worker is killed with SIGKILL while a receiver holds its first request, and restarted: the request comes again with
 * the same {@code webhook-id} and the same body. A receiver that is down at first gets every notification once it is
 * up; one that never is has them dead-lettered after the retry budget, and a redeliver queues one again. A tampered
 * body and an old timestamp are refused by the verification recipe.
 */
// Its in-process jobs (ingest, publish) set the test JVM's one Spark session's settings: not beside S3EndToEndIT's.
@org.junit.jupiter.api.parallel.ResourceLock(SharedStack.STREAM_IN_PROCESS)
class NotificationsIT {
    private static final Path LAUNCHER =
            Path.of("..", "bin", "meterlake").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private final List<HttpServer> servers = new ArrayList<>();
    private final List<Process> workers = new ArrayList<>();

    /** A request as a receiver got it, and what Standard Webhooks' library said of it. */
    private record Received(String id, String body, Map<String, List<String>> headers, String verification) {}

    @AfterEach
    void stop() {
        workers.forEach(Process::destroyForcibly);
        servers.forEach(server -> server.stop(0));
    }

    /** A receiver on {@code port} (0: any) verifying with {@code secret}; its first request waits for {@code hold}. */
    private int receiver(int port, String secret, List<Received> received, CountDownLatch hold) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            exchange.getRequestHeaders().forEach(headers::put);
            String verification = "verified";
            try {
                new Webhook(secret).verify(body, headers);
            } catch (WebhookVerificationException e) {
                verification = e.getMessage();
            }
            received.add(new Received(headers.get("webhook-id").get(0), body, headers, verification));
            try {
                hold.await(2, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        servers.add(server);
        return server.getAddress().getPort();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void deliversEachNotificationSignedThroughAKilledWorkerADownReceiverAndTheRetryBudget() throws Exception {
        String warehouse = dir.resolve("w").toString();
        Path conf = Files.writeString(
                dir.resolve("notifications.properties"),
                "notifications.endpoints-file=" + dir.resolve("endpoints") + "\n"
                        + "notifications.max-attempts=5\nnotifications.first-retry=PT1S\n");
        run(
                warehouse,
                0,
                "entitlements",
                "load",
                Files.writeString(
                                dir.resolve("e.csv"),
                                "entitlement_id,subscription_id,billing_account_id,tenant_id,app_id,plan,valid_from,valid_to\n"
                                        + "e-1,s-1,acct-1,t-1,app-1,standard,2026-01-01T00:00:00Z,\n"
                                        + "e-2,s-2,acct-2,t-2,app-1,standard,2026-01-01T00:00:00Z,\n")
                        .toString());
        run(
                warehouse,
                0,
                "limits",
                "load",
                Files.writeString(
                                dir.resolve("l.csv"),
                                String.join(",", io.meterlake.limits.Limits.HEADER) + "\n"
                                        + "std-calls,standard,,functions.invocations,100,hard,50%;100%,2026-01-01T00:00:00Z,\n"
                                        + "std-users,standard,,app.active_users,2,soft,,2026-01-01T00:00:00Z,\n"
                                        + "std-held,standard,,storage.held,1,soft,100%,2026-01-01T00:00:00Z,\n")
                        .toString());
        // s-1: 110 invocations (both thresholds of a hard limit), 2 distinct users (a distinct count), 2 GB-h
        // held (a time-weighted level, held 2 h); s-2: 70 invocations.
        String events = String.join(
                "\n",
                event("e0", "t-1", "functions.invocations", "count", "60", "2026-10-01T12:00:00Z", null),
                event("e1", "t-1", "functions.invocations", "count", "50", "2026-10-02T12:00:00Z", null),
                event("e2", "t-2", "functions.invocations", "count", "70", "2026-10-03T12:00:00Z", null),
                event("u0", "t-1", "app.active_users", "users", "1", "2026-10-04T12:00:00Z", "u1"),
                event("u1", "t-1", "app.active_users", "users", "1", "2026-10-04T13:00:00Z", "u2"),
                event("u2", "t-1", "app.active_users", "users", "1", "2026-10-04T14:00:00Z", "u1"),
                event("h0", "t-1", "storage.held", "GB", "1", "2026-10-05T00:00:00Z", null));
        run(
                warehouse,
                0,
                "events",
                "ingest",
                Files.writeString(dir.resolve("events.jsonl"), events + "\n").toString());
        Path key = dir.resolve("k.pem");
        run(
                warehouse,
                0,
                "keys",
                "generate",
                "--private-key-out",
                key.toString(),
                "--public-key-out",
                dir.resolve("k.pub.pem").toString());
        assertThat(publish(warehouse, key)).contains("5 limit notification(s) decided");
        JsonNode listed = json(run(warehouse, 0, "notifications", "list", "--format", "json"));
        List<String> ids = new ArrayList<>();
        listed.get("notifications")
                .forEach(n -> ids.add(n.get("notification_id").textValue()));
        assertThat(ids).hasSize(5).doesNotHaveDuplicates();

        // Receivers: acct-1's (holds its first request), a catch-all that is down at first, one never up.
        List<Received> account = new CopyOnWriteArrayList<>();
        List<Received> all = new CopyOnWriteArrayList<>();
        CountDownLatch hold = new CountDownLatch(1);
        int accountPort = freePort();
        int allPort = freePort();
        String accountSecret = endpoint("acct-1-hook", "--account", "acct-1", accountPort);
        String allSecret = endpoint("everything", "--all", null, allPort);
        endpoint("gone", "--all", null, freePort());
        receiver(accountPort, accountSecret, account, hold);

        Process first = worker("--poll", "PT0.2S");
        Awaitility.await("the first request").atMost(Duration.ofMinutes(2)).until(() -> !account.isEmpty());
        first.destroyForcibly(); // SIGKILL while the receiver holds the request
        first.waitFor();
        hold.countDown();
        assertThat(deliveries(warehouse))
                .as("nothing recorded by the killed worker")
                .isEmpty();

        Process second = worker("--poll", "PT0.2S", "--until-idle", "--metrics", "127.0.0.1:0");
        Awaitility.await("the catch-all's first failures")
                .atMost(Duration.ofMinutes(2))
                .until(() -> deliveries(warehouse).containsKey(ids.get(0) + " everything"));
        String metrics = metrics();
        assertThat(metrics)
                .contains("meterlake_notifications_decided{kind=\"crossed\"} 5.0")
                .containsPattern("meterlake_notification_deliveries_total\\{outcome=\"failed\"} [1-9]")
                .containsPattern("meterlake_notifications_pending [1-9]");
        receiver(allPort, allSecret, all, new CountDownLatch(0));
        assertThat(second.waitFor(2, TimeUnit.MINUTES))
                .as("the worker is idle once all is delivered or dead")
                .isTrue();
        assertThat(second.exitValue())
                .as(Files.readString(dir.resolve("worker.err")))
                .isZero();

        // acct-1's: its two notifications, the one it held twice, same id and body; every request verified.
        Set<String> accountIds = new TreeSet<>();
        account.forEach(r -> accountIds.add(r.id()));
        assertThat(accountIds).as("s-1's four").hasSize(4);
        assertThat(account.get(0).id()).isEqualTo(account.get(1).id());
        assertThat(account.get(0).body()).isEqualTo(account.get(1).body());
        assertThat(all).extracting(Received::id).containsExactlyInAnyOrderElementsOf(ids);
        for (List<Received> received : List.of(account, all)) {
            assertThat(received).extracting(Received::verification).containsOnly("verified");
            Map<String, Set<String>> bodies = new TreeMap<>();
            received.forEach(
                    r -> bodies.computeIfAbsent(r.id(), id -> new TreeSet<>()).add(r.body()));
            assertThat(bodies.values())
                    .as("one body per webhook-id")
                    .allSatisfy(b -> assertThat(b).hasSize(1));
        }
        Map<String, String> states = deliveries(warehouse);
        for (String id : ids) {
            assertThat(states).containsEntry(id + " everything", "delivered").containsEntry(id + " gone", "dead 5");
        }
        assertThat(states).containsEntry(account.get(0).id() + " acct-1-hook", "delivered");

        // The recipe refuses a tampered body and a timestamp older than its tolerance.
        Received sample = all.get(0);
        assertThatThrownBy(() ->
                        new Webhook(allSecret).verify(sample.body().replace("\"used\"", "\"usd\""), sample.headers()))
                .isInstanceOf(WebhookVerificationException.class);
        long old = java.time.Instant.now().minus(Duration.ofMinutes(10)).getEpochSecond();
        Map<String, List<String>> replayed = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        replayed.putAll(sample.headers());
        replayed.put("webhook-timestamp", List.of(Long.toString(old)));
        replayed.put("webhook-signature", List.of(new Webhook(allSecret).sign(sample.id(), old, sample.body())));
        assertThatThrownBy(() -> new Webhook(allSecret).verify(sample.body(), replayed))
                .hasMessageContaining("too old");

        // A dead one is queued again by hand.
        assertThat(run(
                                warehouse,
                                0,
                                "--conf-file",
                                conf.toString(),
                                "notifications",
                                "redeliver",
                                ids.get(0),
                                "--endpoint",
                                "gone")
                        .out())
                .contains("requeued " + ids.get(0) + " for gone");
        assertThat(deliveries(warehouse)).containsEntry(ids.get(0) + " gone", "pending");

        // A void brings s-1's invocations to 60, below the hard limit: the next revision resolves that crossing,
        // and it is delivered like the crossings (the endpoint that is never up removed first).
        run(warehouse, 0, "--conf-file", conf.toString(), "notifications", "endpoints", "remove", "gone");
        run(
                warehouse,
                0,
                "events",
                "ingest",
                Files.writeString(
                                dir.resolve("void.jsonl"),
                                event("e1", "t-1", "functions.invocations", "count", "50", "2026-10-02T12:00:00Z", null)
                                                .replace(
                                                        "\"event_id\":\"e1\"",
                                                        "\"event_id\":\"v1\",\"action\":\"void\",\"target_event_id\":\"e1\"")
                                        + "\n")
                        .toString());
        assertThat(publish(warehouse, key))
                .contains("published 2026-10 revision 2")
                .contains("1 limit notification(s) decided");
        List<JsonNode> decided = new ArrayList<>();
        json(run(warehouse, 0, "notifications", "list", "--format", "json"))
                .get("notifications")
                .forEach(decided::add);
        assertThat(decided).hasSize(6);
        JsonNode resolved = decided.stream()
                .filter(n -> !ids.contains(n.get("notification_id").textValue()))
                .findFirst()
                .orElseThrow();
        assertThat(resolved.get("kind").textValue()).isEqualTo("resolved");
        assertThat(resolved.get("subscription_id").textValue()).isEqualTo("s-1");
        assertThat(resolved.get("threshold").textValue()).isEqualTo("100%");
        assertThat(resolved.get("used").textValue()).isEqualTo("60.000000000");
        Process third = worker("--poll", "PT0.2S", "--until-idle");
        assertThat(third.waitFor(2, TimeUnit.MINUTES)).isTrue();
        String resolvedId = resolved.get("notification_id").textValue();
        for (List<Received> received : List.of(account, all)) {
            assertThat(received)
                    .filteredOn(r -> r.id().equals(resolvedId))
                    .singleElement()
                    .satisfies(r -> {
                        assertThat(r.verification()).isEqualTo("verified");
                        assertThat(r.body()).startsWith("{\"type\":\"usage.threshold.resolved\"");
                    });
        }
    }

    /** {@code periods publish --period 2026-10 --force}: what it printed. */
    private static String publish(String warehouse, Path key) {
        return run(
                        warehouse,
                        0,
                        "periods",
                        "publish",
                        "--period",
                        "2026-10",
                        "--signing-key",
                        key.toString(),
                        "--force")
                .out();
    }

    /** One event of tenant {@code tenant}'s app-1; {@code user}: its user_id attribute (a distinct count's). */
    private static String event(
            String id, String tenant, String metric, String unit, String quantity, String at, String user) {
        return "{\"schema_version\":1,\"event_id\":\"" + id + "\",\"source\":\"forge-functions\",\"tenant_id\":\""
                + tenant + "\",\"app_id\":\"app-1\",\"metric\":\"" + metric + "\",\"quantity\":\"" + quantity
                + "\",\"unit\":\"" + unit + "\",\"event_time\":\"" + at + "\""
                + (user == null ? "" : ",\"attributes\":{\"user_id\":\"" + user + "\"}") + "}";
    }

    /** The running worker's {@code GET /metrics}, at the address it printed. */
    private String metrics() throws Exception {
        return MetricsScrape.printedIn(dir.resolve("worker.err"));
    }

    /** {@code notifications endpoints add}; returns the secret it printed. */
    private String endpoint(String name, String scope, String account, int port) {
        List<String> args = new ArrayList<>(List.of(
                "--conf-file",
                dir.resolve("notifications.properties").toString(),
                "notifications",
                "endpoints",
                "add",
                name,
                scope));
        if (account != null) {
            args.add(account);
        }
        args.addAll(List.of("--url", "http://127.0.0.1:" + port + "/hook"));
        return run(dir.resolve("w").toString(), 0, args.toArray(String[]::new))
                .out()
                .strip();
    }

    /** {@code notifications deliveries --format json} as "id endpoint" → "status" (and the attempts of a dead one). */
    private Map<String, String> deliveries(String warehouse) {
        Map<String, String> states = new TreeMap<>();
        json(run(warehouse, 0, "notifications", "deliveries", "--format", "json"))
                .get("deliveries")
                .forEach(d -> states.put(
                        d.get("notification_id").textValue() + " "
                                + d.get("endpoint").textValue(),
                        d.get("status").textValue()
                                + (d.get("status").textValue().equals("dead")
                                        ? " " + d.get("attempts").intValue()
                                        : "")));
        return states;
    }

    /** {@code bin/meterlake notifications deliver}, a process of its own on the real clock. */
    private Process worker(String... options) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                LAUNCHER.toString(),
                "--warehouse",
                dir.resolve("w").toString(),
                "--conf-file",
                dir.resolve("notifications.properties").toString(),
                "--set",
                "spark.master=local[1]",
                "notifications",
                "deliver"));
        command.addAll(List.of(options));
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(dir.resolve("worker.out").toFile())
                .redirectError(dir.resolve("worker.err").toFile())
                .start();
        workers.add(process);
        return process;
    }
}
