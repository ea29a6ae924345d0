package io.meterlake.workload;

import io.meterlake.catalog.Aggregation;
import io.meterlake.catalog.Metric;
import io.meterlake.catalog.MetricCatalog;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * What the generator's events contain: the fixed ones on period and entitlement boundaries, and random ones
 * over the catalog's metrics, units, offsets and attributes ({@link WorkloadGenerator} decides which to send
 * when, and counts them).
 */
final class EventDraws {
    private static final ZoneOffset[] OFFSETS = {
        ZoneOffset.UTC,
        ZoneOffset.ofHours(2),
        ZoneOffset.ofHours(-4),
        ZoneOffset.ofHoursMinutes(5, 30),
        ZoneOffset.ofHours(-10),
        ZoneOffset.ofHours(14)
    };
    private static final String[] REGIONS = {"us-east-1", "eu-west-1", "ap-southeast-2"};
    /** One egress (PERCENTILE) event in this many is a burst. */
    private static final int BURST_ONE_IN = 50;

    private final WorkloadSpec spec;
    private final Tenants tenants;
    private final MetricCatalog catalog;

    EventDraws(WorkloadSpec spec, Tenants tenants, MetricCatalog catalog) {
        this.spec = spec;
        this.tenants = tenants;
        this.catalog = catalog;
    }

    /** A UTC offset to write an event time with (several, so that the rules' UTC conversion is exercised). */
    static ZoneOffset offset(SplittableRandom random) {
        return OFFSETS[random.nextInt(OFFSETS.length)];
    }

    /** Instants on period and entitlement boundaries and just outside the span, sent first. */
    List<GeneratedEvent> boundaryEvents() {
        String[] planPair = tenants.pairs().get(0);
        String[] otherPair = tenants.pairs().get(tenants.pairs().size() > 1 ? 1 : 0);
        Instant start = spec.start();
        Instant end = spec.end();
        List<GeneratedEvent> events = new ArrayList<>();
        int n = 0;
        events.add(boundary(n++, otherPair, "functions.invocations", "count", "1", start, ZoneOffset.UTC));
        events.add(boundary(n++, otherPair, "functions.invocations", "count", "2", start, ZoneOffset.ofHours(-5)));
        events.add(boundary(n++, otherPair, "kvs.writes", "count", "3", start.minusNanos(1000), ZoneOffset.ofHours(9)));
        events.add(boundary(n++, otherPair, "kvs.writes", "count", "4", end.minusMillis(1), ZoneOffset.ofHours(-8)));
        events.add(boundary(n++, otherPair, "kvs.writes", "count", "5", end, ZoneOffset.ofHours(2)));
        events.add(boundary(
                n++, otherPair, "storage.stored", "GB", "1.5", start.minus(Duration.ofHours(2)), ZoneOffset.UTC));
        events.add(
                boundary(n++, otherPair, "storage.stored", "MB", "900", end.plus(Duration.ofHours(2)), ZoneOffset.UTC));
        events.add(boundary(
                n++, planPair, "functions.compute", "GB-ms", "1000", tenants.planChange(), ZoneOffset.ofHours(1)));
        events.add(boundary(
                n++,
                planPair,
                "functions.compute",
                "GB-s",
                "2.5",
                tenants.planChange().minusNanos(1000),
                ZoneOffset.UTC));
        // Levels held: one straddling the start (its last hour is the span's), cut 30 minutes in by the
        // next; one on each side of the plan change (each part on its own line); one 30 minutes before the end.
        events.add(
                boundary(n++, otherPair, "storage.held", "GB", "2", start.minus(Duration.ofHours(1)), ZoneOffset.UTC));
        events.add(boundary(
                n++,
                otherPair,
                "storage.held",
                "MB",
                "1500",
                start.plus(Duration.ofMinutes(30)),
                ZoneOffset.ofHours(3)));
        events.add(boundary(
                n++,
                planPair,
                "storage.held",
                "GB",
                "4",
                tenants.planChange().minus(Duration.ofHours(1)),
                ZoneOffset.UTC));
        events.add(boundary(
                n++,
                planPair,
                "storage.held",
                "GB",
                "6",
                tenants.planChange().plus(Duration.ofMinutes(30)),
                ZoneOffset.UTC));
        events.add(boundary(
                n++, otherPair, "storage.held", "KB", "2500000", end.minus(Duration.ofMinutes(30)), ZoneOffset.UTC));
        // Another catalog (catalog.file) may lack some of these metrics: their boundary events are left out.
        events.removeIf(event -> catalog.metric(event.metric()).isEmpty());
        return events;
    }

    private GeneratedEvent boundary(
            int n, String[] pair, String metric, String unit, String quantity, Instant time, ZoneOffset offset) {
        return new GeneratedEvent(
                "evt-" + spec.seed() + "-boundary-" + n,
                source(metric),
                pair[0],
                pair[1],
                metric,
                unit,
                new BigDecimal(quantity),
                true,
                time,
                offset,
                Map.of("region", REGIONS[0]));
    }

    GeneratedEvent randomEvent(SplittableRandom random, String id, Instant time) {
        String[] pair = tenants.pairs().get(random.nextInt(tenants.pairs().size()));
        List<Metric> metrics = catalog.metrics();
        Metric metric = metrics.get(random.nextInt(metrics.size()));
        if (metric.aggregation() == Aggregation.PERCENTILE) {
            // Egress is metered all month by one subscription (tenant-001's second app, always entitled), as a
            // sampling agent would: a tenth of the events in one line fill enough of its buckets that the
            // percentile is not 0 (spread over every subscription, each line's p95 of 5-minute buckets was 0).
            pair = tenants.pairs().get(Math.min(1, tenants.pairs().size() - 1));
        }
        String[] unitAndQuantity = quantity(metric, random);
        Map<String, String> attributes = new TreeMap<>();
        attributes.put("region", REGIONS[random.nextInt(REGIONS.length)]);
        attributes.put("function", "fn-" + random.nextInt(20));
        if (metric.property() != null) {
            // Few values, so that users repeat within a window and across windows.
            attributes.put(metric.property(), "user-" + random.nextInt(40));
        }
        return new GeneratedEvent(
                id,
                source(metric.name()),
                pair[0],
                pair[1],
                metric.name(),
                unitAndQuantity[0],
                new BigDecimal(unitAndQuantity[1]),
                random.nextBoolean(),
                time,
                offset(random),
                attributes);
    }

    /** A unit the catalog accepts and a quantity that converts exactly (at most 9 fraction digits). */
    static String[] quantity(Metric metric, SplittableRandom random) {
        List<String> units = new ArrayList<>(new TreeMap<>(metric.unitFactors()).keySet());
        String unit = units.get(random.nextInt(units.size()));
        int factorScale = Math.max(
                0, metric.factor(unit).orElseThrow().stripTrailingZeros().scale());
        if (metric.property() != null) {
            // One sighting of a value: what a distinct count's events carry (their quantities are not added).
            return new String[] {unit, "1"};
        }
        if (metric.canonicalUnit().equals("count")) {
            return new String[] {unit, Long.toString(random.nextLong(1, 1_000))};
        }
        int digits = Math.min(3, 9 - factorScale);
        BigDecimal value = BigDecimal.valueOf(random.nextLong(1, 5_000_000), digits);
        if (metric.aggregation() == Aggregation.PERCENTILE && random.nextInt(BURST_ONE_IN) == 0) {
            // A burst, what burstable billing is for: a hundred times the usual (the highest buckets are dropped).
            BigDecimal burst = value.multiply(BigDecimal.valueOf(100));
            if (burst.multiply(metric.factor(unit).orElseThrow()).compareTo(metric.maxQuantity()) <= 0) {
                value = burst;
            }
        }
        return new String[] {unit, value.toPlainString()};
    }

    private static String source(String metric) {
        return "forge-" + metric.substring(0, metric.indexOf('.'));
    }
}
