package io.meterlake.validation;

/**
 * Why a record was quarantined. Shared by every layer; stored as the enum name.
 *
 * <p>A record gets exactly one code: the first rule that fails, in the order of this enum. Parse
 * rules come first (size, JSON, schema version, fields, types, the correction's shape), then catalog and value rules,
 * then time, then exactness of the unit conversion, then attribution. {@code schema_version} is
 * read before any other field: absent is {@code MISSING_FIELD}, not an integer {@code BAD_TYPE},
 * any value but 1 {@code UNSUPPORTED_SCHEMA_VERSION}. {@code UNPROCESSABLE} stands outside the
 * order: it is what a stage records when it fails on a record in a way no rule describes, so that no
 * input can stop a pipeline.
 */
public enum ReasonCode {
    /** The record is larger than 64 KiB of UTF-8. */
    OVERSIZED,
    /**
     * The bytes are not UTF-8 (invalid, overlong or surrogate sequences), or a JSON string escapes a
     * lone surrogate ({@code "\ud800"}): text that would be stored altered, so two different events
     * could share one identity. The original bytes are kept in {@code payload_bytes}.
     */
    INVALID_ENCODING,
    /** Not a single JSON object (syntax error, trailing data, duplicate keys, empty line). */
    MALFORMED_JSON,
    /** {@code schema_version} is not 1; nothing else of the record is interpreted. */
    UNSUPPORTED_SCHEMA_VERSION,
    /** A required field is absent, null or empty. */
    MISSING_FIELD,
    /** A field has the wrong JSON type or form (e.g. event_time without an offset). */
    BAD_TYPE,
    /** {@code action} is present but not {@code "void"} or {@code "amend"} (a correction's two kinds). */
    UNKNOWN_ACTION,
    /**
     * A correction's {@code target_event_id} is missing, not a string, blank, longer than an event id
     * may be, or its own {@code event_id}; or a record that is not a correction carries one.
     */
    INVALID_TARGET,
    /** {@code metric} is not in the catalog. */
    UNKNOWN_METRIC,
    /** {@code unit} is not one the catalog accepts for the metric. */
    UNIT_NOT_ACCEPTED,
    /** The quantity is NaN or infinite. */
    NON_FINITE_QUANTITY,
    /** The quantity is below zero. */
    NEGATIVE_QUANTITY,
    /** {@code event_time} is further after the ingest time than the allowed clock skew. */
    EVENT_TIME_IN_FUTURE,
    /** {@code event_time} is further before the ingest time than the maximum event age. */
    EVENT_TOO_OLD,
    /** In the canonical unit the quantity needs more than 9 fraction digits or 38 digits in all. */
    PRECISION_OVERFLOW,
    /** In the canonical unit the quantity is above the metric's {@code max_quantity} (see the catalog). */
    QUANTITY_ABOVE_MAXIMUM,
    /** No entitlement covers (tenant_id, app_id) at event_time. */
    UNATTRIBUTED,
    /** More than one entitlement covers (tenant_id, app_id) at event_time. */
    AMBIGUOUS_ATTRIBUTION,
    /** A stage failed on the record in a way no rule above describes; the detail names the failure. */
    UNPROCESSABLE;

    /**
     * The reasons a later change can fix: of the metric catalog (a metric, a unit or a higher maximum added)
     * or of the entitlements. The others depend only on the record's bytes and when it arrived, so replaying
     * them can never accept it; {@code quarantine replay} replays these unless told other reasons.
     */
    public static final java.util.Set<ReasonCode> FIXABLE_LATER =
            java.util.Collections.unmodifiableSet(java.util.EnumSet.of(
                    UNKNOWN_METRIC, UNIT_NOT_ACCEPTED, QUANTITY_ABOVE_MAXIMUM, UNATTRIBUTED, AMBIGUOUS_ATTRIBUTION));
}
