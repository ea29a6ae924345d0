package io.meterlake.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every configuration key Meterlake reads, with its code default.
 *
 * <p>Precedence, highest first: {@code --set key=value} (and {@code --warehouse}) &gt;
 * {@code --conf-file} files in the order given &gt; {@code conf/meterlake.properties} &gt; the
 * defaults here. A key that is not listed here is rejected wherever it appears.
 */
public final class ConfigKeys {
    /** Root of the Delta tables: a local directory or an {@code s3a://bucket/prefix} URI. */
    public static final String WAREHOUSE = "warehouse";
    /** The metric catalog; empty means {@code metrics.json} beside the defaults in use. */
    public static final String CATALOG_FILE = "catalog.file";
    /** How far in the future of its ingest time an event may lie before it is quarantined. */
    public static final String MAX_CLOCK_SKEW = "validation.max-clock-skew";
    /** How far in the past of its ingest time an event may lie before it is quarantined. */
    public static final String MAX_EVENT_AGE = "validation.max-event-age";
    /** Spark master for local runs; ignored under spark-submit, which sets its own. */
    public static final String SPARK_MASTER = "spark.master";
    /** {@code spark.sql.shuffle.partitions}: keep it near the number of cores. */
    public static final String SPARK_SHUFFLE_PARTITIONS = "spark.shuffle-partitions";

    /** Kafka bootstrap servers of the event topic. */
    public static final String KAFKA_BOOTSTRAP_SERVERS = "kafka.bootstrap-servers";
    /** The topic services send usage events to. */
    public static final String KAFKA_TOPIC = "kafka.topic";
    /** Partitions of the topic when Meterlake creates it. */
    public static final String KAFKA_PARTITIONS = "kafka.partitions";
    /** Where 'stack start' keeps the local services' data, logs and pid files. */
    public static final String STACK_DIR = "stack.dir";
    /** Port of the local broker's client listener (match kafka.bootstrap-servers). */
    public static final String STACK_KAFKA_PORT = "stack.kafka-port";
    /** Port of the local broker's KRaft controller listener. */
    public static final String STACK_KAFKA_CONTROLLER_PORT = "stack.kafka-controller-port";
    /** HTTP port of the local Trino server ('stack start --with-trino'). */
    public static final String STACK_TRINO_PORT = "stack.trino-port";
    /** HTTP port of the local tenant front door to Trino ('stack start --with-trino'). */
    public static final String STACK_TENANT_SQL_PORT = "stack.tenant-sql-port";
    /** Port of the local S3-compatible server ('stack start --with-s3'). */
    public static final String STACK_S3_PORT = "stack.s3-port";

    /** The S3 endpoint of s3a:// warehouses; empty means AWS (the region's default endpoint). */
    public static final String S3_ENDPOINT = "s3.endpoint";
    /** The S3 region; empty lets the client find it. */
    public static final String S3_REGION = "s3.region";
    /** Path-style requests (http://host/bucket/key), as S3-compatible servers need; false for AWS. */
    public static final String S3_PATH_STYLE_ACCESS = "s3.path-style-access";
    /**
     * Hadoop credential providers holding {@code fs.s3a.access.key} and {@code fs.s3a.secret.key}
     * (e.g. {@code jceks://hdfs/...}); empty means the AWS chain: environment, then instance role.
     */
    public static final String S3_CREDENTIAL_PROVIDERS = "s3.credential-providers";

    /** How often the stream starts a micro-batch. */
    public static final String STREAM_TRIGGER = "stream.trigger";
    /** How far behind the newest event time an event may arrive and still count provisionally. */
    public static final String STREAM_WATERMARK_DELAY = "stream.watermark-delay";
    /** Size of the provisional tumbling windows. */
    public static final String STREAM_WINDOW = "stream.window";
    /** Upper bound of Kafka records per micro-batch. */
    public static final String STREAM_MAX_OFFSETS_PER_TRIGGER = "stream.max-offsets-per-trigger";
    /** Checkpoint root of the streaming queries; empty means {@code <warehouse>/_checkpoints}. */
    public static final String STREAM_CHECKPOINT = "stream.checkpoint";

    /**
     * How long after a period's end late events may still arrive: 'publish' waits this long (and for
     * the stream's watermark to pass the period end) before it signs the period.
     */
    public static final String PUBLISH_GRACE = "publish.grace";

    /**
     * How far apart in event time two copies of one identity may lie and still be compared by the
     * recompute of a period (which reads the period and this much on either side); empty means
     * {@code validation.max-event-age + validation.max-clock-skew}.
     */
    public static final String DEDUP_HORIZON = "reconcile.dedup-horizon";

    /**
     * The key ids (from 'meterlake keys generate') that may approve a period, comma-separated; empty
     * means any key other than the one that published the revision (which is never allowed).
     */
    public static final String APPROVERS = "approval.approvers";

    /** Address the HTTP ingestion gateway listens on ('meterlake gateway'). */
    public static final String GATEWAY_HOST = "gateway.host";
    /** Port of the HTTP ingestion gateway. */
    public static final String GATEWAY_PORT = "gateway.port";
    /**
     * The gateway's tokens: one line per token, {@code <name> <sha256 of the token, hex> <source>[,<source>...]};
     * the tokens themselves are never stored.
     */
    public static final String GATEWAY_TOKENS_FILE = "gateway.tokens-file";
    /**
     * The usage API's read tokens, apart from the ingest tokens: one line per token, {@code <name> <sha256 hex>
     * <grant>[,<grant>...]}, a grant {@code tenant:<id>}, {@code account:<id>} or {@code finance} (everything).
     */
    public static final String GATEWAY_READ_TOKENS_FILE = "gateway.read-tokens-file";
    /** How long the gateway waits for the broker to acknowledge a request's events before answering 503. */
    public static final String GATEWAY_ACK_TIMEOUT = "gateway.ack-timeout";
    /** Requests the gateway works on at once; more are answered 429 (Retry-After). */
    public static final String GATEWAY_MAX_CONCURRENT_REQUESTS = "gateway.max-concurrent-requests";
    /** Of those, how many one token may hold; its next get 429, so one greedy or slow client cannot starve the rest. */
    public static final String GATEWAY_MAX_CONCURRENT_REQUESTS_PER_TOKEN = "gateway.max-concurrent-requests-per-token";
    /** How long a client may take to send a request's body; a slower one is answered 408 and its slot freed. */
    public static final String GATEWAY_BODY_TIMEOUT = "gateway.body-timeout";

    /**
     * Where limit notifications are delivered: one webhook endpoint per line, {@code <name> <billing account or *>
     * <url> <secret>}; owner-only, since it holds the signing secrets ({@code notifications endpoints add}).
     */
    public static final String NOTIFICATIONS_ENDPOINTS_FILE = "notifications.endpoints-file";
    /** Deliveries of one notification to one endpoint before it is dead-lettered. */
    public static final String NOTIFICATIONS_MAX_ATTEMPTS = "notifications.max-attempts";
    /** The wait before the first retry of a failed delivery; each next one waits twice as long (at most an hour). */
    public static final String NOTIFICATIONS_FIRST_RETRY = "notifications.first-retry";

    private static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put(WAREHOUSE, "./warehouse");
        defaults.put(CATALOG_FILE, "");
        defaults.put(MAX_CLOCK_SKEW, "PT5M");
        defaults.put(MAX_EVENT_AGE, "P90D");
        defaults.put(SPARK_MASTER, "local[*]");
        defaults.put(SPARK_SHUFFLE_PARTITIONS, "4");
        defaults.put(KAFKA_BOOTSTRAP_SERVERS, "127.0.0.1:19092");
        defaults.put(KAFKA_TOPIC, "usage-events");
        defaults.put(KAFKA_PARTITIONS, "3");
        defaults.put(STACK_DIR, "./.meterlake/stack");
        defaults.put(STACK_KAFKA_PORT, "19092");
        defaults.put(STACK_KAFKA_CONTROLLER_PORT, "19093");
        defaults.put(STACK_TRINO_PORT, "18080");
        defaults.put(STACK_TENANT_SQL_PORT, "18081");
        defaults.put(STACK_S3_PORT, "19000");
        defaults.put(S3_ENDPOINT, "http://127.0.0.1:19000");
        defaults.put(S3_REGION, "us-east-1");
        defaults.put(S3_PATH_STYLE_ACCESS, "true");
        defaults.put(S3_CREDENTIAL_PROVIDERS, "");
        defaults.put(STREAM_TRIGGER, "PT10S");
        defaults.put(STREAM_WATERMARK_DELAY, "PT1H");
        defaults.put(STREAM_WINDOW, "PT1H");
        defaults.put(STREAM_MAX_OFFSETS_PER_TRIGGER, "500000");
        defaults.put(STREAM_CHECKPOINT, "");
        defaults.put(PUBLISH_GRACE, "PT48H");
        defaults.put(DEDUP_HORIZON, "");
        defaults.put(APPROVERS, "");
        defaults.put(GATEWAY_HOST, "127.0.0.1");
        defaults.put(GATEWAY_PORT, "18090");
        defaults.put(GATEWAY_TOKENS_FILE, "./.meterlake/gateway-tokens");
        defaults.put(GATEWAY_READ_TOKENS_FILE, "./.meterlake/read-tokens");
        defaults.put(GATEWAY_ACK_TIMEOUT, "PT10S");
        defaults.put(GATEWAY_MAX_CONCURRENT_REQUESTS, "64");
        defaults.put(GATEWAY_MAX_CONCURRENT_REQUESTS_PER_TOKEN, "16");
        defaults.put(GATEWAY_BODY_TIMEOUT, "PT10S");
        defaults.put(NOTIFICATIONS_ENDPOINTS_FILE, "./.meterlake/webhook-endpoints");
        defaults.put(NOTIFICATIONS_MAX_ATTEMPTS, "10");
        defaults.put(NOTIFICATIONS_FIRST_RETRY, "PT5S");
        DEFAULTS = java.util.Collections.unmodifiableMap(defaults);
    }

    private ConfigKeys() {}

    /** Every key with its code default, in documentation order. */
    public static Map<String, String> defaults() {
        return DEFAULTS;
    }
}
