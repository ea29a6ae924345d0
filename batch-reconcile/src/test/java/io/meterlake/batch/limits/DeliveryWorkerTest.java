package io.meterlake.batch.limits;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.limits.Limit;
import io.meterlake.limits.Notification;
import io.meterlake.limits.Threshold;
import io.meterlake.period.Period;
import io.meterlake.schema.Rows;
import io.meterlake.schema.Tables;
import io.meterlake.table.Warehouse;
import io.meterlake.testing.SparkTestBase;
import io.meterlake.webhooks.Delivery;
import io.meterlake.webhooks.WebhookBody;
import io.meterlake.webhooks.WebhookEndpoints;
import io.meterlake.webhooks.WebhookSignature;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The delivery worker against real HTTP receivers: each notification to the endpoints that take it, signed; a
 * receiver answering 503 gets the same id and body again after the backoff; one that does not answer is dead after
 * the budget; a requeue delivers again; an endpoint added later does not get what was decided before it.
 */
class DeliveryWorkerTest extends SparkTestBase {
    private static final Instant T0 = Instant.parse("2026-12-31T23:59:50Z");

    @TempDir
    Path dir;

    private final List<HttpServer> servers = new java.util.ArrayList<>();

    /** The one clock of the test, moved by hand: requests' timestamps and when retries are due. */
    private static final class HandClock extends Clock {
        private final AtomicReference<Instant> now = new AtomicReference<>(T0);

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        void advance(Duration by) {
            now.updateAndGet(t -> t.plus(by));
        }
    }

    /** A request a receiver got: its headers of interest and its body. */
    private record Received(String id, String timestamp, String signature, String body) {}

    private String receiver(List<Received> received, AtomicInteger status) throws java.io.IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Received(
                    exchange.getRequestHeaders().getFirst(WebhookSignature.ID),
                    exchange.getRequestHeaders().getFirst(WebhookSignature.TIMESTAMP),
                    exchange.getRequestHeaders().getFirst(WebhookSignature.SIGNATURE),
                    body));
            exchange.sendResponseHeaders(status.get(), -1);
            exchange.close();
        });
        server.start();
        servers.add(server);
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    @AfterEach
    void stop() {
        servers.forEach(server -> server.stop(0));
    }

    @Test
    void deliversSignedRetriesWithTheSameIdAndBodyAndDeadLettersAfterTheBudget() throws Exception {
        HandClock clock = new HandClock();
        Path endpoints = dir.resolve("endpoints");
        MeterlakeConfig config = ConfigLoader.load(
                        Optional.empty(),
                        List.of(),
                        Map.of(
                                "notifications.endpoints-file", endpoints.toString(),
                                "notifications.max-attempts", "3",
                                "notifications.first-retry", "PT2S"))
                .withWarehouse(dir.resolve("w").toString());
        Warehouse warehouse = new Warehouse(spark(), config.warehouse());
        List<Received> account = new CopyOnWriteArrayList<>();
        List<Received> all = new CopyOnWriteArrayList<>();
        AtomicInteger allStatus = new AtomicInteger(503);
        String accountSecret = WebhookEndpoints.add(
                endpoints, "acct-1-hook", "acct-1", receiver(account, new AtomicInteger(204)), T0.minusSeconds(60));
        String allSecret =
                WebhookEndpoints.add(endpoints, "everything", "*", receiver(all, allStatus), T0.minusSeconds(60));
        WebhookEndpoints.add(endpoints, "gone", "*", "http://127.0.0.1:9/hook", T0.minusSeconds(60));
        Notification n1 = notification("sub-1", "acct-1", "80%");
        Notification n2 = notification("sub-2", "acct-2", "100%");
        warehouse.notifier("test", Duration.ofSeconds(5)).close();
        warehouse.append(
                spark().createDataFrame(
                                List.of(Rows.notification(n1), Rows.notification(n2)),
                                io.meterlake.schema.NotificationSchemas.LIMIT_NOTIFICATION),
                Tables.LIMIT_NOTIFICATIONS);
        StringWriter log = new StringWriter();
        DeliveryWorker worker = new DeliveryWorker(warehouse, config, clock, new PrintWriter(log));

        DeliveryWorker.Round first = worker.round();
        assertThat(first.delivered()).isEqualTo(1);
        assertThat(first.failed())
                .as("everything (503) twice, gone (no answer) twice")
                .isEqualTo(4);
        assertThat(first.nextDue()).isEqualTo(T0.plusSeconds(2));
        assertThat(account).singleElement().satisfies(request -> {
            assertThat(request.id()).isEqualTo(n1.notificationId());
            assertThat(request.body()).isEqualTo(WebhookBody.of(n1));
            assertThat(WebhookSignature.problem(
                            accountSecret,
                            request.id(),
                            request.timestamp(),
                            request.signature(),
                            request.body(),
                            clock.instant()))
                    .isEmpty();
        });
        assertThat(worker.round().failed()).as("nothing due before the backoff").isZero();

        clock.advance(Duration.ofSeconds(2));
        allStatus.set(200);
        DeliveryWorker.Round second = worker.round();
        assertThat(second.delivered()).as("everything answers now").isEqualTo(2);
        assertThat(second.nextDue())
                .as("gone waits twice as long")
                .isEqualTo(clock.instant().plusSeconds(4));
        assertThat(all).hasSize(4);
        for (Notification n : List.of(n1, n2)) {
            List<Received> tries =
                    all.stream().filter(r -> r.id().equals(n.notificationId())).toList();
            assertThat(tries).hasSize(2).allSatisfy(r -> assertThat(r.body()).isEqualTo(WebhookBody.of(n)));
            assertThat(tries.get(0).timestamp()).isNotEqualTo(tries.get(1).timestamp());
            tries.forEach(r -> assertThat(WebhookSignature.problem(
                            allSecret, r.id(), r.timestamp(), r.signature(), r.body(), clock.instant()))
                    .isEmpty());
        }

        clock.advance(Duration.ofSeconds(4));
        DeliveryWorker.Round third = worker.round();
        assertThat(third.dead()).as("gone's third attempt spends the budget").isEqualTo(2);
        assertThat(third.pending()).isZero();
        assertThat(worker.round()).isEqualTo(new DeliveryWorker.Round(0, 0, 0, 0, null));
        assertThat(states(warehouse))
                .containsEntry(n1.notificationId() + " acct-1-hook", "delivered 1")
                .containsEntry(n1.notificationId() + " everything", "delivered 2")
                .containsEntry(n2.notificationId() + " gone", "dead 3")
                .doesNotContainKey(n2.notificationId() + " acct-1-hook");
        assertThat(log.toString()).contains("dead " + n2.notificationId()).doesNotContain("whsec_");
        assertThat(new String(worker.metrics().scrape(), StandardCharsets.UTF_8))
                .contains("meterlake_notifications_decided{kind=\"crossed\"} 2.0")
                .contains("meterlake_notification_deliveries_total{outcome=\"delivered\"} 3.0")
                .contains("meterlake_notification_deliveries_total{outcome=\"failed\"} 6.0")
                .contains("meterlake_notification_deliveries_total{outcome=\"dead\"} 2.0")
                .contains("meterlake_notifications_pending 0.0")
                .contains("meterlake_notification_delivery_lag_seconds_count 3")
                .doesNotContain("whsec_");

        // A requeue starts again; an endpoint added after the notifications were decided gets none of them.
        warehouse.appendDeliveries(spark().createDataFrame(
                        List.of(Rows.delivery(new Delivery(
                                n1.notificationId(),
                                "acct-1-hook",
                                0,
                                Delivery.Outcome.REQUEUED,
                                null,
                                "test",
                                clock.instant(),
                                null))),
                        io.meterlake.schema.NotificationSchemas.NOTIFICATION_DELIVERY));
        List<Received> late = new CopyOnWriteArrayList<>();
        WebhookEndpoints.add(endpoints, "late", "*", receiver(late, new AtomicInteger(200)), clock.instant());
        assertThat(worker.round().delivered()).isEqualTo(1);
        assertThat(account).hasSize(2).extracting(Received::body).containsOnly(WebhookBody.of(n1));
        assertThat(late).isEmpty();
    }

    private static Map<String, String> states(Warehouse warehouse) {
        Map<String, String> states = new java.util.TreeMap<>();
        Delivery.byPair(warehouse.reads().rows(Tables.NOTIFICATION_DELIVERIES).stream()
                        .map(Rows::delivery)
                        .toList())
                .values()
                .forEach(rows -> {
                    Delivery.State state = Delivery.state(
                            rows.get(0).notificationId(), rows.get(0).endpoint(), rows);
                    states.put(
                            state.notificationId() + " " + state.endpoint(),
                            state.status().text() + " " + state.attempts());
                });
        return states;
    }

    private static Notification notification(String subscription, String account, String threshold) {
        Threshold point = Threshold.parse(threshold);
        return new Notification(
                Notification.id(
                        subscription,
                        "functions.invocations",
                        Period.parse("2026-12"),
                        "l",
                        point,
                        Notification.Kind.CROSSED,
                        1),
                Notification.Kind.CROSSED,
                subscription,
                account,
                "functions.invocations",
                Period.parse("2026-12"),
                "l",
                point,
                point.of(new BigDecimal("1000")).setScale(9),
                new BigDecimal("1000").setScale(9),
                Limit.Enforcement.SOFT,
                1,
                new BigDecimal("1000").setScale(9),
                "provisional",
                T0.minusSeconds(5),
                "stream batch 7",
                T0.minusSeconds(5));
    }
}
