package io.meterlake.batch.limits;

import io.meterlake.config.MeterlakeConfig;
import io.meterlake.limits.Notification;
import io.meterlake.schema.Rows;
import io.meterlake.schema.Tables;
import io.meterlake.table.DeltaReads;
import io.meterlake.table.Warehouse;
import io.meterlake.webhooks.Delivery;
import io.meterlake.webhooks.WebhookBody;
import io.meterlake.webhooks.WebhookEndpoints;
import io.meterlake.webhooks.WebhookSignature;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Delivers the outbox ({@code limit_notifications}) to the webhook endpoints ({@link WebhookEndpoints}) and records
 * each attempt in {@code notification_deliveries}: every notification to every endpoint that takes its billing
 * account, signed ({@link WebhookSignature}), the body a function of the notification alone ({@link WebhookBody}),
 * so a retry, or a delivery repeated after a crash, carries the same {@code webhook-id} and the same bytes. An attempt
 * is recorded after the endpoint answered: a worker killed in between delivers again on restart (receivers
 * deduplicate on {@code webhook-id}); a failed one is retried with exponential backoff, dead after the budget.
 */
public final class DeliveryWorker {
    private final Warehouse warehouse;
    private final MeterlakeConfig config;
    private final Clock clock;
    private final HttpClient http;
    private final PrintWriter log;
    private final DeliveryMetrics metrics = new DeliveryMetrics();
    private volatile Round lastRound;

    /** {@code clock}: each request's {@code webhook-timestamp} and when retries are due. */
    public DeliveryWorker(Warehouse warehouse, MeterlakeConfig config, Clock clock, PrintWriter log) {
        this.warehouse = warehouse;
        this.config = config;
        this.clock = clock;
        this.log = log;
        this.http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** The outbox as last read, at {@link #outboxVersion}: read again only when the table moved. */
    private Map<String, Notification> outbox = Map.of();

    private long outboxVersion = -2;
    /** The deliveries as last read plus this worker's own since, at {@link #deliveriesVersion}. */
    private Map<String, List<Delivery>> pairs = Map.of();

    private long deliveriesVersion = -2;

    /** The outbox's notifications, the first row of each id, oldest first. */
    private Map<String, Notification> outbox(DeltaReads reads) {
        long version = reads.version(Tables.LIMIT_NOTIFICATIONS).orElse(-1L);
        if (version != outboxVersion) {
            Map<String, Notification> read = new LinkedHashMap<>();
            reads.rows(Tables.LIMIT_NOTIFICATIONS).stream()
                    .map(Rows::notification)
                    .sorted(Comparator.comparing(Notification::decidedAt))
                    .forEach(n -> read.putIfAbsent(n.notificationId(), n));
            outbox = read;
            outboxVersion = version;
        }
        return outbox;
    }

    /** The deliveries per (notification, endpoint). */
    private Map<String, List<Delivery>> pairs(DeltaReads reads) {
        long version = reads.version(Tables.NOTIFICATION_DELIVERIES).orElse(-1L);
        if (version != deliveriesVersion) {
            pairs = Delivery.byPair(reads.rows(Tables.NOTIFICATION_DELIVERIES).stream()
                    .map(Rows::delivery)
                    .toList());
            deliveriesVersion = version;
        }
        return pairs;
    }

    /** What {@code GET /metrics} shows of this worker. */
    public DeliveryMetrics metrics() {
        return metrics;
    }

    /** What one round did and what is left. */
    public record Round(int delivered, int failed, int dead, int pending, Instant nextDue) {}

    /**
     * Delivers what is due now; returns the counts and when the next pending delivery is due (null when none is
     * pending). Each round reads the endpoints file, so an endpoint added or removed counts from the next round.
     */
    public Round round() {
        List<WebhookEndpoints.Endpoint> endpoints =
                WebhookEndpoints.read(Path.of(config.notifications().endpointsFile()));
        DeltaReads reads = warehouse.reads();
        Map<String, Notification> outbox = outbox(reads);
        Map<String, List<Delivery>> pairs = pairs(reads);
        metrics.decided(
                outbox.values().stream()
                        .filter(n -> n.kind() == Notification.Kind.CROSSED)
                        .count(),
                outbox.values().stream()
                        .filter(n -> n.kind() == Notification.Kind.RESOLVED)
                        .count());
        List<Delivery> attempts = new ArrayList<>();
        int pending = 0;
        Instant nextDue = null;
        Instant oldest = null;
        for (Notification notification : outbox.values()) {
            for (WebhookEndpoints.Endpoint endpoint : endpoints) {
                if (!endpoint.takes(notification)) {
                    continue;
                }
                Delivery.State state = Delivery.state(
                        notification.notificationId(),
                        endpoint.name(),
                        pairs.getOrDefault(notification.notificationId() + "\n" + endpoint.name(), List.of()));
                Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
                if (state.due(now)) {
                    Delivery attempt = send(notification, WebhookBody.of(notification), endpoint, state.attempts() + 1);
                    attempts.add(attempt);
                    metrics.attempted(
                            attempt.outcome().text(),
                            Duration.between(notification.decidedAt(), attempt.attemptedAt())
                                            .toMillis()
                                    / 1e3);
                    state = Delivery.state(notification.notificationId(), endpoint.name(), List.of(attempt));
                }
                if (state.status() == Delivery.Status.PENDING) {
                    pending++;
                    oldest = oldest == null || notification.decidedAt().isBefore(oldest)
                            ? notification.decidedAt()
                            : oldest;
                    nextDue = nextDue == null || state.nextAttemptAt().isBefore(nextDue)
                            ? state.nextAttemptAt()
                            : nextDue;
                }
            }
        }
        metrics.pending(
                pending,
                oldest == null
                        ? 0
                        : Math.max(0, Duration.between(oldest, clock.instant()).toMillis() / 1e3));
        if (!attempts.isEmpty()) {
            warehouse.appendDeliveries(warehouse
                    .spark()
                    .createDataFrame(
                            attempts.stream().map(Rows::delivery).toList(),
                            io.meterlake.schema.NotificationSchemas.NOTIFICATION_DELIVERY));
            // Our own commit need not be read back: the next round re-reads only if another writer came between.
            long now = warehouse.reads().version(Tables.NOTIFICATION_DELIVERIES).orElse(-1L);
            if (now == deliveriesVersion + 1) {
                attempts.forEach(attempt -> pairs.computeIfAbsent(
                                attempt.notificationId() + "\n" + attempt.endpoint(), k -> new ArrayList<>())
                        .add(attempt));
                deliveriesVersion = now;
            } else {
                deliveriesVersion = -2;
            }
        }
        return new Round(
                count(attempts, Delivery.Outcome.DELIVERED),
                count(attempts, Delivery.Outcome.FAILED),
                count(attempts, Delivery.Outcome.DEAD),
                pending,
                nextDue);
    }

    /**
     * Rounds until stopped ({@code untilIdle}: until nothing is pending, every notification delivered or dead),
     * one every {@code poll}; one worker per warehouse (a second is refused, naming the first, exit 75).
     */
    public void run(boolean untilIdle, Duration poll) throws InterruptedException {
        try (io.meterlake.table.Lease lease = warehouse
                .lease("notification-delivery", "notifications deliver", Clock.systemUTC())
                .keepRenewed()) {
            while (true) {
                Round round = round();
                lastRound = round;
                if (untilIdle && round.pending() == 0) {
                    return;
                }
                Thread.sleep(poll.toMillis());
            }
        }
    }

    /** What the latest round of {@link #run} did and left; null before the first. */
    public Round lastRound() {
        return lastRound;
    }

    private static int count(List<Delivery> attempts, Delivery.Outcome outcome) {
        return (int) attempts.stream().filter(a -> a.outcome() == outcome).count();
    }

    /** One signed POST of {@code body} to {@code endpoint}, and the row that records it. */
    private Delivery send(Notification notification, String body, WebhookEndpoints.Endpoint endpoint, int attempt) {
        Instant at = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        long timestamp = at.getEpochSecond();
        String id = notification.notificationId();
        HttpRequest request = HttpRequest.newBuilder(endpoint.url())
                .timeout(Duration.ofSeconds(10))
                .header("content-type", "application/json")
                .header("user-agent", "meterlake-notifications")
                .header(WebhookSignature.ID, id)
                .header(WebhookSignature.TIMESTAMP, Long.toString(timestamp))
                .header(WebhookSignature.SIGNATURE, WebhookSignature.sign(endpoint.secret(), id, timestamp, body))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        Integer status = null;
        String detail;
        try {
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            status = response.statusCode();
            detail = null;
        } catch (IOException e) {
            detail =
                    "no answer: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while delivering " + id, e);
        }
        Delivery row = Delivery.attempted(
                id,
                endpoint.name(),
                attempt,
                status,
                detail,
                at,
                config.notifications().maxAttempts(),
                config.notifications().firstRetry());
        log.println("notifications: " + row.outcome().text() + " " + id + " (" + WebhookBody.type(notification)
                + ", " + notification.subscriptionId() + " " + notification.metric() + " "
                + notification.threshold().text() + ") to " + endpoint.name() + ", attempt " + attempt
                + (status != null ? ", HTTP " + status : ", " + detail)
                + (row.nextAttemptAt() != null ? ", again at " + row.nextAttemptAt() : ""));
        log.flush();
        return row;
    }
}
