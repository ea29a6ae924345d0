package io.meterlake.batch.publish;

import io.meterlake.batch.BatchErrors;
import io.meterlake.model.BillingLine;
import io.meterlake.period.Period;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Rows;
import io.meterlake.schema.Tables;
import io.meterlake.table.TableRows;
import io.meterlake.table.Warehouse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.apache.spark.sql.Row;

/**
 * Reads published billing periods: a revision's header from {@code billing_periods} and its lines
 * from {@code billing_period_lines} (those with the header's period, revision and content hash; lines
 * a crashed publish left behind under another hash are never read).
 */
public final class BillingPeriods {
    /** The tables a period's revisions, lines and correction lines are read from (what a command may prefetch). */
    public static final List<String> READS = List.of(Tables.BILLING_PERIODS, Tables.BILLING_PERIOD_LINES);

    private final TableRows tables;
    /** For {@link #ranked}, which reads raw with Spark; null when reading without Spark. */
    private final Warehouse warehouse;

    public BillingPeriods(Warehouse warehouse) {
        this.tables = warehouse;
        this.warehouse = warehouse;
    }

    /** Headers and lines only, read by {@code tables} (without Spark: {@link io.meterlake.table.DeltaReads}). */
    public BillingPeriods(TableRows tables) {
        this.tables = tables;
        this.warehouse = null;
    }

    /** Every revision of {@code period}, oldest first. */
    public List<BillingPeriod> revisions(Period period) {
        if (!tables.exists(Tables.BILLING_PERIODS)) {
            return List.of();
        }
        return tables.rows(Tables.BILLING_PERIODS, Map.of(Columns.PERIOD, period.toString())).stream()
                .map(BillingPeriod::fromRow)
                .sorted(java.util.Comparator.comparingInt(BillingPeriod::revision))
                .toList();
    }

    /** The latest revision of every published period, by period. */
    public List<BillingPeriod> latestOfEach() {
        if (!tables.exists(Tables.BILLING_PERIODS)) {
            return List.of();
        }
        Map<String, BillingPeriod> latest = new java.util.TreeMap<>();
        for (Row row : tables.rows(Tables.BILLING_PERIODS, Map.of())) {
            BillingPeriod header = BillingPeriod.fromRow(row);
            latest.merge(header.period().toString(), header, (a, b) -> a.revision() >= b.revision() ? a : b);
        }
        return List.copyOf(latest.values());
    }

    /** Every chained header of the warehouse, of any period, in sequence order. */
    public List<BillingPeriod> chain() {
        if (!tables.exists(Tables.BILLING_PERIODS)) {
            return List.of();
        }
        return tables.rows(Tables.BILLING_PERIODS, Map.of()).stream()
                .map(BillingPeriod::fromRow)
                .filter(header -> header.chain().isPresent())
                .sorted(java.util.Comparator.comparingLong(
                        header -> header.chain().orElseThrow().sequence()))
                .toList();
    }

    public Optional<BillingPeriod> latest(Period period) {
        List<BillingPeriod> revisions = revisions(period);
        return revisions.isEmpty() ? Optional.empty() : Optional.of(revisions.get(revisions.size() - 1));
    }

    /** The given revision, or the latest when {@code revision} is empty; a usage error if there is none. */
    public BillingPeriod require(Period period, OptionalInt revision) {
        List<BillingPeriod> revisions = revisions(period);
        if (revisions.isEmpty()) {
            throw BatchErrors.notPublished(period, tables.root());
        }
        if (revision.isEmpty()) {
            return revisions.get(revisions.size() - 1);
        }
        return revisions.stream()
                .filter(r -> r.revision() == revision.getAsInt())
                .findFirst()
                .orElseThrow(() -> BatchErrors.noSuchRevision(period, revision.getAsInt(), revisions.size()));
    }

    /**
     * Raw as the revision's lines were computed from it: at its raw version, ranked with the dedup
     * horizon it records (over the whole table for revisions from before horizons).
     */
    public io.meterlake.batch.recompute.RankedRaw ranked(BillingPeriod header) {
        return ranked(header, header.rawTableVersion());
    }

    /** Raw at {@code rawVersion}, ranked for the revision's period as the revision was (its horizon). */
    public io.meterlake.batch.recompute.RankedRaw ranked(BillingPeriod header, long rawVersion) {
        java.util.Objects.requireNonNull(warehouse, "ranked reads raw with Spark: construct with a Warehouse");
        org.apache.spark.sql.Dataset<Row> raw = warehouse.readAsOf(Tables.RAW_USAGE_EVENTS, rawVersion);
        return header.dedupHorizon()
                .map(horizon -> io.meterlake.batch.recompute.RankedRaw.forPeriod(raw, header.period(), horizon))
                .orElseGet(() -> io.meterlake.batch.recompute.RankedRaw.of(raw));
    }

    /** The stored usage lines of a revision (its own period's), in canonical order. */
    public List<BillingLine> lines(BillingPeriod header) {
        return lines(header, Map.of());
    }

    /**
     * The billing lines of a revision whose columns hold {@code where}'s values (e.g. one subscription's: a
     * server's read then takes them from its index of the column instead of making every line), in canonical order.
     */
    public List<BillingLine> lines(BillingPeriod header, Map<String, ?> where) {
        List<BillingLine> lines = new ArrayList<>();
        for (Row row : stored(header, where)) {
            if (!isCorrection(row)) {
                lines.add(Rows.billingLine(row));
            }
        }
        lines.sort(BillingLine.CANONICAL_ORDER);
        return List.copyOf(lines);
    }

    /** The stored correction lines of a revision (of locked periods before it), in canonical order. */
    public List<io.meterlake.model.CorrectionLine> corrections(BillingPeriod header) {
        List<io.meterlake.model.CorrectionLine> lines = new ArrayList<>();
        for (Row row : stored(header, Map.of())) {
            if (isCorrection(row)) {
                lines.add(new io.meterlake.model.CorrectionLine(
                        row.getAs(Columns.SERVICE_PERIOD),
                        row.getAs(Columns.SUBSCRIPTION_ID),
                        row.getAs(Columns.BILLING_ACCOUNT_ID),
                        row.getAs(Columns.PLAN),
                        row.getAs(Columns.METRIC),
                        row.getAs(Columns.UNIT),
                        row.getAs(Columns.QUANTITY),
                        row.<Long>getAs(Columns.EVENT_COUNT)));
            }
        }
        lines.sort(io.meterlake.model.CorrectionLine.CANONICAL_ORDER);
        return List.copyOf(lines);
    }

    /** The revision's stored rows with {@code where}'s values ({@code where} first: a read indexes the first). */
    private List<Row> stored(BillingPeriod header, Map<String, ?> where) {
        Map<String, Object> equalTo = new java.util.LinkedHashMap<>(where);
        equalTo.put(Columns.PERIOD, header.period().toString());
        equalTo.put(Columns.REVISION, header.revision());
        equalTo.put(Columns.CONTENT_SHA256, header.contentSha256());
        return tables.rows(Tables.BILLING_PERIOD_LINES, equalTo);
    }

    /** Lines stored before charge classes existed have none: they are usage. */
    private static boolean isCorrection(Row row) {
        return row.schema().getFieldIndex(Columns.CHARGE_CLASS).isDefined()
                && io.meterlake.model.CorrectionLine.CORRECTION.equals(row.getAs(Columns.CHARGE_CLASS));
    }
}
