package io.meterlake.batch.quarantine;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.meterlake.schema.Columns;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Column;

/**
 * Which quarantined records a list or replay is about: any of {@code reasons} (all when empty), from
 * {@code source}, of {@code tenant}, received at or after {@code since}; each absent filter selects all.
 */
public record QuarantineSelection(
        List<String> reasons, Optional<String> source, Optional<String> tenant, Optional<Instant> since) {
    public static final QuarantineSelection ALL =
            new QuarantineSelection(List.of(), Optional.empty(), Optional.empty(), Optional.empty());

    public QuarantineSelection {
        reasons = List.copyOf(reasons);
    }

    /** The same filter on one quarantine row read without Spark ({@code QuarantineReplayTest} pins them equal). */
    boolean test(org.apache.spark.sql.Row row) {
        java.sql.Timestamp received = row.getAs(Columns.INGESTED_AT);
        return (reasons.isEmpty() || reasons.contains(row.<String>getAs(Columns.REASON)))
                && source.map(wanted -> wanted.equals(row.getAs(Columns.SOURCE)))
                        .orElse(true)
                && tenant.map(wanted -> wanted.equals(row.getAs(Columns.TENANT_ID)))
                        .orElse(true)
                && since.map(from -> !received.toInstant().isBefore(from)).orElse(true);
    }

    /** The filter on quarantine rows. */
    Column filter() {
        Column filter = lit(true);
        if (!reasons.isEmpty()) {
            filter = filter.and(col(Columns.REASON).isin(reasons.toArray()));
        }
        if (source.isPresent()) {
            filter = filter.and(col(Columns.SOURCE).equalTo(source.get()));
        }
        if (tenant.isPresent()) {
            filter = filter.and(col(Columns.TENANT_ID).equalTo(tenant.get()));
        }
        if (since.isPresent()) {
            filter = filter.and(col(Columns.INGESTED_AT).geq(lit(java.sql.Timestamp.from(since.get()))));
        }
        return filter;
    }
}
