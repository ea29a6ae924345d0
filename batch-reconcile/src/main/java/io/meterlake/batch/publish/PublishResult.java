package io.meterlake.batch.publish;

import io.meterlake.model.BillingLine;

import java.util.List;

/**
 * What {@code publish} did.
 *
 * @param header    the revision now current: the new one, or the unchanged latest
 * @param published a new revision was written; false when the content equals the latest revision's
 * @param lines     the revision's lines, in canonical order
 */
public record PublishResult(BillingPeriod header, boolean published, List<BillingLine> lines) {
}
