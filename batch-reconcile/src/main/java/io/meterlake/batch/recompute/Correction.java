package io.meterlake.batch.recompute;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * One correction of a period at a pinned raw version (the first record of its own identity, like any
 * event) and what the recompute did with it. Of the corrections of one target, the applicable one
 * latest in ingest order is {@link Outcome#APPLIED}: a void excludes the target, an amend replaces its
 * quantity and unit (the target keeps its identity and attribution). The others are
 * {@link Outcome#SUPERSEDED}; a correction that cannot apply says why, and is never applied silently.
 *
 * @param subscriptionId   the correction's own attribution (its target keeps its own)
 * @param targetQuantity the target's own quantity (null when absent), for the impact of the correction
 * @param attributes     the correction's attributes: an amend's replace the target's (a UNIQUE_COUNT
 *                       metric's property among them)
 */
public record Correction(
        String source,
        String eventId,
        String action,
        String targetEventId,
        Outcome outcome,
        Instant eventTime,
        String metric,
        BigDecimal quantity,
        String unit,
        String subscriptionId,
        String entitlementId,
        String billingAccountId,
        BigDecimal targetQuantity,
        java.util.Map<String, String> attributes) {

    public enum Outcome {
        /** Applied: the latest applicable correction of its target. */
        APPLIED,
        /** Applicable, but a later correction of the same target won. */
        SUPERSEDED,
        /** No event of this source with the target's id at this raw version (in the period's span). */
        TARGET_MISSING,
        /** The target's tenant_id, app_id, metric or event_time differ from the correction's. */
        FIELDS_DIFFER,
        /** The target is itself a correction: corrections correct events, not corrections. */
        TARGETS_A_CORRECTION;

        /** Whether this outcome means the correction was not applied for a reason the report shows. */
        public boolean rejected() {
            return this != APPLIED && this != SUPERSEDED;
        }
    }
}
