package io.meterlake.batch.limits;

import io.meterlake.metrics.Exposition;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * What the delivery worker's {@code GET /metrics} shows, in Prometheus' text format: the notifications decided (the
 * outbox, by kind), the deliveries by outcome (delivered, failed and retried, dead), the pairs still pending and how
 * long the oldest has waited since it was decided, and the delivery lag (decided to delivered). No secret, no body.
 */
public final class DeliveryMetrics {
    private final Exposition exposition = new Exposition();
    private final PrometheusRegistry registry = exposition.registry();
    private final Gauge decided = Gauge.builder()
            .name("meterlake_notifications_decided")
            .help("Notifications in the outbox (limit_notifications), by kind")
            .labelNames("kind")
            .register(registry);
    private final Counter attempts = Counter.builder()
            .name("meterlake_notification_deliveries")
            .help("Delivery attempts by this worker, by outcome (failed ones are retried; dead ones are not)")
            .labelNames("outcome")
            .register(registry);
    private final Gauge pending = Gauge.builder()
            .name("meterlake_notifications_pending")
            .help("(notification, endpoint) pairs neither delivered nor dead")
            .register(registry);
    private final Gauge oldestPending = Gauge.builder()
            .name("meterlake_notifications_oldest_pending_seconds")
            .help("How long the oldest pending notification has waited since it was decided (0: none pending)")
            .register(registry);
    private final Histogram lag = Histogram.builder()
            .name("meterlake_notification_delivery_lag_seconds")
            .help("From a notification's decision to its delivery")
            .classicOnly()
            .classicUpperBounds(0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600)
            .register(registry);

    void decided(long crossed, long resolved) {
        decided.labelValues("crossed").set(crossed);
        decided.labelValues("resolved").set(resolved);
    }

    void attempted(String outcome, double lagSeconds) {
        attempts.labelValues(outcome).inc();
        if (outcome.equals("delivered")) {
            lag.observe(lagSeconds);
        }
    }

    void pending(long pairs, double oldestSeconds) {
        pending.set(pairs);
        oldestPending.set(oldestSeconds);
    }

    /** The exposition, as {@code GET /metrics} serves it. */
    public byte[] scrape() {
        return exposition.scrape();
    }

    /** The registry and its exposition, for {@code GET /metrics}. */
    public Exposition exposition() {
        return exposition;
    }
}
