package io.meterlake.schema;

/**
 * Every column name Meterlake reads or writes. Code refers to columns only through these
 * constants.
 */
public final class Columns {
    // One record as a source delivers it, before parsing.
    /** The record's original text (UTF-8), kept byte for byte in raw and quarantine. */
    public static final String PAYLOAD = "payload";
    /** {@code file} or {@code kafka}: which position columns are set. */
    public static final String INGEST_KIND = "ingest_kind";
    public static final String SOURCE_FILE = "source_file";
    /** SHA-256 of the ingested file's bytes: a file's identity for idempotent re-ingestion. */
    public static final String FILE_SHA256 = "file_sha256";
    /** 1-based line of the record in its file. */
    public static final String LINE_NUMBER = "line_number";
    public static final String KAFKA_TOPIC = "kafka_topic";
    public static final String KAFKA_PARTITION = "kafka_partition";
    public static final String KAFKA_OFFSET = "kafka_offset";
    /** When Meterlake received the record; the reference for the clock-skew and age rules. */
    public static final String INGESTED_AT = "ingested_at";

    // The event contract, schema v1.
    public static final String SCHEMA_VERSION = "schema_version";
    public static final String EVENT_ID = "event_id";
    public static final String SOURCE = "source";
    public static final String TENANT_ID = "tenant_id";
    public static final String APP_ID = "app_id";
    public static final String METRIC = "metric";
    /** Quantity in the metric's canonical unit, {@code decimal(38,9)}. */
    public static final String QUANTITY = "quantity";
    /** The metric's canonical unit. */
    public static final String UNIT = "unit";
    /** Quantity exactly as the producer sent it (decimal text). */
    public static final String INPUT_QUANTITY = "input_quantity";
    /** Unit as the producer sent it. */
    public static final String INPUT_UNIT = "input_unit";
    /** When the usage happened, UTC. */
    public static final String EVENT_TIME = "event_time";
    /** UTC date of {@link #EVENT_TIME}; partition column of the raw table. */
    public static final String EVENT_DATE = "event_date";
    public static final String ATTRIBUTES = "attributes";
    /** SHA-256 of the payload bytes. */
    public static final String PAYLOAD_SHA256 = "payload_sha256";
    /**
     * SHA-256 of the event's normalized content (everything but its position): two records with
     * one dedup identity and different content hashes are a conflict.
     */
    public static final String CONTENT_SHA256 = "content_sha256";

    // Attribution (the entitlements table and its copy on each accepted event).
    public static final String ENTITLEMENT_ID = "entitlement_id";
    public static final String SUBSCRIPTION_ID = "subscription_id";
    public static final String BILLING_ACCOUNT_ID = "billing_account_id";
    public static final String PLAN = "plan";
    /** Inclusive start of an entitlement. */
    public static final String VALID_FROM = "valid_from";
    /** Exclusive end of an entitlement; null is open-ended. */
    public static final String VALID_TO = "valid_to";

    // Quarantine.
    /** A {@link io.meterlake.validation.ReasonCode} name; null while a record is still accepted. */
    public static final String REASON = "reason";
    /** Human explanation of the reason. */
    public static final String DETAIL = "detail";

    // Provisional aggregates.
    /** Inclusive start of an aggregation window, UTC. */
    public static final String WINDOW_START = "window_start";
    /** Exclusive end of an aggregation window, UTC. */
    public static final String WINDOW_END = "window_end";
    /** Distinct events (after deduplication) a quantity was computed from. */
    public static final String EVENT_COUNT = "event_count";
    /** Micro-batch that last changed a row. */
    public static final String UPDATED_BATCH_ID = "updated_batch_id";
    /** When a provisional row was last changed (processing time, informational). */
    public static final String UPDATED_AT = "updated_at";

    // Stream progress.
    /** Which streaming query: {@code raw} or {@code provisional}. */
    public static final String QUERY = "query";
    public static final String BATCH_ID = "batch_id";
    /** Event-time watermark in force for the batch (provisional query). */
    public static final String WATERMARK = "watermark";
    public static final String RECORDS_IN = "records_in";
    public static final String ACCEPTED = "accepted";
    public static final String QUARANTINED = "quarantined";
    /** Rows behind the watermark, dropped from the provisional path (they are in raw). */
    public static final String LATE_DROPPED = "late_dropped";
    public static final String ROWS_OUT = "rows_out";
    public static final String DURATION_MS = "duration_ms";
    public static final String MIN_EVENT_TIME = "min_event_time";
    public static final String MAX_EVENT_TIME = "max_event_time";
    public static final String RECORDED_AT = "recorded_at";

    // Working columns of the aggregation; never stored.
    public static final String WINDOW = "_window";
    public static final String SUM_QUANTITY = "_sum_quantity";
    public static final String MAX_QUANTITY = "_max_quantity";
    public static final String LATEST_QUANTITY = "_latest_quantity";

    // Working columns of the attribution stage; never stored.
    public static final String SEGMENT_START = "_segment_start";
    public static final String SEGMENT_END = "_segment_end";
    public static final String SEGMENT_TENANT_ID = "_segment_tenant_id";
    public static final String SEGMENT_APP_ID = "_segment_app_id";
    public static final String SEGMENT_MATCHES = "_segment_matches";
    public static final String SEGMENT_ENTITLEMENTS = "_segment_entitlements";
    public static final String SEGMENT_BOUNDARY = "_segment_boundary";
    public static final String PARSED = "_parsed";
    public static final String NEXT_REASON = "_next_reason";
    public static final String NEXT_DETAIL = "_next_detail";

    private Columns() {
    }
}
