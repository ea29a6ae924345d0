package io.meterlake.config;

import io.meterlake.catalog.MetricCatalog;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * The resolved configuration of one run: immutable, validated once by {@link ConfigLoader}.
 *
 * @param warehouse       root of the Delta tables (local path or URI), without trailing slash
 * @param catalog         the metric catalog
 * @param maxClockSkew    events further than this after their ingest time are quarantined
 * @param maxEventAge     events further than this before their ingest time are quarantined
 * @param sparkMaster     Spark master for local runs
 * @param shufflePartitions {@code spark.sql.shuffle.partitions}
 * @param kafka           where usage events arrive
 * @param stack           the local services of {@code meterlake stack}
 * @param stream          the speed layer
 * @param publishGrace    how long after a period's end late events may still arrive before it is published
 * @param s3              how s3a:// warehouses are reached
 * @param dedupHorizon    how far apart in event time two copies of one identity are still compared
 *                        (the recompute of a period reads this much on either side of it)
 * @param approvers       the key ids that may approve a period; empty means any key but the publisher's
 * @param gateway         the HTTP ingestion gateway
 * @param notifications   where and how limit notifications are delivered
 */
public record MeterlakeConfig(
        String warehouse,
        MetricCatalog catalog,
        Duration maxClockSkew,
        Duration maxEventAge,
        String sparkMaster,
        int shufflePartitions,
        Kafka kafka,
        Stack stack,
        Stream stream,
        Duration publishGrace,
        S3 s3,
        Duration dedupHorizon,
        java.util.List<String> approvers,
        Gateway gateway,
        Notifications notifications)
        implements Serializable {

    /**
     * The delivery of limit notifications as webhooks ('meterlake notifications deliver').
     *
     * @param endpointsFile the endpoints and their secrets (see {@link ConfigKeys#NOTIFICATIONS_ENDPOINTS_FILE})
     * @param maxAttempts   deliveries of one notification to one endpoint before it is dead-lettered
     * @param firstRetry    the wait before the first retry; each next one waits twice as long, at most an hour
     */
    public record Notifications(String endpointsFile, int maxAttempts, Duration firstRetry) implements Serializable {}

    /**
     * The HTTP ingestion gateway ('meterlake gateway').
     *
     * @param tokensFile            token hashes and the sources each token may send (see {@link ConfigKeys#GATEWAY_TOKENS_FILE})
     * @param readTokensFile        token hashes and whose usage each token may read (see
     *                              {@link ConfigKeys#GATEWAY_READ_TOKENS_FILE})
     * @param ackTimeout            how long a request waits for the broker's acknowledgements before 503
     * @param maxConcurrentRequests requests worked on at once; more get 429
     * @param maxPerToken           of those, how many one token may hold; its next get 429
     * @param bodyTimeout           how long a client may take to send a body; a slower one gets 408
     */
    public record Gateway(
            String host,
            int port,
            String tokensFile,
            String readTokensFile,
            Duration ackTimeout,
            int maxConcurrentRequests,
            int maxPerToken,
            Duration bodyTimeout)
            implements Serializable {}

    /**
     * The speed layer's settings.
     *
     * @param checkpoint checkpoint root; empty means {@code <warehouse>/_checkpoints}
     */
    public record Stream(
            Duration trigger, Duration watermarkDelay, Duration window, int maxOffsetsPerTrigger, String checkpoint)
            implements Serializable {}

    /** The event topic and its brokers. */
    public record Kafka(String bootstrapServers, String topic, int partitions) implements Serializable {}

    /** The local services {@code meterlake stack start} runs, and where they keep their state. */
    public record Stack(
            String dir, int kafkaPort, int kafkaControllerPort, int trinoPort, int tenantSqlPort, int s3Port)
            implements Serializable {}

    /**
     * How s3a:// warehouses are reached. Credentials are never part of the configuration: they come
     * from {@code credentialProviders} (Hadoop credential stores) or the AWS chain (environment
     * variables, then the instance role).
     *
     * @param endpoint            http(s)://host[:port]; empty means AWS
     * @param region              the region; empty lets the client find it
     * @param pathStyleAccess     path-style requests, as S3-compatible servers need
     * @param credentialProviders {@code hadoop.security.credential.provider.path}; may be empty
     */
    public record S3(String endpoint, String region, boolean pathStyleAccess, String credentialProviders)
            implements Serializable {}

    public MeterlakeConfig {
        Objects.requireNonNull(warehouse, "warehouse");
        Objects.requireNonNull(catalog, "catalog");
        Objects.requireNonNull(maxClockSkew, "maxClockSkew");
        Objects.requireNonNull(maxEventAge, "maxEventAge");
        Objects.requireNonNull(sparkMaster, "sparkMaster");
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(stack, "stack");
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(publishGrace, "publishGrace");
        Objects.requireNonNull(s3, "s3");
        Objects.requireNonNull(dedupHorizon, "dedupHorizon");
        approvers = java.util.List.copyOf(approvers);
        Objects.requireNonNull(gateway, "gateway");
        Objects.requireNonNull(notifications, "notifications");
    }

    /** Where the streaming queries keep their checkpoints. */
    public String checkpointRoot() {
        return stream.checkpoint().isEmpty() ? warehouse + "/_checkpoints" : stream.checkpoint();
    }

    /** The same configuration with other Kafka settings. */
    public MeterlakeConfig withKafka(Kafka other) {
        return new MeterlakeConfig(
                warehouse,
                catalog,
                maxClockSkew,
                maxEventAge,
                sparkMaster,
                shufflePartitions,
                other,
                stack,
                stream,
                publishGrace,
                s3,
                dedupHorizon,
                approvers,
                gateway,
                notifications);
    }

    /** The same configuration over another warehouse root. */
    public MeterlakeConfig withWarehouse(String root) {
        return new MeterlakeConfig(
                root,
                catalog,
                maxClockSkew,
                maxEventAge,
                sparkMaster,
                shufflePartitions,
                kafka,
                stack,
                stream,
                publishGrace,
                s3,
                dedupHorizon,
                approvers,
                gateway,
                notifications);
    }

    /** The local directory of a warehouse location ({@code dir} or {@code file:dir}); empty for a URI (s3a://). */
    public static java.util.Optional<java.nio.file.Path> localDirectory(String warehouse) {
        return warehouse.contains("://")
                ? java.util.Optional.empty()
                : java.util.Optional.of(java.nio.file.Path.of(warehouse.replaceFirst("^file:", "")));
    }
}
