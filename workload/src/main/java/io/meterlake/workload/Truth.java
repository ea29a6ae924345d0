package io.meterlake.workload;

import java.math.BigDecimal;
import java.util.List;
import java.util.SortedMap;

/**
 * What ingesting a generated workload must produce, computed by the generator alone.
 *
 * @param records     lines written
 * @param accepted    records that must land in the raw table (duplicates included)
 * @param quarantined records that must be quarantined, per reason code
 * @param duplicates  exact re-sends of an accepted event
 * @param conflicts   re-sends of an accepted event's identity with other content (the first wins)
 * @param lines       expected billing lines per (period, subscription, plan, metric) after deduplication
 * @param beforeLateEntitlements with late-entitlement tenants: what an ingest against the early
 *                    entitlements gives (their events UNATTRIBUTED); null without. The other fields
 *                    are the state with every entitlement loaded (after a replay).
 */
public record Truth(
        long records,
        long accepted,
        SortedMap<String, Long> quarantined,
        long duplicates,
        long conflicts,
        List<Line> lines,
        Early beforeLateEntitlements,
        SortedMap<String, Corrections> corrections) {

    public Truth(
            long records,
            long accepted,
            SortedMap<String, Long> quarantined,
            long duplicates,
            long conflicts,
            List<Line> lines) {
        this(records, accepted, quarantined, duplicates, conflicts, lines, null);
    }

    public Truth(
            long records,
            long accepted,
            SortedMap<String, Long> quarantined,
            long duplicates,
            long conflicts,
            List<Line> lines,
            Early beforeLateEntitlements) {
        this(
                records,
                accepted,
                quarantined,
                duplicates,
                conflicts,
                lines,
                beforeLateEntitlements,
                new java.util.TreeMap<>());
    }

    /**
     * The corrections of one period (by their event time) as the recompute must resolve them: applied
     * (one per corrected event, the latest), superseded by a later one of the same event, and not
     * applicable (a changed metric, a target never sent).
     */
    public record Corrections(long applied, long superseded, long rejected) {}

    /** Accepted and quarantined records of an ingest against the early entitlements. */
    public record Early(long accepted, SortedMap<String, Long> quarantined) {}

    /** One expected billing line; {@code period} is the UTC calendar month {@code YYYY-MM}. */
    public record Line(
            String period,
            String subscriptionId,
            String billingAccountId,
            String plan,
            String metric,
            String unit,
            BigDecimal quantity,
            long eventCount) {}
}
