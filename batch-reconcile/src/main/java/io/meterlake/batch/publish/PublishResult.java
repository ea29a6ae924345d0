package io.meterlake.batch.publish;

import io.meterlake.model.BillingLine;
import io.meterlake.model.CorrectionLine;
import java.util.List;
import java.util.Optional;

/**
 * What {@code publish} did.
 *
 * @param header      the revision now current: the new one, or the unchanged latest (the locked one of a locked period)
 * @param published   a new revision was written; false when the content equals the latest revision's, or the period is locked
 * @param lines       the revision's usage lines, in canonical order
 * @param corrections the revision's correction lines (of locked periods before it), in canonical order
 * @param runId       the reconcile run whose lines these are (in {@code usage_aggregates_authoritative}); null for a locked period
 * @param locked      the period's lock, when it is locked (then nothing was reconciled nor written)
 */
public record PublishResult(
        BillingPeriod header,
        boolean published,
        List<BillingLine> lines,
        List<CorrectionLine> corrections,
        String runId,
        Optional<PeriodLock> locked) {}
