package io.meterlake.schema;

/**
 * Every column name Meterlake reads or writes. Code refers to columns only through these
 * constants.
 */
public final class Columns {
    // One record as a source delivers it, before parsing.
    /** The record's original text (UTF-8), kept byte for byte in raw and quarantine. */
    public static final String PAYLOAD = "payload";
    /**
     * A record's bytes as received: the pipeline's input. Quarantine keeps them when they are not
     * exactly {@link #PAYLOAD}'s UTF-8 (an INVALID_ENCODING record), so nothing received is lost.
     */
    public static final String PAYLOAD_BYTES = "payload_bytes";
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
    /**
     * {@link #EVENT_TIME} as a {@code TIMESTAMP_NTZ} holding the UTC wall time: Trino's Delta reader
     * cuts {@code TIMESTAMP} columns to milliseconds but reads these with all six fraction digits.
     */
    public static final String EVENT_TIME_UTC = "event_time_utc";
    /** {@link #INGESTED_AT} as a {@code TIMESTAMP_NTZ} holding the UTC wall time (see {@link #EVENT_TIME_UTC}). */
    public static final String INGESTED_AT_UTC = "ingested_at_utc";
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
    // (In billing_periods and billing_period_lines, content_sha256 is the SHA-256 of the period's
    // canonical rendering, the bytes the signature covers.)

    // Attribution (the entitlements table and its copy on each accepted event).
    public static final String ENTITLEMENT_ID = "entitlement_id";
    public static final String SUBSCRIPTION_ID = "subscription_id";
    public static final String BILLING_ACCOUNT_ID = "billing_account_id";
    public static final String PLAN = "plan";
    /** A limit's name ({@code usage_limits}). */
    public static final String LIMIT_ID = "limit_id";
    /** A limit's allowance in its metric's canonical unit ({@code limit} is a word SQL reserves). */
    public static final String LIMIT_AMOUNT = "limit_amount";
    /** {@code soft} or {@code hard}. */
    public static final String ENFORCEMENT = "enforcement";
    /** A limit's thresholds, {@code ;}-separated: {@code 50%;80%;100%}. */
    public static final String THRESHOLDS = "thresholds";
    // Limit notifications (limit_notifications, the outbox of io.meterlake.limits.Notification).
    /** A notification's id, the webhook's {@code webhook-id}. */
    public static final String NOTIFICATION_ID = "notification_id";
    /** {@code crossed} or {@code resolved}. */
    public static final String KIND = "kind";
    /** One threshold of a limit as the limit gives it: {@code 80%} or an amount. */
    public static final String THRESHOLD = "threshold";
    /** The amount a threshold stands for, in the metric's canonical unit. */
    public static final String THRESHOLD_AMOUNT = "threshold_amount";
    /** Which crossing of the threshold in the period, from 1. */
    public static final String ORDINAL = "ordinal";
    /** The usage a notification was decided on. */
    public static final String USED = "used";
    /** Where that usage comes from: {@code provisional}, {@code published}, {@code final}. */
    public static final String USAGE_SOURCE = "usage_source";
    /** How fresh a provisional usage is: the stream's mark ({@code VisibleThrough}) it was read with. */
    public static final String AS_OF = "as_of";
    /** The step that decided: {@code stream batch 12}, {@code publish of 2026-11}. */
    public static final String DECIDED_BY = "decided_by";
    /** The deciding step's clock. */
    public static final String DECIDED_AT = "decided_at";
    // Deliveries of limit notifications (notification_deliveries).
    /** The webhook endpoint's name. */
    public static final String ENDPOINT = "endpoint";
    /** Which delivery of the notification to the endpoint, from 1 (0 for a requeue). */
    public static final String ATTEMPT = "attempt";
    /** The HTTP status the endpoint answered; null when it did not answer. */
    public static final String HTTP_STATUS = "http_status";

    public static final String ATTEMPTED_AT = "attempted_at";
    /** When a failed delivery is tried again; null when it is not. */
    public static final String NEXT_ATTEMPT_AT = "next_attempt_at";
    /** Inclusive start of an entitlement. */
    public static final String VALID_FROM = "valid_from";
    /** Exclusive end of an entitlement; null is open-ended. */
    public static final String VALID_TO = "valid_to";

    // Quarantine.
    /** A {@link io.meterlake.validation.ReasonCode} name; null while a record is still accepted. */
    public static final String REASON = "reason";
    /** Human explanation of the reason. */
    public static final String DETAIL = "detail";

    // Quarantine replay (quarantine_resolutions, and the lineage of a replayed raw row).
    /**
     * A received record's position as one string, {@code file:<file_sha256>:<line>} or
     * {@code kafka:<topic>:<partition>:<offset>}: the id of its quarantine row (see
     * {@link io.meterlake.pipeline.RecordPosition}).
     */
    public static final String QUARANTINE_ID = "quarantine_id";
    /** In raw: the {@link #QUARANTINE_ID} a replay accepted this row from; null for a row accepted on receipt. */
    public static final String REPLAYED_FROM = "replayed_from";
    /** The replay run that wrote a raw row or a resolution, {@code replay-<n>}. */
    public static final String REPLAY_RUN_ID = "replay_run_id";
    /** What a replay did with a quarantined record: {@code ACCEPTED} (now in raw) or {@code STILL_QUARANTINED}. */
    public static final String OUTCOME = "outcome";
    /** The reason a record was quarantined with on receipt. */
    public static final String ORIGINAL_REASON = "original_reason";
    /** When a replay run decided (its clock). */
    public static final String RESOLVED_AT = "resolved_at";

    // Corrections (an event that voids or amends an earlier one of its source).
    /** In raw: {@code void} or {@code amend} for a correction; null for a usage event. */
    public static final String ACTION = "action";
    /** In raw: the event_id (same source) a correction voids or amends; null for a usage event. */
    public static final String TARGET_EVENT_ID = "target_event_id";

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
    /** {@link #QUERY} of the raw query's rows. */
    public static final String RAW_QUERY = "raw";
    /** {@link #QUERY} of the provisional query's rows (they carry the watermark). */
    public static final String PROVISIONAL_QUERY = "provisional";

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

    // The batch layer: authoritative aggregates, reconciliation, billing periods.
    /** A billing period, {@code YYYY-MM} or {@code YYYY-MM-DD} (see {@link io.meterlake.period.Period}). */
    public static final String PERIOD = "period";
    /**
     * One reconcile run: its period and the versions of the tables it read, e.g.
     * {@code 2026-10/raw-v17/provisional-v12/progress-v30} (tables that do not exist are left out).
     */
    public static final String RUN_ID = "run_id";
    /** The {@code raw_usage_events} version a computation read (Delta time travel re-reads it). */
    public static final String RAW_TABLE_VERSION = "raw_table_version";

    public static final String PROVISIONAL_TABLE_VERSION = "provisional_table_version";
    /** The stream's watermark a reconcile run classified with; null when no stream ran. */
    public static final String STREAM_WATERMARK = "stream_watermark";

    public static final String PROVISIONAL_QUANTITY = "provisional_quantity";
    public static final String AUTHORITATIVE_QUANTITY = "authoritative_quantity";
    public static final String PROVISIONAL_EVENT_COUNT = "provisional_event_count";
    public static final String AUTHORITATIVE_EVENT_COUNT = "authoritative_event_count";
    /** Authoritative minus provisional quantity (a missing side counts as zero). */
    public static final String DIFFERENCE = "difference";
    /** A {@code reconcile.Cause} name: why provisional and authoritative differ, or that they match. */
    public static final String CAUSE = "cause";
    /** Revision of a billing period: 1, 2, ...; a higher one supersedes the lower ones. */
    public static final String REVISION = "revision";

    public static final String LINE_COUNT = "line_count";
    /** Base64 Ed25519 signature over the period's canonical rendering. */
    public static final String SIGNATURE = "signature";
    /** First 16 hex digits of the SHA-256 of the signing public key. */
    public static final String KEY_ID = "key_id";

    public static final String PUBLISHED_AT = "published_at";
    /** The revision a revision replaces; null for revision 1. */
    public static final String SUPERSEDES = "supersedes";
    /** Published with --force before the period was ready. */
    public static final String FORCED = "forced";

    public static final String SEQUENCE = "sequence";
    public static final String PREVIOUS_HEADER_SHA256 = "previous_header_sha256";
    public static final String HEADER_SHA256 = "header_sha256";
    public static final String HEADER_SIGNATURE = "header_signature";
    /** The hash of the decision before this one in the warehouse's one chain (approvals, locks, replays). */
    public static final String PREVIOUS_SHA256 = "previous_sha256";
    /** A decision's own hash as its writer recorded it (a replay append's: over its rows and its link). */
    public static final String RECORD_SHA256 = "record_sha256";
    /** Raw's latest version when a decision was taken, and the SHA-256 of that commit file: its witness. */
    public static final String RAW_WITNESS_VERSION = "raw_witness_version";

    public static final String RAW_WITNESS_SHA256 = "raw_witness_sha256";
    /** An Ed25519 public key, Base64 of its X.509 DER: what the row's signature verifies with. */
    public static final String PUBLIC_KEY = "public_key";
    /** The period a line's usage belongs to: its own period, or the locked period a correction line corrects. */
    public static final String SERVICE_PERIOD = "service_period";
    /** {@code usage} or {@code correction} (FOCUS ChargeClass "Correction"); null in lines from before corrections. */
    public static final String CHARGE_CLASS = "charge_class";

    public static final String PUBLISHER_KEY_ID = "publisher_key_id";
    public static final String APPROVER_KEY_ID = "approver_key_id";
    /** The approver's Ed25519 public key, Base64 of its X.509 DER: what its approval signature verifies with. */
    public static final String APPROVER_PUBLIC_KEY = "approver_public_key";

    public static final String APPROVED_AT = "approved_at";
    public static final String LOCKED_AT = "locked_at";
    /** The dedup horizon a revision was computed with, in seconds (null: the whole raw table, before horizons). */
    public static final String DEDUP_HORIZON_SECONDS = "dedup_horizon_seconds";

    // Working columns of the aggregation; never stored.
    public static final String WINDOW = "_window";
    public static final String SUM_QUANTITY = "_sum_quantity";
    public static final String MAX_QUANTITY = "_max_quantity";
    public static final String LATEST_QUANTITY = "_latest_quantity";
    /** A UNIQUE_COUNT metric's property value of an event (null for other metrics). */
    public static final String DISTINCT_VALUE = "_distinct_value";
    /** A UNIQUE_COUNT part: the distinct property values of a group's events. */
    public static final String DISTINCT_VALUES = "_distinct_values";
    /** A PERCENTILE metric's bucket of an event: its start in epoch seconds (null for other metrics). */
    public static final String BUCKET = "_bucket";
    /** A PERCENTILE part: the sum of a group's quantities (a window's provisional form). */
    public static final String PERCENTILE_SUM = "_percentile_sum";
    /** A PERCENTILE part: one sum per bucket of the group's events. */
    public static final String BUCKET_SUMS = "_bucket_sums";
    /**
     * A TIME_WEIGHTED metric's series of an event: tenant, app, metric and its {@code series_by} attribute
     * values as one key (null for other metrics).
     */
    public static final String SERIES = "_series";
    /**
     * A TIME_WEIGHTED event's share of its window, level × microseconds held inside the window (the
     * provisional form; null for other metrics).
     */
    public static final String WINDOW_SHARE = "_window_share";
    /** A TIME_WEIGHTED part: the sum of a group's window shares (level × microseconds). */
    public static final String SHARE_SUM = "_share_sum";
    /** A TIME_WEIGHTED part: a group's samples (event time, ingest order, level), the period's lines' input. */
    public static final String SAMPLES = "_samples";
    /**
     * True on a TIME_WEIGHTED sample before the period whose hold may reach into it: read for the line's
     * integral only, never an event of the period.
     */
    public static final String CARRIED = "_carried";
    /** A record's place in ingest order as one comparable value ({@code IngestOrder.key()}); never stored. */
    public static final String INGEST_ORDER = "_ingest_order";

    // Working columns of the attribution stage; never stored.
    public static final String SEGMENT_START = "_segment_start";
    public static final String SEGMENT_END = "_segment_end";
    public static final String SEGMENT_TENANT_ID = "_segment_tenant_id";
    public static final String SEGMENT_APP_ID = "_segment_app_id";
    public static final String SEGMENT_MATCHES = "_segment_matches";
    public static final String SEGMENT_ENTITLEMENTS = "_segment_entitlements";
    public static final String SEGMENT_BOUNDARY = "_segment_boundary";
    public static final String PARSED = "_parsed";
    public static final String CONVERTED = "_converted";
    public static final String FAILURE = "failure";
    public static final String NEXT_REASON = "_next_reason";
    public static final String NEXT_DETAIL = "_next_detail";

    private Columns() {}
}
