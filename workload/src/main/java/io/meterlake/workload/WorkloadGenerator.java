package io.meterlake.workload;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meterlake.catalog.Metric;
import io.meterlake.period.Durations;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.MeterlakeException;
import io.meterlake.model.Entitlement;
import io.meterlake.catalog.Aggregation;
import io.meterlake.pipeline.aggregation.MetricAggregation;
import io.meterlake.pipeline.aggregation.TimeWeightedAggregation;
import io.meterlake.validation.ReasonCode;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Makes a synthetic workload of contract events, the entitlements it is billed against, and its
 * ground truth, computed here in plain Java, independently of the Spark pipeline.
 *
 * <p>The workload holds what production sees: exact duplicates, conflicting duplicates (same
 * identity, other quantity: the first sent wins), late events (event time days behind the events
 * around them), events just outside the span, instants exactly at period and entitlement
 * boundaries, non-UTC offsets, a plan change in the middle of the span, JSON numbers and decimal
 * strings, and every invalid class of {@link ReasonCode} (each at least once when the invalid
 * rate allows 14 invalid records).
 *
 * <p>Time is an input: {@code now} is the earliest ingest time of the workload, and the truth holds
 * for any ingest time in {@code [now, now + }{@link #INGEST_WITHIN}{@code ]} measured by the same
 * clock. Every accepted event lies in {@code [start − 2 h, end + 2 h]}, so the span must end at
 * least {@link #OUTSIDE} before {@code now} and start late enough for {@code validation.max-event-age};
 * the time-relative invalid classes ({@code EVENT_TIME_IN_FUTURE}, {@code EVENT_TOO_OLD}) are placed a
 * day beyond their limits as seen from either end of that window. No instant of the calendar is
 * special: {@link #defaultMonth} is valid at every {@code now}.
 */
public final class WorkloadGenerator {
    private static final ZoneOffset[] OFFSETS = {ZoneOffset.UTC, ZoneOffset.ofHours(2), ZoneOffset.ofHours(-4),
        ZoneOffset.ofHoursMinutes(5, 30), ZoneOffset.ofHours(-10), ZoneOffset.ofHours(14)};
    private static final String[] REGIONS = {"us-east-1", "eu-west-1", "ap-southeast-2"};
    /** Every reason a record can earn; UNPROCESSABLE is what a stage's own failure would give, none here. */
    private static final ReasonCode[] INVALID = java.util.Arrays.stream(ReasonCode.values())
            .filter(reason -> reason != ReasonCode.UNPROCESSABLE).toArray(ReasonCode[]::new);
    private static final int RECENT = 4096;
    /** One egress (PERCENTILE) event in this many is a burst. */
    private static final int BURST_ONE_IN = 50;
    /** How far outside the span the boundary events lie (start − 2 h, end + 2 h). */
    public static final Duration OUTSIDE = Duration.ofHours(2);
    /** The truth holds for an ingest up to this long after {@code now}. */
    public static final Duration INGEST_WITHIN = Duration.ofDays(1);

    private final WorkloadSpec spec;
    /** The tenants, their apps and entitlements. */
    private final Tenants tenants;
    private final MeterlakeConfig config;
    private final Instant now;


    /** The truth's state: the events still open, the corrections, the settled lines. */
    private final Ledger ledger = new Ledger();
    private final TreeMap<String, Long> quarantined = new TreeMap<>();
    private long records;
    private long accepted;
    private long duplicates;
    private long conflicts;
    /** Accepted records (duplicates included) of the late-entitlement tenants. */
    private long lateTenantRecords;

    /**
     * @param now the earliest ingest time, on the clock that will stamp the workload's ingest time
     *            (the broker's for Kafka, the ingest command's for files)
     */
    public WorkloadGenerator(WorkloadSpec spec, MeterlakeConfig config, Instant now) {
        this.spec = spec;
        this.tenants = new Tenants(spec);
        this.config = config;
        this.now = now;
        requireValid(spec, config, now);
    }

    /** Refuses (exit 2) a span whose events the time rules would reject at an ingest from {@code now}. */
    public static void requireValid(WorkloadSpec spec, MeterlakeConfig config, Instant now) {
        Instant earliest = now.plus(INGEST_WITHIN).minus(config.maxEventAge());
        if (spec.start().minus(OUTSIDE).isBefore(earliest)) {
            throw MeterlakeException.badInput("--start " + spec.start() + " is too far in the past: events before "
                    + earliest + " would be quarantined as EVENT_TOO_OLD (validation.max-event-age is "
                    + Durations.render(config.maxEventAge()) + ")", "choose a later --start");
        }
        if (spec.end().plus(OUTSIDE).isAfter(now)) {
            throw MeterlakeException.badInput("the span " + spec.start() + " + " + spec.days() + " days ends at "
                    + spec.end() + ", and its last event (2h after the end) would lie after now (" + now + ")",
                    "choose a span that ends at least 2h before now, e.g. --period " + defaultMonth(now)
                            + " (the default)");
        }
    }

    /**
     * The default workload month at {@code now}: the latest calendar month (UTC) whose end lies at least
     * {@link #OUTSIDE} before {@code now}. At 00:30 on the 1st that is the month before last.
     */
    public static YearMonth defaultMonth(Instant now) {
        YearMonth month = YearMonth.from(now.atOffset(ZoneOffset.UTC)).minusMonths(1);
        while (month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().plus(OUTSIDE).isAfter(now)) {
            month = month.minusMonths(1);
        }
        return month;
    }

    /** Default start: the first instant of {@link #defaultMonth}. */
    public static Instant defaultStart(Instant now) {
        return defaultMonth(now).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** Default days: the length of {@link #defaultMonth}. */
    public static int defaultDays(Instant now) {
        return defaultMonth(now).lengthOfMonth();
    }

    public List<Entitlement> entitlements() {
        return tenants.entitlements();
    }

    /** The entitlements loaded before the events arrive: all but the late-entitlement tenants'. */
    public List<Entitlement> earlyEntitlements() {
        return tenants.entitlements().stream().filter(e -> !tenants.isLate(e.tenantId())).toList();
    }

    private void counted(GeneratedEvent event) {
        accepted++;
        if (tenants.isLate(event.tenantId())) {
            lateTenantRecords++;
        }
    }

    /** Writes every record to {@code sink}, in send order, and returns the truth. Call once. */
    public Truth generate(Consumer<String> sink) {
        SplittableRandom random = new SplittableRandom(spec.seed());
        List<GeneratedEvent> recent = new ArrayList<>();
        long invalidIndex = 0;
        long serial = 0;
        List<GeneratedEvent> fixed = boundaryEvents();
        long span = Duration.between(spec.start(), spec.end()).toMillis();
        while (records < spec.events()) {
            String line;
            double draw = random.nextDouble();
            if (records < fixed.size()) {
                GeneratedEvent event = fixed.get((int) records);
                line = accept(event, random, recent);
            } else if (draw < spec.invalidRate()) {
                ReasonCode reason = INVALID[(int) (invalidIndex++ % INVALID.length)];
                line = InvalidRecords.of(reason, random, serial++, spec, config, now, tenants.pairs().get(0),
                        tenants.overlapTenant(), tenants.overlapApp());
                quarantined.merge(reason.name(), 1L, Long::sum);
            } else if (draw < spec.invalidRate() + spec.duplicateRate() && !recent.isEmpty()) {
                GeneratedEvent original = recent.get(random.nextInt(recent.size()));
                line = original.json();
                duplicates++;
                counted(original);
            } else if (draw < spec.invalidRate() + spec.duplicateRate() + spec.conflictRate() && !recent.isEmpty()) {
                GeneratedEvent original = recent.get(random.nextInt(recent.size()));
                GeneratedEvent conflicting = original.withQuantity(original.quantity().add(BigDecimal.ONE));
                line = conflicting.json();
                conflicts++;
                counted(conflicting);
            } else if (draw < spec.invalidRate() + spec.duplicateRate() + spec.conflictRate() + spec.correctionRate()
                    && !recent.isEmpty()) {
                String id = "evt-" + spec.seed() + "-fix-" + serial++;
                double kind = random.nextDouble();
                if (kind >= 0.92 && records + 2 <= spec.events()) {
                    // A void sent before its target: it applies once both are in raw.
                    GeneratedEvent target = randomEvent(random, "evt-" + spec.seed() + "-" + serial++,
                            recent.get(random.nextInt(recent.size())).time());
                    sink.accept(correction(id, target, "void", target.eventId(), null, true));
                    records++;
                    line = accept(target, random, recent);
                } else {
                    line = correction(id, recent.get(random.nextInt(recent.size())), kind, random, serial++);
                }
            } else {
                // Event times advance with the record index, as a live stream's would; late ones fall days behind.
                long position = (long) ((double) records / spec.events() * span);
                if (random.nextDouble() < spec.lateRate()) {
                    position -= Duration.ofHours(24 + random.nextInt(48)).toMillis();
                }
                position = Math.max(0, Math.min(span - 1, position + random.nextLong(-60_000, 60_000)));
                Instant time = spec.start().plusMillis(position).plusNanos(random.nextInt(1000) * 1000L);
                line = accept(randomEvent(random, "evt-" + spec.seed() + "-" + serial++, time), random, recent);
            }
            records++;
            sink.accept(line);
        }
        return truth();
    }

    /**
     * A correction of {@code target} by {@code kind}: under 0.4 a void, under 0.7 an amend (another
     * quantity, maybe in another unit), under 0.85 an amend that changes the metric (not applicable),
     * else a void of an event never sent (not applicable).
     */
    private String correction(String id, GeneratedEvent target, double kind, SplittableRandom random, long serial) {
        if (kind < 0.4) {
            return correction(id, target, "void", target.eventId(), null, random.nextBoolean());
        }
        if (kind < 0.7) {
            Metric metric = config.catalog().metric(target.metric()).orElseThrow();
            String[] unitAndQuantity = quantity(metric, random);
            return correction(id, new GeneratedEvent(id, target.source(), target.tenantId(), target.appId(), target.metric(),
                    unitAndQuantity[0], new BigDecimal(unitAndQuantity[1]), random.nextBoolean(), target.time(),
                    OFFSETS[random.nextInt(OFFSETS.length)], target.attributes()), "amend", target.eventId(), null, false);
        }
        if (kind < 0.85) {
            // An amend naming another metric (one that needs no attribute, so that only the metric differs).
            Metric other = config.catalog().metrics().stream().filter(m -> !m.name().equals(target.metric())
                    && m.property() == null).findFirst().orElseThrow();
            String[] unitAndQuantity = quantity(other, random);
            return correction(id, new GeneratedEvent(id, target.source(), target.tenantId(), target.appId(), other.name(),
                    unitAndQuantity[0], new BigDecimal(unitAndQuantity[1]), false, target.time(), ZoneOffset.UTC,
                    Map.of()), "amend", target.eventId(), false, false);
        }
        return correction(id, target, "void", "evt-" + spec.seed() + "-never-sent-" + serial, false, false);
    }

    /**
     * A correction record with {@code fields}' tenant, app, metric, time (and, for an amend, quantity
     * and unit), counted as accepted; {@code applicable} false marks one the recompute must refuse (null:
     * decided by its target when the truth is computed). A bare void leaves out quantity and unit.
     */
    private String correction(String id, GeneratedEvent fields, String action, String targetId, Boolean applicable,
            boolean bare) {
        counted(fields);
        ObjectNode node = fields.node();
        node.put("event_id", id);
        node.put("action", action);
        node.put("target_event_id", targetId);
        if (bare) {
            node.remove("quantity");
            node.remove("unit");
        }
        BigDecimal canonical = action.equals("amend") && !Boolean.FALSE.equals(applicable)
                ? canonical(fields) : null;
        ledger.fix(new Ledger.Fix(fields.source() + "\u0000" + targetId, action, canonical,
                !Boolean.FALSE.equals(applicable), YearMonth.from(fields.time().atOffset(ZoneOffset.UTC)).toString()));
        return node.toString();
    }

    private BigDecimal canonical(GeneratedEvent event) {
        Metric metric = config.catalog().metric(event.metric()).orElseThrow();
        return event.quantity().multiply(metric.factor(event.unit()).orElseThrow());
    }

    /** A new event (each identity is accepted once; copies and conflicts re-send recent ones). */
    private String accept(GeneratedEvent event, SplittableRandom random, List<GeneratedEvent> recent) {
        counted(event);
        Entitlement entitlement = tenants.covering(event.tenantId(), event.appId(), event.time());
        Metric metric = config.catalog().metric(event.metric()).orElseThrow();
        String period = YearMonth.from(event.time().atOffset(ZoneOffset.UTC)).toString();
        ledger.open(identity(event), new Ledger.Billed(period, entitlement, metric, canonical(event), event.time(),
                records, metric.property() == null ? null : event.attributes().get(metric.property()),
                series(event, metric)));
        if (recent.size() < RECENT) {
            recent.add(event);
        } else {
            int slot = random.nextInt(RECENT);
            ledger.evicted(identity(recent.set(slot, event)));
        }
        return event.json();
    }

    /** The most events the truth held open at once (a bound on its memory: the recent ones and the targeted). */
    int peakOpenEvents() {
        return ledger.peakOpen();
    }

    /** How many recent events copies, conflicts and corrections are drawn from. */
    static int recentEvents() {
        return RECENT;
    }

    private static String identity(GeneratedEvent event) {
        return event.source() + "\u0000" + event.eventId();
    }

    /** A TIME_WEIGHTED metric's series of {@code event}: tenant, app, metric, the series_by values; null for others. */
    private static String series(GeneratedEvent event, Metric metric) {
        if (metric.aggregation() != Aggregation.TIME_WEIGHTED) {
            return null;
        }
        StringBuilder key = new StringBuilder(event.tenantId() + "\u0000" + event.appId() + "\u0000" + metric.name());
        for (String attribute : metric.parameters().seriesBy()) {
            key.append('\u0000').append(event.attributes().getOrDefault(attribute, "\u0001"));
        }
        return key.toString();
    }

    private Truth truth() {
        Ledger.Closed closed = ledger.close(config.catalog());
        List<Truth.Line> result = closed.lines();
        Truth.Early early = null;
        if (spec.lateEntitlementTenants() > 0) {
            TreeMap<String, Long> before = new TreeMap<>(quarantined);
            if (lateTenantRecords > 0) {
                before.merge(ReasonCode.UNATTRIBUTED.name(), lateTenantRecords, Long::sum);
            }
            early = new Truth.Early(accepted - lateTenantRecords, before);
        }
        return new Truth(records, accepted, quarantined, duplicates, conflicts, result, early, closed.corrections());
    }

    /** Instants on period and entitlement boundaries and just outside the span, sent first. */
    private List<GeneratedEvent> boundaryEvents() {
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
        events.add(boundary(n++, otherPair, "storage.stored", "GB", "1.5", start.minus(Duration.ofHours(2)), ZoneOffset.UTC));
        events.add(boundary(n++, otherPair, "storage.stored", "MB", "900", end.plus(Duration.ofHours(2)), ZoneOffset.UTC));
        events.add(boundary(n++, planPair, "functions.compute", "GB-ms", "1000", tenants.planChange(), ZoneOffset.ofHours(1)));
        events.add(boundary(n++, planPair, "functions.compute", "GB-s", "2.5", tenants.planChange().minusNanos(1000),
                ZoneOffset.UTC));
        // Levels held: one straddling the start (its last hour is the span's), cut 30 minutes in by the
        // next; one on each side of the plan change (each part on its own line); one 30 minutes before the end.
        events.add(boundary(n++, otherPair, "storage.held", "GB", "2", start.minus(Duration.ofHours(1)), ZoneOffset.UTC));
        events.add(boundary(n++, otherPair, "storage.held", "MB", "1500", start.plus(Duration.ofMinutes(30)),
                ZoneOffset.ofHours(3)));
        events.add(boundary(n++, planPair, "storage.held", "GB", "4", tenants.planChange().minus(Duration.ofHours(1)),
                ZoneOffset.UTC));
        events.add(boundary(n++, planPair, "storage.held", "GB", "6", tenants.planChange().plus(Duration.ofMinutes(30)),
                ZoneOffset.UTC));
        events.add(boundary(n++, otherPair, "storage.held", "KB", "2500000", end.minus(Duration.ofMinutes(30)),
                ZoneOffset.UTC));
        // Another catalog (catalog.file) may lack some of these metrics: their boundary events are left out.
        events.removeIf(event -> config.catalog().metric(event.metric()).isEmpty());
        return events;
    }

    private GeneratedEvent boundary(int n, String[] pair, String metric, String unit, String quantity, Instant time,
            ZoneOffset offset) {
        return new GeneratedEvent("evt-" + spec.seed() + "-boundary-" + n, source(metric), pair[0], pair[1], metric, unit,
                new BigDecimal(quantity), true, time, offset, Map.of("region", REGIONS[0]));
    }

    private GeneratedEvent randomEvent(SplittableRandom random, String id, Instant time) {
        String[] pair = tenants.pairs().get(random.nextInt(tenants.pairs().size()));
        List<Metric> metrics = config.catalog().metrics();
        Metric metric = metrics.get(random.nextInt(metrics.size()));
        String[] unitAndQuantity = quantity(metric, random);
        Map<String, String> attributes = new TreeMap<>();
        attributes.put("region", REGIONS[random.nextInt(REGIONS.length)]);
        attributes.put("function", "fn-" + random.nextInt(20));
        if (metric.property() != null) {
            // Few values, so that users repeat within a window and across windows.
            attributes.put(metric.property(), "user-" + random.nextInt(40));
        }
        return new GeneratedEvent(id, source(metric.name()), pair[0], pair[1], metric.name(), unitAndQuantity[0],
                new BigDecimal(unitAndQuantity[1]), random.nextBoolean(), time, OFFSETS[random.nextInt(OFFSETS.length)],
                attributes);
    }

    /** A unit the catalog accepts and a quantity that converts exactly (at most 9 fraction digits). */
    private static String[] quantity(Metric metric, SplittableRandom random) {
        List<String> units = new ArrayList<>(new TreeMap<>(metric.unitFactors()).keySet());
        String unit = units.get(random.nextInt(units.size()));
        int factorScale = Math.max(0, metric.factor(unit).orElseThrow().stripTrailingZeros().scale());
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
