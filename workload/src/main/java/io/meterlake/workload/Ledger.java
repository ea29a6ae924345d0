package io.meterlake.workload;

import io.meterlake.catalog.Metric;
import io.meterlake.catalog.MetricCatalog;
import io.meterlake.model.Entitlement;
import io.meterlake.pipeline.aggregation.MetricAggregation;
import io.meterlake.pipeline.aggregation.TimeWeightedAggregation;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The generator's truth as it is built, in memory bounded by the recent events and the corrections, not by
 * the workload: an event is open (by identity) while a copy or a correction can still name it, i.e. while it
 * is among the recent events or a correction targets it; once neither holds it is settled into its line. The
 * open ones settle when the truth is closed, after the corrections decided them.
 */
final class Ledger {
    private final Map<String, Billed> open = new java.util.HashMap<>();
    private final java.util.Set<String> targeted = new java.util.HashSet<>();
    private final Map<String, Accumulator> lines = new TreeMap<>();
    /**
     * The settled samples of each TIME_WEIGHTED metric, by name (a sample's hold depends on its series'
     * next one, so they are kept until the truth is computed), and the months their holds touch.
     */
    private final Map<String, TimeWeightedAggregation.Series> levels = new TreeMap<>();

    private final java.util.SortedSet<String> levelPeriods = new java.util.TreeSet<>();
    /** One string per line key of the samples (a month of samples shares a few). */
    private final Map<String, String> levelLines = new java.util.HashMap<>();

    private final List<Fix> fixes = new ArrayList<>();
    private int peakOpen;

    /** The truth's lines, sorted, and the corrections' outcomes per period. */
    record Closed(List<Truth.Line> lines, java.util.SortedMap<String, Truth.Corrections> corrections) {}

    /** An accepted event, open until no copy or correction can name it. */
    void open(String identity, Billed event) {
        open.put(identity, event);
        peakOpen = Math.max(peakOpen, open.size());
    }

    /** The event left the recent ones: settled now unless a correction targets it. */
    void evicted(String identity) {
        if (!targeted.contains(identity)) {
            settle(open.remove(identity), null);
        }
    }

    /** A correction as sent. */
    void fix(Fix fix) {
        targeted.add(fix.target());
        fixes.add(fix);
    }

    /** The most events held open at once. */
    int peakOpen() {
        return peakOpen;
    }

    /** Adds a billed event to its line, as {@code fix} (an amend's quantity) leaves it when not null. */
    private void settle(Billed event, Fix fix) {
        if (event.series() != null) {
            Entitlement entitlement = event.entitlement();
            levels.computeIfAbsent(event.metric().name(), name -> new TimeWeightedAggregation.Series(event.metric()))
                    .add(
                            event.series(),
                            levelLines.computeIfAbsent(
                                    String.join(
                                            "\u0000",
                                            entitlement.subscriptionId(),
                                            entitlement.billingAccountId(),
                                            entitlement.plan()),
                                    line -> line),
                            event.time(),
                            event.sequence(),
                            fix != null ? fix.canonical() : event.canonical());
            levelPeriods.add(event.period());
            levelPeriods.add(YearMonth.from(event.time()
                            .plus(event.metric().parameters().maxHold())
                            .atOffset(ZoneOffset.UTC))
                    .toString());
            return;
        }
        String key = String.join(
                "\u0000",
                event.period(),
                event.entitlement().subscriptionId(),
                event.entitlement().plan(),
                event.metric().name());
        lines.computeIfAbsent(
                        key,
                        k -> new Accumulator(
                                event.period(),
                                event.entitlement().subscriptionId(),
                                event.entitlement().billingAccountId(),
                                event.entitlement().plan(),
                                event.metric().name(),
                                event.metric().canonicalUnit(),
                                event.metric()))
                .add(
                        fix != null ? fix.canonical() : event.canonical(),
                        event.time(),
                        event.sequence(),
                        event.distinct());
    }

    /** The truth's lines and the corrections' outcomes per period: every open event settled as its corrections decide. */
    Closed close(MetricCatalog catalog) {
        // Per target, the latest applicable correction wins: a void drops the event, an amend replaces it.
        Map<String, Fix> winners = new java.util.HashMap<>();
        TreeMap<String, long[]> counts = new TreeMap<>();
        for (Fix fix : fixes) {
            long[] period = counts.computeIfAbsent(fix.period(), p -> new long[3]);
            if (!fix.applicable() || !open.containsKey(fix.target())) {
                period[2]++;
            } else if (winners.put(fix.target(), fix) != null) {
                period[1]++;
            }
        }
        winners.values().forEach(fix -> counts.get(fix.period())[0]++);
        java.util.SortedMap<String, Truth.Corrections> corrections = new TreeMap<>();
        counts.forEach((period, n) -> corrections.put(period, new Truth.Corrections(n[0], n[1], n[2])));
        for (Map.Entry<String, Billed> entry : open.entrySet()) {
            Fix fix = winners.get(entry.getKey());
            if (fix == null || !fix.action().equals("void")) {
                settle(entry.getValue(), fix);
            }
        }
        open.clear();
        List<Truth.Line> result = new ArrayList<>();
        for (Accumulator accumulator : lines.values()) {
            result.add(new Truth.Line(
                    accumulator.period,
                    accumulator.subscription,
                    accumulator.account,
                    accumulator.plan,
                    accumulator.metric,
                    accumulator.unit,
                    accumulator.value.value().setScale(9),
                    accumulator.count));
        }
        levels.forEach((name, series) -> {
            Metric metric = catalog.metric(name).orElseThrow();
            for (String period : levelPeriods) {
                series.lines(io.meterlake.period.Period.parse(period)).forEach((line, part) -> {
                    String[] keys = line.split("\u0000");
                    result.add(new Truth.Line(
                            period,
                            keys[0],
                            keys[1],
                            keys[2],
                            name,
                            metric.lineUnit(),
                            part.quantity(),
                            part.samples()));
                });
            }
        });
        result.sort(java.util.Comparator.comparing(Truth.Line::period)
                .thenComparing(Truth.Line::subscriptionId)
                .thenComparing(Truth.Line::plan)
                .thenComparing(Truth.Line::metric));
        return new Closed(result, corrections);
    }

    /** A billed event: its line's parts, its quantity in the canonical unit, its time, its send order. */
    /** {@code distinct}: a UNIQUE_COUNT metric's property value (amends keep the target's attributes). */
    /** {@code series}: a TIME_WEIGHTED metric's series (null for the others). */
    record Billed(
            String period,
            Entitlement entitlement,
            Metric metric,
            BigDecimal canonical,
            Instant time,
            long sequence,
            String distinct,
            String series) {}

    /** A correction as sent: its target's identity, whether it can apply, an amend's canonical quantity. */
    record Fix(String target, String action, BigDecimal canonical, boolean applicable, String period) {}

    /** A truth line being accumulated with the catalog's aggregation. */
    /** One line of the truth: its keys, the metric's own accumulator (one meaning, shared with Spark's), its events. */
    private static final class Accumulator {
        final String period;
        final String subscription;
        final String account;
        final String plan;
        final String metric;
        final String unit;
        final MetricAggregation.Accumulator value;
        long count;

        Accumulator(
                String period,
                String subscription,
                String account,
                String plan,
                String metric,
                String unit,
                Metric of) {
            this.period = period;
            this.subscription = subscription;
            this.account = account;
            this.plan = plan;
            this.metric = metric;
            this.unit = unit;
            this.value =
                    MetricAggregation.of(of.aggregation()).accumulator(of, io.meterlake.period.Period.parse(period));
        }

        /** Events arrive in any order (see {@link MetricAggregation.Accumulator}). */
        void add(BigDecimal quantity, Instant time, long sequence, String distinct) {
            count++;
            value.add(quantity, time, sequence, distinct);
        }
    }
}
