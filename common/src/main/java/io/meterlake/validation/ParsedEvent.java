package io.meterlake.validation;

import java.time.Instant;
import java.util.Map;

/**
 * The fields of a schema-v1 event as the producer sent them, once the JSON is known to be well
 * formed and well typed. Nothing here is checked against the catalog or the clock yet.
 *
 * @param inputQuantity the quantity exactly as sent, as {@link java.math.BigDecimal#toString()},
 *                      or one of {@link Quantities#NON_FINITE} for NaN and infinities
 * @param inputUnit     the unit as sent; null for a void that names none (the metric's canonical unit)
 * @param eventTime     event_time in UTC, floored to microseconds (Spark's resolution)
 * @param action        {@code void} or {@code amend} for a correction, null for a usage event
 * @param targetEventId the event a correction voids or amends (same source); null for a usage event
 */
public record ParsedEvent(
        int schemaVersion,
        String eventId,
        String source,
        String tenantId,
        String appId,
        String metric,
        String inputUnit,
        String inputQuantity,
        Instant eventTime,
        Map<String, String> attributes,
        String action,
        String targetEventId) {

    /** A usage event (not a correction). */
    public ParsedEvent(
            int schemaVersion,
            String eventId,
            String source,
            String tenantId,
            String appId,
            String metric,
            String inputUnit,
            String inputQuantity,
            Instant eventTime,
            Map<String, String> attributes) {
        this(
                schemaVersion,
                eventId,
                source,
                tenantId,
                appId,
                metric,
                inputUnit,
                inputQuantity,
                eventTime,
                attributes,
                null,
                null);
    }
}
