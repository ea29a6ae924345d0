package io.meterlake.streaming.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meterlake.metrics.Exposition;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import java.util.OptionalLong;
import org.apache.spark.sql.streaming.SourceProgress;
import org.apache.spark.sql.streaming.StateOperatorProgress;
import org.apache.spark.sql.streaming.StreamingQueryProgress;

/**
 * What the stream's {@code GET /metrics} shows ({@code meterlake stream --metrics}), in Prometheus' text format:
 * batches, their duration and records per query, the events accepted, quarantined and left out of the windows as
 * late, the watermark, the records of the topic not read yet, and how fresh the provisional windows are
 * ({@link Freshness}): the instant through which the broker's records are in them, and its age.
 */
public final class StreamMetrics {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Exposition exposition = new Exposition();
    private final Freshness freshness = new Freshness();
    private final Counter batches = Counter.builder()
            .name("meterlake_stream_batches")
            .help("Micro-batches run, by query (raw: Kafka to raw and quarantine; provisional: the windows)")
            .labelNames("query")
            .register(exposition.registry());
    private final Counter records = Counter.builder()
            .name("meterlake_stream_records")
            .help("Records the micro-batches read, by query")
            .labelNames("query")
            .register(exposition.registry());
    private final Histogram duration = Histogram.builder()
            .name("meterlake_stream_batch_duration_seconds")
            .help("How long a micro-batch took, by query")
            .labelNames("query")
            .classicOnly()
            .classicUpperBounds(0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120)
            .register(exposition.registry());
    private final Counter accepted = Counter.builder()
            .name("meterlake_stream_events_accepted")
            .help("Records the raw query wrote to raw_usage_events")
            .register(exposition.registry());
    private final Counter quarantined = Counter.builder()
            .name("meterlake_stream_events_quarantined")
            .help("Records the raw query wrote to quarantined_events (the quarantine rate: this over records)")
            .register(exposition.registry());
    private final Counter late = Counter.builder()
            .name("meterlake_stream_events_late")
            .help("Events behind the watermark: in raw, left out of the provisional windows")
            .register(exposition.registry());
    private final Gauge watermark = Gauge.builder()
            .name("meterlake_stream_watermark_seconds")
            .help("The provisional query's watermark, in seconds since the epoch")
            .register(exposition.registry());
    private final Gauge lagRecords = Gauge.builder()
            .name("meterlake_stream_lag_records")
            .help("Records in the topic past what the latest raw batch read, when it started")
            .register(exposition.registry());
    private final Gauge visible = Gauge.builder()
            .name("meterlake_stream_visible_through_seconds")
            .help("Every record the broker had appended by this instant (seconds since the epoch) is in the windows")
            .register(exposition.registry());

    /** Metrics of a stream on {@code clock} (the age of the freshness is measured on it). */
    public StreamMetrics(Clock clock) {
        GaugeWithCallback.builder()
                .name("meterlake_stream_lag_seconds")
                .help("How far the provisional windows are behind: now minus meterlake_stream_visible_through_seconds")
                .callback(callback -> freshness
                        .visibleThrough()
                        .ifPresent(through ->
                                callback.call(Math.max(0, clock.millis() - through.toEpochMilli()) / 1000.0)))
                .register(exposition.registry());
    }

    public Exposition exposition() {
        return exposition;
    }

    /** The instant through which the broker's records are in the provisional windows (see {@link Freshness}). */
    public java.util.Optional<Instant> visibleThrough() {
        return freshness.visibleThrough();
    }

    /** What the raw sink wrote of one batch. */
    public void written(long acceptedRecords, long quarantinedRecords) {
        accepted.inc(acceptedRecords);
        quarantined.inc(quarantinedRecords);
    }

    /** One progress report of either query: a batch that ran, or a trigger that found nothing new. */
    public void progress(StreamingQueryProgress progress) {
        boolean ran = progress.durationMs().containsKey("addBatch");
        String query = StreamJobNames.PROVISIONAL.equals(progress.name()) ? "provisional" : "raw";
        Instant start = Instant.parse(progress.timestamp());
        if (ran) {
            batches.labelValues(query).inc();
            records.labelValues(query).inc(progress.numInputRows());
            duration.labelValues(query).observe(progress.batchDuration() / 1000.0);
        }
        if (query.equals("provisional")) {
            if (ran) {
                for (StateOperatorProgress operator : progress.stateOperators()) {
                    late.inc(operator.numRowsDroppedByWatermark());
                }
                freshness.provisional(start);
            }
            String mark = progress.eventTime().get("watermark");
            if (mark != null) {
                watermark.set(Instant.parse(mark).toEpochMilli() / 1000.0);
            }
        } else {
            OptionalLong behind = behind(progress.sources());
            behind.ifPresent(lagRecords::set);
            freshness.raw(
                    start,
                    start.plusMillis(ran ? progress.batchDuration() : 0),
                    ran && progress.numInputRows() > 0,
                    behind.orElse(0) == 0);
        }
        freshness.visibleThrough().ifPresent(through -> visible.set(through.toEpochMilli() / 1000.0));
    }

    /** Records in the topic past the batch's end offsets when it started, over its sources (see the other). */
    static OptionalLong behind(SourceProgress[] sources) {
        long total = 0;
        boolean known = false;
        for (SourceProgress source : sources) {
            OptionalLong behind = behind(source.latestOffset(), source.endOffset());
            if (behind.isPresent()) {
                total += behind.getAsLong();
                known = true;
            }
        }
        return known ? OptionalLong.of(total) : OptionalLong.empty();
    }

    /**
     * The latest offsets minus the end offsets, partition by partition, in Kafka's form of both
     * ({"topic":{"partition":offset}}); empty for a source whose offsets are not in that form (files) or
     * that reports no latest offsets.
     */
    static OptionalLong behind(String latestOffsets, String endOffsets) {
        if (latestOffsets == null || endOffsets == null) {
            return OptionalLong.empty();
        }
        long total = 0;
        boolean known = false;
        try {
            JsonNode latest = JSON.readTree(latestOffsets);
            JsonNode end = JSON.readTree(endOffsets);
            for (Iterator<String> topics = latest.fieldNames(); topics.hasNext(); ) {
                String topic = topics.next();
                for (Iterator<String> partitions = latest.get(topic).fieldNames(); partitions.hasNext(); ) {
                    String partition = partitions.next();
                    long read = end.path(topic).path(partition).asLong(0);
                    total += Math.max(0, latest.get(topic).get(partition).asLong() - read);
                    known = true;
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return OptionalLong.empty();
        }
        return known ? OptionalLong.of(total) : OptionalLong.empty();
    }
}
