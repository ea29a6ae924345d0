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
    COUNT,
    /**
     * Distinct values: the number of distinct values of one attribute ({@code property}) over the
     * period's events of a line, e.g. active users. Not the sum of its windows.
     */
    UNIQUE_COUNT
}
