package io.meterlake.catalog;

/**
 * How a metric's canonical quantities combine within a window or billing period; what each means is
 * its class behind {@link io.meterlake.pipeline.aggregation.MetricAggregation}.
 */
public enum Aggregation {
    /** Counters: invocations, compute seconds, bytes written. */
    SUM,
    /** Gauges: the highest level held during the window, e.g. storage. */
    MAX,
    /** Running totals reported by the producer: the value of the latest event. */
    LATEST,
    /** Occurrences: the number of events (calls, requests), whatever their quantities. */
    COUNT
}
