package io.meterlake.batch.publish;

import io.meterlake.batch.recompute.RankedRaw;
import io.meterlake.batch.recompute.Recompute;
import io.meterlake.catalog.MetricCatalog;
import io.meterlake.model.BillingLine;
import io.meterlake.model.CorrectionLine;
import io.meterlake.period.Period;
import io.meterlake.schema.Tables;
import io.meterlake.table.StorageAudit;
import io.meterlake.table.Warehouse;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * The correction lines an open period carries for the locked periods before it (Kill Bill's late
 * usage billed on a later invoice with its original service period; FOCUS ChargeClass "Correction").
 *
 * <p>Period Q carries the corrections of a locked period P when every period between them is locked
 * too (Q is the earliest open period after P). Per line key (subscription, account, plan, metric,
 * unit): quantity = P recomputed now − P as locked − what the locked periods between P and Q already
 * carried for P; the same for the event count; a line where both are zero is not written. So
 * publishing again is idempotent, and a correction carried once is never carried twice: once Q is
 * locked, the next open period carries only what changed after.
 *
 * <p>Cost follows the work: P is recomputed only if raw's files in the partitions P's recompute reads
 * differ between P's locked raw version and now (a read of the Delta log, no data file opened);
 * a quiet locked period costs nothing.
 */
final class CarriedCorrections {
    private final Warehouse warehouse;
    private final BillingPeriods periods;
    private final Closing closing;
    private final MetricCatalog catalog;

    CarriedCorrections(Warehouse warehouse, BillingPeriods periods, Closing closing, MetricCatalog catalog) {
        this.warehouse = warehouse;
        this.periods = periods;
        this.closing = closing;
        this.catalog = catalog;
    }

    /**
     * The correction lines {@code open} carries when computed from raw at {@code rawVersion}, with the
     * locks taken before the publish at chain sequence {@code beforeSequence} ({@link Long#MAX_VALUE}:
     * every lock, for a publish now), in canonical order.
     */
    List<CorrectionLine> derive(Period open, long rawVersion, long beforeSequence) {
        Map<String, PeriodLock> locks = new TreeMap<>();
        closing.locks().forEach((period, lock) -> {
            if (lock.sequence() < beforeSequence) {
                locks.put(period, lock);
            }
        });
        List<Period> locked = new ArrayList<>();
        for (Period p = open.previous(); locks.containsKey(p.toString()); p = p.previous()) {
            locked.add(p);
        }
        List<CorrectionLine> corrections = new ArrayList<>();
        for (Period period : locked) {
            BillingPeriod header = periods.require(
                    period, OptionalInt.of(locks.get(period.toString()).revision()));
            // A publish pinned before the lock's own version waits for a later one (the same rule for verify).
            if (rawVersion <= header.rawTableVersion() || unchangedSince(header, rawVersion)) {
                continue;
            }
            Map<String, BillingLine> now =
                    byKey(Recompute.collect(new Recompute(catalog).lines(periods.ranked(header, rawVersion), period)));
            Map<String, BigDecimal> quantity = new TreeMap<>();
            Map<String, Long> events = new TreeMap<>();
            now.forEach((key, line) -> add(quantity, events, key, line.quantity(), line.eventCount()));
            periods.lines(header)
                    .forEach(line -> add(
                            quantity,
                            events,
                            CorrectionLine.key(line),
                            line.quantity().negate(),
                            -line.eventCount()));
            // What the locked periods between this one and the open one carried for it already.
            for (Period between = period.next(); !between.equals(open); between = between.next()) {
                BillingPeriod carrier = periods.require(
                        between, OptionalInt.of(locks.get(between.toString()).revision()));
                for (CorrectionLine line : periods.corrections(carrier)) {
                    if (line.servicePeriod().equals(period.toString())) {
                        add(quantity, events, line.key(), line.quantity().negate(), -line.eventCount());
                    }
                }
            }
            quantity.forEach((key, q) -> {
                long n = events.get(key);
                if (q.signum() != 0 || n != 0) {
                    corrections.add(CorrectionLine.of(period.toString(), key, q, n));
                }
            });
        }
        corrections.sort(CorrectionLine.CANONICAL_ORDER);
        return List.copyOf(corrections);
    }

    /** Whether the raw files the revision's recompute reads are the same at {@code rawVersion} as when it was computed. */
    private boolean unchangedSince(BillingPeriod header, long rawVersion) {
        Optional<java.time.LocalDate[]> dates =
                header.dedupHorizon().map(horizon -> RankedRaw.partitionsRead(header.period(), horizon));
        return new StorageAudit(warehouse)
                .filePaths(Tables.RAW_USAGE_EVENTS, header.rawTableVersion(), dates)
                .equals(new StorageAudit(warehouse).filePaths(Tables.RAW_USAGE_EVENTS, rawVersion, dates));
    }

    private static void add(
            Map<String, BigDecimal> quantity, Map<String, Long> events, String key, BigDecimal q, long n) {
        quantity.merge(key, q, BigDecimal::add);
        events.merge(key, n, Long::sum);
    }

    private static Map<String, BillingLine> byKey(List<BillingLine> lines) {
        Map<String, BillingLine> byKey = new TreeMap<>();
        lines.forEach(line -> byKey.put(CorrectionLine.key(line), line));
        return byKey;
    }
}
