package io.meterlake.catalog;

/**
 * How a metric's canonical quantities combine within a window or billing period; what each means is
 * its class behind {@code io.meterlake.pipeline.aggregation.MetricAggregation} (module stages).
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
    UNIQUE_COUNT,
    /**
     * Burstable: the period cut into buckets ({@code bucket}, e.g. 5 minutes) from its start, each the
     * sum of its events (an empty one 0); of the N bucket sums, the k = floor(N × (100 − percentile) / 100)
     * highest are dropped and the next is billed (95th percentile bandwidth).
     */
    PERCENTILE,
    /**
     * Levels held over time (GB-hours): each event is an absolute level of a series (tenant, app, metric,
     * the {@code series_by} attributes) that holds until the series' next sample or {@code max_hold},
     * whichever is first; the line bills the integral over the period per {@code time_unit}. Not the sum
     * of its windows.
     */
    TIME_WEIGHTED
}
