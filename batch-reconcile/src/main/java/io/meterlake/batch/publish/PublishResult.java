package io.meterlake.batch.publish;

import io.meterlake.model.BillingLine;

import java.util.List;

/**
 * What {@code publish} did.
 *
 * @param header    the revision now current: the new one, or the unchanged latest
 * @param published a new revision was written; false when the content equals the latest revision's
 * @param lines     the revision's lines, in canonical order
 * @param runId     the reconcile run whose lines these are (in {@code usage_aggregates_authoritative})
 */
public record PublishResult(BillingPeriod header, boolean published, List<BillingLine> lines, String runId) {
}
