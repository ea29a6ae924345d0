package io.meterlake.gateway;

import io.meterlake.metrics.Exposition;
import io.meterlake.validation.ReasonCode;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * What {@code GET /metrics} shows, in Prometheus' text format: requests by status, events accepted
 * and rejected by reason code, events produced, the time from a request's first send to the broker's
 * last acknowledgement, and the requests in flight. Names carry no token and no tenant.
 */
public final class GatewayMetrics {
    private final Exposition exposition = new Exposition();
    private final PrometheusRegistry registry = exposition.registry();
    private final Counter requests = Counter.builder()
            .name("meterlake_gateway_requests")
            .help("HTTP requests to POST /v1/events, by the status answered")
            .labelNames("status")
            .register(registry);
    private final Counter accepted = Counter.builder()
            .name("meterlake_gateway_events_accepted")
            .help("Events of answered-202 requests that passed every stateless rule")
            .register(registry);
    private final Counter rejected = Counter.builder()
            .name("meterlake_gateway_events_rejected")
            .help(
                    "Events of answered-202 requests a rule rejected (produced all the same: the stream quarantines them)")
            .labelNames("reason")
            .register(registry);
    private final Counter produced = Counter.builder()
            .name("meterlake_gateway_events_produced")
            .help("Events the broker acknowledged")
            .register(registry);
    private final Histogram produceLatency = Histogram.builder()
            .name("meterlake_gateway_produce_latency_seconds")
            .help("From a request's first send to the broker's acknowledgement of its last event")
            .classicOnly()
            .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
            .register(registry);
    private final Gauge inFlight = Gauge.builder()
            .name("meterlake_gateway_requests_in_flight")
            .help("POST /v1/events requests being worked on")
            .register(registry);
    private final Counter usageRequests = Counter.builder()
            .name("meterlake_gateway_usage_requests")
            .help("HTTP requests to GET /v1/usage/..., by the status answered")
            .labelNames("status")
            .register(registry);
    private final Histogram usageLatency = Histogram.builder()
            .name("meterlake_gateway_usage_latency_seconds")
            .help("From a usage request's arrival to its answer (the tables read, the body made)")
            .classicOnly()
            .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
            .register(registry);

    void answered(int status) {
        requests.labelValues(Integer.toString(status)).inc();
    }

    void usageAnswered(int status, double seconds) {
        usageRequests.labelValues(Integer.toString(status)).inc();
        usageLatency.observe(seconds);
    }

    void accepted(long count) {
        accepted.inc(count);
    }

    void rejected(ReasonCode reason) {
        rejected.labelValues(reason.name()).inc();
    }

    void produced(long count, double seconds) {
        produced.inc(count);
        produceLatency.observe(seconds);
    }

    void started() {
        inFlight.inc();
    }

    void finished() {
        inFlight.dec();
    }

    public String contentType() {
        return exposition.contentType();
    }

    /** The exposition, as {@code GET /metrics} serves it. */
    public byte[] scrape() {
        return exposition.scrape();
    }
}
