package io.meterlake.batch.reconcile;

import io.meterlake.model.BillingLine;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.SortedMap;

/**
 * What one reconcile run computed and recorded.
 *
 * @param runId             the period and the table versions read: equal run ids, equal output
 * @param watermark         the stream's watermark the causes were decided with; null if no stream ran
 * @param lines             the period's authoritative lines, in canonical order
 * @param contentSha256     SHA-256 of the lines' canonical rendering (what {@code publish} would sign)
 * @param causes            windows and event-count difference per cause
 * @param conflicts         identities of the period received with different contents
 * @param corrections       the period's corrections, each with what the recompute did with it
 * @param alreadyRecorded   an earlier run with the same run id had written everything already
 */
public record ReconcileResult(
        String period,
        String runId,
        long rawTableVersion,
        OptionalLong provisionalTableVersion,
        Instant watermark,
        List<BillingLine> lines,
        String contentSha256,
        SortedMap<Cause, CauseSummary> causes,
        long conflicts,
        List<io.meterlake.batch.recompute.Correction> corrections,
        boolean alreadyRecorded) {

    /**
     * Windows of one cause and their summed event-count difference (authoritative minus provisional;
     * quantities are per metric and unit, so they are not summed across windows).
     */
    public record CauseSummary(long windows, long eventDifference) {}

    public long events() {
        return lines.stream().mapToLong(BillingLine::eventCount).sum();
    }
}
