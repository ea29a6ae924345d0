package io.meterlake.batch.publish;

import static org.apache.spark.sql.functions.col;

import io.meterlake.batch.recompute.Correction;
import io.meterlake.batch.recompute.RankedRaw;
import io.meterlake.period.Period;
import io.meterlake.schema.Columns;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What changed between a revision and the one it supersedes, event by event: each revision's events
 * recomputed from raw as it was computed (its raw version and horizon), compared by identity. An event
 * only in the newer revision was {@link Kind#ADDED} (a late or replayed event); one only in the older
 * was {@link Kind#VOIDED} when a void applied in the newer revision names it, else {@link Kind#REMOVED};
 * one in both with another quantity or unit was {@link Kind#AMENDED}. A revision that supersedes none is
 * compared with nothing: every event is added.
 */
public final class RevisionChanges {
    public enum Kind {
        ADDED,
        VOIDED,
        AMENDED,
        REMOVED
    }

    /**
     * @param correctionId the void or amend that caused it (null for an added or removed event)
     * @param before       quantity in the superseded revision (null when added)
     * @param after        quantity in this revision (null when voided or removed)
     */
    public record Change(
            Kind kind,
            String source,
            String eventId,
            String subscriptionId,
            String metric,
            String unit,
            BigDecimal before,
            BigDecimal after,
            String correctionId) {}

    private RevisionChanges() {}

    /** The changes of {@code revision} since {@code superseded} (null: since nothing), by kind, source and event id. */
    public static List<Change> between(BillingPeriods periods, BillingPeriod superseded, BillingPeriod revision) {
        Period period = revision.period();
        RankedRaw now = periods.ranked(revision);
        Map<List<String>, String> appliedBy = new HashMap<>();
        for (Correction correction : now.corrections(period)) {
            if (correction.outcome() == Correction.Outcome.APPLIED) {
                appliedBy.put(List.of(correction.source(), correction.targetEventId()), correction.eventId());
            }
        }
        Dataset<Row> after = events(now, period, "a_");
        List<Row> rows;
        if (superseded == null) {
            rows = after.collectAsList();
        } else {
            Dataset<Row> before = events(periods.ranked(superseded), period, "b_");
            Column sameIdentity = col("a_" + Columns.SOURCE)
                    .equalTo(col("b_" + Columns.SOURCE))
                    .and(col("a_" + Columns.EVENT_ID).equalTo(col("b_" + Columns.EVENT_ID)));
            Column differs = col("a_" + Columns.SOURCE)
                    .isNull()
                    .or(col("b_" + Columns.SOURCE).isNull())
                    .or(col("a_" + Columns.QUANTITY).notEqual(col("b_" + Columns.QUANTITY)))
                    .or(col("a_" + Columns.UNIT).notEqual(col("b_" + Columns.UNIT)));
            rows = after.join(before, sameIdentity, "full_outer").where(differs).collectAsList();
        }
        List<Change> changes = new ArrayList<>();
        for (Row row : rows) {
            boolean inAfter = row.getAs("a_" + Columns.SOURCE) != null;
            boolean inBefore = superseded != null && row.getAs("b_" + Columns.SOURCE) != null;
            String side = inAfter ? "a_" : "b_";
            String source = row.getAs(side + Columns.SOURCE);
            String eventId = row.getAs(side + Columns.EVENT_ID);
            String correction = appliedBy.get(List.of(source, eventId));
            Kind kind = !inBefore
                    ? Kind.ADDED
                    : !inAfter ? (correction != null ? Kind.VOIDED : Kind.REMOVED) : Kind.AMENDED;
            changes.add(new Change(
                    kind,
                    source,
                    eventId,
                    row.getAs(side + Columns.SUBSCRIPTION_ID),
                    row.getAs(side + Columns.METRIC),
                    row.getAs(side + Columns.UNIT),
                    inBefore ? row.getAs("b_" + Columns.QUANTITY) : null,
                    inAfter ? row.getAs("a_" + Columns.QUANTITY) : null,
                    kind == Kind.VOIDED || kind == Kind.AMENDED ? correction : null));
        }
        changes.sort(
                Comparator.comparing(Change::kind).thenComparing(Change::source).thenComparing(Change::eventId));
        return List.copyOf(changes);
    }

    private static Dataset<Row> events(RankedRaw ranked, Period period, String prefix) {
        return ranked.events(period)
                .select(
                        col(Columns.SOURCE).as(prefix + Columns.SOURCE),
                        col(Columns.EVENT_ID).as(prefix + Columns.EVENT_ID),
                        col(Columns.SUBSCRIPTION_ID).as(prefix + Columns.SUBSCRIPTION_ID),
                        col(Columns.METRIC).as(prefix + Columns.METRIC),
                        col(Columns.UNIT).as(prefix + Columns.UNIT),
                        col(Columns.QUANTITY).as(prefix + Columns.QUANTITY));
    }

    /** Count per kind, in kind order (kinds without changes omitted). */
    public static Map<Kind, Long> counts(List<Change> changes) {
        Map<Kind, Long> counts = new java.util.EnumMap<>(Kind.class);
        for (Change change : changes) {
            counts.merge(change.kind(), 1L, Long::sum);
        }
        return counts;
    }
}
