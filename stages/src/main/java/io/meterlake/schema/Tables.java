package io.meterlake.schema;

import static io.meterlake.schema.Columns.*;

import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Table names and their explicit schemas. Nothing in Meterlake infers a schema. */
public final class Tables {
    public static final String RAW_USAGE_EVENTS = "raw_usage_events";
    public static final String QUARANTINED_EVENTS = "quarantined_events";
    public static final String ENTITLEMENTS = "entitlements";
    public static final String USAGE_AGGREGATES_PROVISIONAL = "usage_aggregates_provisional";
    public static final String STREAM_PROGRESS = "stream_progress";
    public static final String USAGE_AGGREGATES_AUTHORITATIVE = "usage_aggregates_authoritative";
    public static final String RECONCILIATION_REPORT = "reconciliation_report";
    public static final String BILLING_PERIODS = "billing_periods";
    public static final String BILLING_PERIOD_LINES = "billing_period_lines";
    public static final String QUARANTINE_RESOLUTIONS = "quarantine_resolutions";
    public static final String BILLING_APPROVALS = "billing_approvals";
    public static final String BILLING_PERIOD_LOCKS = "billing_period_locks";
    public static final String USAGE_LIMITS = "usage_limits";
    public static final String LIMIT_NOTIFICATIONS = "limit_notifications";
    public static final String NOTIFICATION_DELIVERIES = "notification_deliveries";

    /** Quantities everywhere: exact, 9 fraction digits. */
    public static final DataType QUANTITY_TYPE = DataTypes.createDecimalType(38, 9);

    public static final DataType ATTRIBUTES_TYPE = DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType);

    /** One record as any source hands it to the pipeline: its bytes, position, ingest time. */
    public static final StructType RECORD = new StructType(new StructField[] {
        nullable(PAYLOAD_BYTES, DataTypes.BinaryType),
        required(INGEST_KIND, DataTypes.StringType),
        nullable(SOURCE_FILE, DataTypes.StringType),
        nullable(FILE_SHA256, DataTypes.StringType),
        nullable(LINE_NUMBER, DataTypes.LongType),
        nullable(KAFKA_TOPIC, DataTypes.StringType),
        nullable(KAFKA_PARTITION, DataTypes.IntegerType),
        nullable(KAFKA_OFFSET, DataTypes.LongType),
        required(INGESTED_AT, DataTypes.TimestampType),
    });

    /** What the parse stage adds to a record: the payload as text, the event's fields, or a reason. */
    public static final StructType PARSED_FIELDS = new StructType(new StructField[] {
        nullable(PAYLOAD, DataTypes.StringType),
        nullable(SCHEMA_VERSION, DataTypes.IntegerType),
        nullable(EVENT_ID, DataTypes.StringType),
        nullable(SOURCE, DataTypes.StringType),
        nullable(TENANT_ID, DataTypes.StringType),
        nullable(APP_ID, DataTypes.StringType),
        nullable(METRIC, DataTypes.StringType),
        nullable(INPUT_UNIT, DataTypes.StringType),
        nullable(INPUT_QUANTITY, DataTypes.StringType),
        nullable(EVENT_TIME, DataTypes.TimestampType),
        nullable(ATTRIBUTES, ATTRIBUTES_TYPE),
        nullable(ACTION, DataTypes.StringType),
        nullable(TARGET_EVENT_ID, DataTypes.StringType),
        nullable(REASON, DataTypes.StringType),
        nullable(DETAIL, DataTypes.StringType),
    });

    /**
     * Every accepted record exactly once: normalized, attributed, with its source position.
     * Append-only, partitioned by {@link Columns#EVENT_DATE}. The first columns are the ones
     * queries filter on, so Delta keeps statistics for them.
     */
    public static final StructType RAW = new StructType(new StructField[] {
        required(EVENT_DATE, DataTypes.DateType),
        required(EVENT_TIME, DataTypes.TimestampType),
        required(SOURCE, DataTypes.StringType),
        required(EVENT_ID, DataTypes.StringType),
        required(TENANT_ID, DataTypes.StringType),
        required(APP_ID, DataTypes.StringType),
        required(METRIC, DataTypes.StringType),
        required(QUANTITY, QUANTITY_TYPE),
        required(UNIT, DataTypes.StringType),
        required(SUBSCRIPTION_ID, DataTypes.StringType),
        required(ENTITLEMENT_ID, DataTypes.StringType),
        required(BILLING_ACCOUNT_ID, DataTypes.StringType),
        required(PLAN, DataTypes.StringType),
        required(INGEST_KIND, DataTypes.StringType),
        nullable(FILE_SHA256, DataTypes.StringType),
        nullable(LINE_NUMBER, DataTypes.LongType),
        nullable(KAFKA_TOPIC, DataTypes.StringType),
        nullable(KAFKA_PARTITION, DataTypes.IntegerType),
        nullable(KAFKA_OFFSET, DataTypes.LongType),
        required(INGESTED_AT, DataTypes.TimestampType),
        required(CONTENT_SHA256, DataTypes.StringType),
        required(PAYLOAD_SHA256, DataTypes.StringType),
        required(INPUT_QUANTITY, DataTypes.StringType),
        required(INPUT_UNIT, DataTypes.StringType),
        required(SCHEMA_VERSION, DataTypes.IntegerType),
        nullable(SOURCE_FILE, DataTypes.StringType),
        nullable(ATTRIBUTES, ATTRIBUTES_TYPE),
        required(PAYLOAD, DataTypes.StringType),
        required(EVENT_TIME_UTC, DataTypes.TimestampNTZType),
        required(INGESTED_AT_UTC, DataTypes.TimestampNTZType),
        // Lineage of a record a quarantine replay accepted (null for one accepted on receipt).
        nullable(REPLAYED_FROM, DataTypes.StringType),
        nullable(REPLAY_RUN_ID, DataTypes.StringType),
        // A correction's kind and target (null for a usage event): see RankedRaw for what it does.
        nullable(ACTION, DataTypes.StringType),
        nullable(TARGET_EVENT_ID, DataTypes.StringType),
    });

    /**
     * Every rejected record exactly once: its text, reason code and position, and its bytes when the
     * text is not exactly what was received ({@code payload_bytes}, INVALID_ENCODING). Append-only.
     */
    public static final StructType QUARANTINE = new StructType(new StructField[] {
        required(INGESTED_AT, DataTypes.TimestampType),
        required(REASON, DataTypes.StringType),
        required(DETAIL, DataTypes.StringType),
        required(INGEST_KIND, DataTypes.StringType),
        nullable(FILE_SHA256, DataTypes.StringType),
        nullable(LINE_NUMBER, DataTypes.LongType),
        nullable(KAFKA_TOPIC, DataTypes.StringType),
        nullable(KAFKA_PARTITION, DataTypes.IntegerType),
        nullable(KAFKA_OFFSET, DataTypes.LongType),
        nullable(SOURCE, DataTypes.StringType),
        nullable(EVENT_ID, DataTypes.StringType),
        nullable(TENANT_ID, DataTypes.StringType),
        nullable(APP_ID, DataTypes.StringType),
        nullable(METRIC, DataTypes.StringType),
        nullable(EVENT_TIME, DataTypes.TimestampType),
        nullable(SOURCE_FILE, DataTypes.StringType),
        required(PAYLOAD_SHA256, DataTypes.StringType),
        nullable(PAYLOAD, DataTypes.StringType),
        required(INGESTED_AT_UTC, DataTypes.TimestampNTZType),
        nullable(EVENT_TIME_UTC, DataTypes.TimestampNTZType),
        nullable(PAYLOAD_BYTES, DataTypes.BinaryType),
    });

    /**
     * What each quarantine replay did with each record it re-ran: accepted into raw (the raw row's
     * {@link Columns#REPLAYED_FROM} names the same quarantine row), or still quarantined, with the
     * reason it has now. Append-only; the quarantine table itself is never rewritten.
     */
    public static final StructType RESOLUTION = new StructType(new StructField[] {
        required(REPLAY_RUN_ID, DataTypes.StringType),
        required(RESOLVED_AT, DataTypes.TimestampType),
        required(QUARANTINE_ID, DataTypes.StringType),
        required(ORIGINAL_REASON, DataTypes.StringType),
        required(OUTCOME, DataTypes.StringType),
        nullable(REASON, DataTypes.StringType),
        nullable(DETAIL, DataTypes.StringType),
        nullable(SOURCE, DataTypes.StringType),
        nullable(EVENT_ID, DataTypes.StringType),
        nullable(TENANT_ID, DataTypes.StringType),
        required(INGESTED_AT, DataTypes.TimestampType),
        // The append's link in the chain of decisions, the same on each of its rows (null before it), and the
        // append's own hash (over its rows and the link), so the next decision need not rehash every row.
        nullable(SEQUENCE, DataTypes.LongType),
        nullable(PREVIOUS_SHA256, DataTypes.StringType),
        nullable(RAW_WITNESS_VERSION, DataTypes.LongType),
        nullable(RAW_WITNESS_SHA256, DataTypes.StringType),
        nullable(RECORD_SHA256, DataTypes.StringType),
    });

    /** Maps usage to money: half-open validity {@code [valid_from, valid_to)}, null valid_to is open. */
    public static final StructType ENTITLEMENT = new StructType(new StructField[] {
        required(ENTITLEMENT_ID, DataTypes.StringType),
        required(SUBSCRIPTION_ID, DataTypes.StringType),
        required(BILLING_ACCOUNT_ID, DataTypes.StringType),
        required(TENANT_ID, DataTypes.StringType),
        required(APP_ID, DataTypes.StringType),
        required(PLAN, DataTypes.StringType),
        required(VALID_FROM, DataTypes.TimestampType),
        nullable(VALID_TO, DataTypes.TimestampType),
    });

    /**
     * How much of a metric a plan's subscriptions, or one subscription, may use in a billing period, during
     * {@code [valid_from, valid_to)}; exactly one of plan and subscription_id is set (io.meterlake.limits.Limit).
     */
    public static final StructType USAGE_LIMIT = new StructType(new StructField[] {
        required(LIMIT_ID, DataTypes.StringType),
        nullable(PLAN, DataTypes.StringType),
        nullable(SUBSCRIPTION_ID, DataTypes.StringType),
        required(METRIC, DataTypes.StringType),
        required(LIMIT_AMOUNT, QUANTITY_TYPE),
        required(ENFORCEMENT, DataTypes.StringType),
        required(THRESHOLDS, DataTypes.StringType),
        required(VALID_FROM, DataTypes.TimestampType),
        nullable(VALID_TO, DataTypes.TimestampType),
    });

    /**
     * Near-real-time usage per (subscription, entitlement, metric, window): a deduplicated aggregate
     * of the on-time events, kept by MERGE. Provisional: money comes from the batch layer.
     */
    public static final StructType PROVISIONAL = new StructType(new StructField[] {
        required(SUBSCRIPTION_ID, DataTypes.StringType),
        required(ENTITLEMENT_ID, DataTypes.StringType),
        required(BILLING_ACCOUNT_ID, DataTypes.StringType),
        required(METRIC, DataTypes.StringType),
        required(UNIT, DataTypes.StringType),
        required(WINDOW_START, DataTypes.TimestampType),
        required(WINDOW_END, DataTypes.TimestampType),
        nullable(QUANTITY, QUANTITY_TYPE),
        required(EVENT_COUNT, DataTypes.LongType),
        required(UPDATED_BATCH_ID, DataTypes.LongType),
        required(UPDATED_AT, DataTypes.TimestampType),
    });

    /** One row per micro-batch of each streaming query: what it read, wrote and dropped. Append-only. */
    public static final StructType PROGRESS = new StructType(new StructField[] {
        required(QUERY, DataTypes.StringType),
        required(BATCH_ID, DataTypes.LongType),
        required(RECORDED_AT, DataTypes.TimestampType),
        nullable(WATERMARK, DataTypes.TimestampType),
        required(RECORDS_IN, DataTypes.LongType),
        nullable(ACCEPTED, DataTypes.LongType),
        nullable(QUARANTINED, DataTypes.LongType),
        nullable(LATE_DROPPED, DataTypes.LongType),
        nullable(ROWS_OUT, DataTypes.LongType),
        required(DURATION_MS, DataTypes.LongType),
        nullable(MIN_EVENT_TIME, DataTypes.TimestampType),
        nullable(MAX_EVENT_TIME, DataTypes.TimestampType),
    });

    /**
     * A period's authoritative lines, recomputed from raw at {@link Columns#RAW_TABLE_VERSION}: the
     * latest reconcile run of each period replaces that period's rows. Partitioned by period.
     */
    public static final StructType AUTHORITATIVE = new StructType(new StructField[] {
        required(PERIOD, DataTypes.StringType),
        required(RUN_ID, DataTypes.StringType),
        required(RAW_TABLE_VERSION, DataTypes.LongType),
        required(SUBSCRIPTION_ID, DataTypes.StringType),
        required(BILLING_ACCOUNT_ID, DataTypes.StringType),
        required(PLAN, DataTypes.StringType),
        required(METRIC, DataTypes.StringType),
        required(UNIT, DataTypes.StringType),
        required(QUANTITY, QUANTITY_TYPE),
        required(EVENT_COUNT, DataTypes.LongType),
    });

    /**
     * Provisional against authoritative per (subscription, entitlement, metric, window) of a period,
     * one set of rows per reconcile run, with the cause of each difference. Append-only.
     */
    public static final StructType RECONCILIATION = new StructType(new StructField[] {
        required(PERIOD, DataTypes.StringType),
        required(RUN_ID, DataTypes.StringType),
        required(RAW_TABLE_VERSION, DataTypes.LongType),
        nullable(PROVISIONAL_TABLE_VERSION, DataTypes.LongType),
        nullable(STREAM_WATERMARK, DataTypes.TimestampType),
        required(SUBSCRIPTION_ID, DataTypes.StringType),
        required(ENTITLEMENT_ID, DataTypes.StringType),
        required(BILLING_ACCOUNT_ID, DataTypes.StringType),
        required(METRIC, DataTypes.StringType),
        required(UNIT, DataTypes.StringType),
        required(WINDOW_START, DataTypes.TimestampType),
        required(WINDOW_END, DataTypes.TimestampType),
        nullable(PROVISIONAL_QUANTITY, QUANTITY_TYPE),
        nullable(AUTHORITATIVE_QUANTITY, QUANTITY_TYPE),
        required(DIFFERENCE, QUANTITY_TYPE),
        required(PROVISIONAL_EVENT_COUNT, DataTypes.LongType),
        required(AUTHORITATIVE_EVENT_COUNT, DataTypes.LongType),
        required(CAUSE, DataTypes.StringType),
        // A row of a correction that was not applied names it (null on a window's row).
        nullable(SOURCE, DataTypes.StringType),
        nullable(EVENT_ID, DataTypes.StringType),
        nullable(TARGET_EVENT_ID, DataTypes.StringType),
    });

    /**
     * One row per published revision of a billing period: what was signed, by which key, from which
     * raw version. Append-only; a revision exists once its row does.
     */
    public static final StructType BILLING_PERIOD = new StructType(new StructField[] {
        required(PERIOD, DataTypes.StringType),
        required(REVISION, DataTypes.IntegerType),
        required(RAW_TABLE_VERSION, DataTypes.LongType),
        required(LINE_COUNT, DataTypes.LongType),
        required(CONTENT_SHA256, DataTypes.StringType),
        required(SIGNATURE, DataTypes.StringType),
        required(KEY_ID, DataTypes.StringType),
        required(PUBLISHED_AT, DataTypes.TimestampType),
        nullable(SUPERSEDES, DataTypes.IntegerType),
        required(FORCED, DataTypes.BooleanType),
        // The chain (null in revisions published before it): see BillingPeriod.
        nullable(SEQUENCE, DataTypes.LongType),
        nullable(PREVIOUS_HEADER_SHA256, DataTypes.StringType),
        nullable(HEADER_SHA256, DataTypes.StringType),
        nullable(HEADER_SIGNATURE, DataTypes.StringType),
        // The dedup horizon the lines were computed with (null in revisions computed over all of raw).
        nullable(DEDUP_HORIZON_SECONDS, DataTypes.LongType),
        // Raw's latest commit when the revision was published (null before witnesses).
        nullable(RAW_WITNESS_VERSION, DataTypes.LongType),
        nullable(RAW_WITNESS_SHA256, DataTypes.StringType),
    });

    /**
     * The lines of each published revision. Append-only; a revision's lines are those whose period,
     * revision and content hash match its {@link #BILLING_PERIOD} row.
     */
    public static final StructType BILLING_PERIOD_LINE = new StructType(new StructField[] {
        required(PERIOD, DataTypes.StringType),
        required(REVISION, DataTypes.IntegerType),
        required(CONTENT_SHA256, DataTypes.StringType),
        required(SUBSCRIPTION_ID, DataTypes.StringType),
        required(BILLING_ACCOUNT_ID, DataTypes.StringType),
        required(PLAN, DataTypes.StringType),
        required(METRIC, DataTypes.StringType),
        required(UNIT, DataTypes.StringType),
        required(QUANTITY, QUANTITY_TYPE),
        required(EVENT_COUNT, DataTypes.LongType),
        // usage (service_period = period) or a correction of a locked period; null in lines from before them.
        nullable(SERVICE_PERIOD, DataTypes.StringType),
        nullable(CHARGE_CLASS, DataTypes.StringType),
    });

    /**
     * Who approved which revision of a period: an Ed25519 signature by a key other than the publisher's
     * over the revision's period, number, content hash and header hash. Append-only.
     */
    public static final StructType BILLING_APPROVAL = new StructType(new StructField[] {
        required(PERIOD, DataTypes.StringType),
        required(REVISION, DataTypes.IntegerType),
        required(CONTENT_SHA256, DataTypes.StringType),
        nullable(HEADER_SHA256, DataTypes.StringType),
        required(PUBLISHER_KEY_ID, DataTypes.StringType),
        required(APPROVER_KEY_ID, DataTypes.StringType),
        required(APPROVER_PUBLIC_KEY, DataTypes.StringType),
        required(APPROVED_AT, DataTypes.TimestampType),
        required(SIGNATURE, DataTypes.StringType),
        // Its link in the chain of decisions (null in approvals from before it).
        nullable(SEQUENCE, DataTypes.LongType),
        nullable(PREVIOUS_SHA256, DataTypes.StringType),
        nullable(RAW_WITNESS_VERSION, DataTypes.LongType),
        nullable(RAW_WITNESS_SHA256, DataTypes.StringType),
    });

    /**
     * The locked periods: one row each, naming the approved revision that is final. A locked period
     * gets no other revision; what changes it later is billed in the next open period as correction
     * lines. A lock is signed by the key that locks ({@code key_id}, {@code public_key}, {@code signature})
     * and is a link of the chain of decisions: {@code sequence} is its place, so a publish can be placed
     * before or after it (in locks from before the chain, unsigned, the latest publish's sequence then).
     * Append-only.
     */
    public static final StructType BILLING_PERIOD_LOCK = new StructType(new StructField[] {
        required(PERIOD, DataTypes.StringType),
        required(REVISION, DataTypes.IntegerType),
        required(CONTENT_SHA256, DataTypes.StringType),
        required(APPROVER_KEY_ID, DataTypes.StringType),
        required(SEQUENCE, DataTypes.LongType),
        required(LOCKED_AT, DataTypes.TimestampType),
        nullable(KEY_ID, DataTypes.StringType),
        nullable(PUBLIC_KEY, DataTypes.StringType),
        nullable(SIGNATURE, DataTypes.StringType),
        nullable(PREVIOUS_SHA256, DataTypes.StringType),
        nullable(RAW_WITNESS_VERSION, DataTypes.LongType),
        nullable(RAW_WITNESS_SHA256, DataTypes.StringType),
    });

    private Tables() {}

    static StructField required(String name, DataType type) {
        return new StructField(name, type, false, Metadata.empty());
    }

    static StructField nullable(String name, DataType type) {
        return new StructField(name, type, true, Metadata.empty());
    }
}
