package io.meterlake.workload;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
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
    private static final DateTimeFormatter ISO = DateTimeFormatter.ISO_OFFSET_DATE_TIME;
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
    private final MeterlakeConfig config;
    private final Instant now;
    private final ObjectMapper mapper = new ObjectMapper().enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

    private final List<Entitlement> entitlements = new ArrayList<>();
    private final List<String[]> billablePairs = new ArrayList<>();
    private String overlapTenant;
    private String overlapApp;

    // Truth state, in memory bounded by the recent events and the corrections, not by the workload:
    // an event is open (by identity) while a copy or a correction can still name it, i.e. while it is
    // among the recent events or a correction targets it; once neither holds it is settled into its
    // line. The open ones settle when the truth is computed, after the corrections decided them.
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
        this.config = config;
        this.now = now;
        requireValid(spec, config, now);
        buildEntitlements();
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
        return List.copyOf(entitlements);
    }

    /** The entitlements loaded before the events arrive: all but the late-entitlement tenants'. */
    public List<Entitlement> earlyEntitlements() {
        return entitlements.stream().filter(e -> !lateTenant(e.tenantId())).toList();
    }

    /** The last {@code lateEntitlementTenants} tenants (never tenant-001, whose plan change and overlap stay). */
    private boolean lateTenant(String tenant) {
        if (!tenant.startsWith("tenant-") || tenant.equals(overlapTenant)) {
            return false;
        }
        try {
            return Integer.parseInt(tenant.substring("tenant-".length())) > spec.tenants() - spec.lateEntitlementTenants();
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private void counted(ValidEvent event) {
        accepted++;
        if (lateTenant(event.tenantId())) {
            lateTenantRecords++;
        }
    }

    /** Writes every record to {@code sink}, in send order, and returns the truth. Call once. */
    public Truth generate(Consumer<String> sink) {
        SplittableRandom random = new SplittableRandom(spec.seed());
        List<ValidEvent> recent = new ArrayList<>();
        long invalidIndex = 0;
        long serial = 0;
        List<ValidEvent> fixed = boundaryEvents();
        long span = Duration.between(spec.start(), spec.end()).toMillis();
        while (records < spec.events()) {
            String line;
            double draw = random.nextDouble();
            if (records < fixed.size()) {
                ValidEvent event = fixed.get((int) records);
                line = accept(event, random, recent);
            } else if (draw < spec.invalidRate()) {
                ReasonCode reason = INVALID[(int) (invalidIndex++ % INVALID.length)];
                line = invalid(reason, random, serial++);
                quarantined.merge(reason.name(), 1L, Long::sum);
            } else if (draw < spec.invalidRate() + spec.duplicateRate() && !recent.isEmpty()) {
                ValidEvent original = recent.get(random.nextInt(recent.size()));
                line = original.json();
                duplicates++;
                counted(original);
            } else if (draw < spec.invalidRate() + spec.duplicateRate() + spec.conflictRate() && !recent.isEmpty()) {
                ValidEvent original = recent.get(random.nextInt(recent.size()));
                ValidEvent conflicting = original.withQuantity(original.quantity().add(BigDecimal.ONE));
                line = conflicting.json();
                conflicts++;
                counted(conflicting);
            } else if (draw < spec.invalidRate() + spec.duplicateRate() + spec.conflictRate() + spec.correctionRate()
                    && !recent.isEmpty()) {
                String id = "evt-" + spec.seed() + "-fix-" + serial++;
                double kind = random.nextDouble();
                if (kind >= 0.92 && records + 2 <= spec.events()) {
                    // A void sent before its target: it applies once both are in raw.
                    ValidEvent target = randomEvent(random, "evt-" + spec.seed() + "-" + serial++,
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
    private String correction(String id, ValidEvent target, double kind, SplittableRandom random, long serial) {
        if (kind < 0.4) {
            return correction(id, target, "void", target.eventId(), null, random.nextBoolean());
        }
        if (kind < 0.7) {
            Metric metric = config.catalog().metric(target.metric()).orElseThrow();
            String[] unitAndQuantity = quantity(metric, random);
            return correction(id, new ValidEvent(id, target.source(), target.tenantId(), target.appId(), target.metric(),
                    unitAndQuantity[0], new BigDecimal(unitAndQuantity[1]), random.nextBoolean(), target.time(),
                    OFFSETS[random.nextInt(OFFSETS.length)], target.attributes()), "amend", target.eventId(), null, false);
        }
        if (kind < 0.85) {
            // An amend naming another metric (one that needs no attribute, so that only the metric differs).
            Metric other = config.catalog().metrics().stream().filter(m -> !m.name().equals(target.metric())
                    && m.property() == null).findFirst().orElseThrow();
            String[] unitAndQuantity = quantity(other, random);
            return correction(id, new ValidEvent(id, target.source(), target.tenantId(), target.appId(), other.name(),
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
    private String correction(String id, ValidEvent fields, String action, String targetId, Boolean applicable,
            boolean bare) {
        counted(fields);
        ObjectNode node = node(fields);
        node.put("event_id", id);
        node.put("action", action);
        node.put("target_event_id", targetId);
        if (bare) {
            node.remove("quantity");
            node.remove("unit");
        }
        BigDecimal canonical = action.equals("amend") && !Boolean.FALSE.equals(applicable)
                ? canonical(fields) : null;
        targeted.add(fields.source() + "\u0000" + targetId);
        fixes.add(new Fix(fields.source() + "\u0000" + targetId, action, canonical,
                !Boolean.FALSE.equals(applicable), YearMonth.from(fields.time().atOffset(ZoneOffset.UTC)).toString()));
        return node.toString();
    }

    private BigDecimal canonical(ValidEvent event) {
        Metric metric = config.catalog().metric(event.metric()).orElseThrow();
        return event.quantity().multiply(metric.factor(event.unit()).orElseThrow());
    }

    /** A new event (each identity is accepted once; copies and conflicts re-send recent ones). */
    private String accept(ValidEvent event, SplittableRandom random, List<ValidEvent> recent) {
        counted(event);
        Entitlement entitlement = entitlements.stream()
                .filter(e -> e.covers(event.tenantId(), event.appId(), event.time()))
                .findFirst().orElseThrow();
        Metric metric = config.catalog().metric(event.metric()).orElseThrow();
        String period = YearMonth.from(event.time().atOffset(ZoneOffset.UTC)).toString();
        open.put(identity(event), new Billed(period, entitlement, metric, canonical(event), event.time(), records,
                metric.property() == null ? null : event.attributes().get(metric.property()), series(event, metric)));
        peakOpen = Math.max(peakOpen, open.size());
        if (recent.size() < RECENT) {
            recent.add(event);
        } else {
            int slot = random.nextInt(RECENT);
            String evicted = identity(recent.set(slot, event));
            if (!targeted.contains(evicted)) {
                settle(open.remove(evicted), null);
            }
        }
        return event.json();
    }

    /** The most events the truth held open at once (a bound on its memory: the recent ones and the targeted). */
    int peakOpenEvents() {
        return peakOpen;
    }

    /** How many recent events copies, conflicts and corrections are drawn from. */
    static int recentEvents() {
        return RECENT;
    }

    private static String identity(ValidEvent event) {
        return event.source() + "\u0000" + event.eventId();
    }

    /** A TIME_WEIGHTED metric's series of {@code event}: tenant, app, metric, the series_by values; null for others. */
    private static String series(ValidEvent event, Metric metric) {
        if (metric.aggregation() != Aggregation.TIME_WEIGHTED) {
            return null;
        }
        StringBuilder key = new StringBuilder(event.tenantId() + "\u0000" + event.appId() + "\u0000" + metric.name());
        for (String attribute : metric.parameters().seriesBy()) {
            key.append('\u0000').append(event.attributes().getOrDefault(attribute, "\u0001"));
        }
        return key.toString();
    }

    /** Adds a billed event to its line, as {@code fix} (an amend's quantity) leaves it when not null. */
    private void settle(Billed event, Fix fix) {
        if (event.series() != null) {
            Entitlement entitlement = event.entitlement();
            levels.computeIfAbsent(event.metric().name(), name -> new TimeWeightedAggregation.Series(event.metric()))
                    .add(event.series(), levelLines.computeIfAbsent(String.join("\u0000", entitlement.subscriptionId(),
                            entitlement.billingAccountId(), entitlement.plan()), line -> line), event.time(), event.sequence(),
                            fix != null ? fix.canonical() : event.canonical());
            levelPeriods.add(event.period());
            levelPeriods.add(YearMonth.from(event.time().plus(event.metric().parameters().maxHold())
                    .atOffset(ZoneOffset.UTC)).toString());
            return;
        }
        String key = String.join("\u0000", event.period(), event.entitlement().subscriptionId(),
                event.entitlement().plan(), event.metric().name());
        lines.computeIfAbsent(key, k -> new Accumulator(event.period(), event.entitlement().subscriptionId(),
                event.entitlement().billingAccountId(), event.entitlement().plan(), event.metric().name(),
                event.metric().canonicalUnit(), event.metric()))
                .add(fix != null ? fix.canonical() : event.canonical(), event.time(), event.sequence(), event.distinct());
    }

    private Truth truth() {
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
            result.add(new Truth.Line(accumulator.period, accumulator.subscription, accumulator.account,
                    accumulator.plan, accumulator.metric, accumulator.unit, accumulator.value.value().setScale(9), accumulator.count));
        }
        levels.forEach((name, series) -> {
            Metric metric = config.catalog().metric(name).orElseThrow();
            for (String period : levelPeriods) {
                series.lines(io.meterlake.period.Period.parse(period)).forEach((line, part) -> {
                    String[] keys = line.split("\u0000");
                    result.add(new Truth.Line(period, keys[0], keys[1], keys[2], name, metric.lineUnit(), part.quantity(),
                            part.samples()));
                });
            }
        });
        result.sort(java.util.Comparator.comparing(Truth.Line::period).thenComparing(Truth.Line::subscriptionId)
                .thenComparing(Truth.Line::plan).thenComparing(Truth.Line::metric));
        Truth.Early early = null;
        if (spec.lateEntitlementTenants() > 0) {
            TreeMap<String, Long> before = new TreeMap<>(quarantined);
            if (lateTenantRecords > 0) {
                before.merge(ReasonCode.UNATTRIBUTED.name(), lateTenantRecords, Long::sum);
            }
            early = new Truth.Early(accepted - lateTenantRecords, before);
        }
        return new Truth(records, accepted, quarantined, duplicates, conflicts, result, early, corrections);
    }

    private void buildEntitlements() {
        Instant from = spec.start().minus(Duration.ofDays(60));
        Instant planChange = planChange();
        for (int t = 1; t <= spec.tenants(); t++) {
            String tenant = String.format("tenant-%03d", t);
            String account = String.format("acct-%03d", t);
            for (int a = 1; a <= 2; a++) {
                String app = "forge-app-" + (char) ('a' + (t + a) % 6);
                String id = tenant + "-" + app;
                billablePairs.add(new String[] {tenant, app});
                if (t == 1 && a == 1) {
                    // An upgrade: one subscription, two entitlements; its usage is billed per plan.
                    entitlements.add(new Entitlement("ent-" + id + "-standard", "sub-" + id, account,
                            tenant, app, "standard", from, planChange));
                    entitlements.add(new Entitlement("ent-" + id + "-premium", "sub-" + id, account,
                            tenant, app, "premium", planChange, null));
                } else {
                    entitlements.add(new Entitlement("ent-" + id, "sub-" + id, account, tenant, app,
                            a == 1 ? "standard" : "free", from, null));
                }
            }
        }
        overlapTenant = "tenant-001";
        overlapApp = "forge-app-overlap";
        entitlements.add(new Entitlement("ent-overlap-1", "sub-overlap-1", "acct-001", overlapTenant, overlapApp,
                "standard", from, null));
        entitlements.add(new Entitlement("ent-overlap-2", "sub-overlap-2", "acct-001", overlapTenant, overlapApp,
                "standard", spec.start(), null));
    }

    /** Mid-span, not on a day boundary, so the split is visible inside a day. */
    private Instant planChange() {
        return spec.start().plus(Duration.ofDays(spec.days() / 2)).plus(Duration.ofHours(13));
    }

    /** Instants on period and entitlement boundaries and just outside the span, sent first. */
    private List<ValidEvent> boundaryEvents() {
        String[] planPair = billablePairs.get(0);
        String[] otherPair = billablePairs.get(billablePairs.size() > 1 ? 1 : 0);
        Instant start = spec.start();
        Instant end = spec.end();
        List<ValidEvent> events = new ArrayList<>();
        int n = 0;
        events.add(boundary(n++, otherPair, "functions.invocations", "count", "1", start, ZoneOffset.UTC));
        events.add(boundary(n++, otherPair, "functions.invocations", "count", "2", start, ZoneOffset.ofHours(-5)));
        events.add(boundary(n++, otherPair, "kvs.writes", "count", "3", start.minusNanos(1000), ZoneOffset.ofHours(9)));
        events.add(boundary(n++, otherPair, "kvs.writes", "count", "4", end.minusMillis(1), ZoneOffset.ofHours(-8)));
        events.add(boundary(n++, otherPair, "kvs.writes", "count", "5", end, ZoneOffset.ofHours(2)));
        events.add(boundary(n++, otherPair, "storage.stored", "GB", "1.5", start.minus(Duration.ofHours(2)), ZoneOffset.UTC));
        events.add(boundary(n++, otherPair, "storage.stored", "MB", "900", end.plus(Duration.ofHours(2)), ZoneOffset.UTC));
        events.add(boundary(n++, planPair, "functions.compute", "GB-ms", "1000", planChange(), ZoneOffset.ofHours(1)));
        events.add(boundary(n++, planPair, "functions.compute", "GB-s", "2.5", planChange().minusNanos(1000),
                ZoneOffset.UTC));
        // Levels held: one straddling the start (its last hour is the span's), cut 30 minutes in by the
        // next; one on each side of the plan change (each part on its own line); one 30 minutes before the end.
        events.add(boundary(n++, otherPair, "storage.held", "GB", "2", start.minus(Duration.ofHours(1)), ZoneOffset.UTC));
        events.add(boundary(n++, otherPair, "storage.held", "MB", "1500", start.plus(Duration.ofMinutes(30)),
                ZoneOffset.ofHours(3)));
        events.add(boundary(n++, planPair, "storage.held", "GB", "4", planChange().minus(Duration.ofHours(1)),
                ZoneOffset.UTC));
        events.add(boundary(n++, planPair, "storage.held", "GB", "6", planChange().plus(Duration.ofMinutes(30)),
                ZoneOffset.UTC));
        events.add(boundary(n++, otherPair, "storage.held", "KB", "2500000", end.minus(Duration.ofMinutes(30)),
                ZoneOffset.UTC));
        // Another catalog (catalog.file) may lack some of these metrics: their boundary events are left out.
        events.removeIf(event -> config.catalog().metric(event.metric()).isEmpty());
        return events;
    }

    private ValidEvent boundary(int n, String[] pair, String metric, String unit, String quantity, Instant time,
            ZoneOffset offset) {
        return new ValidEvent("evt-" + spec.seed() + "-boundary-" + n, source(metric), pair[0], pair[1], metric, unit,
                new BigDecimal(quantity), true, time, offset, Map.of("region", REGIONS[0]));
    }

    private ValidEvent randomEvent(SplittableRandom random, String id, Instant time) {
        String[] pair = billablePairs.get(random.nextInt(billablePairs.size()));
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
        return new ValidEvent(id, source(metric.name()), pair[0], pair[1], metric.name(), unitAndQuantity[0],
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

    private String invalid(ReasonCode reason, SplittableRandom random, long serial) {
        String id = "evt-" + spec.seed() + "-invalid-" + serial;
        Instant inSpan = spec.start().plusMillis(random.nextLong(Duration.between(spec.start(), spec.end()).toMillis()));
        String[] pair = billablePairs.get(0);
        ObjectNode node = node(new ValidEvent(id, "forge-functions", pair[0], pair[1], "functions.invocations",
                "count", BigDecimal.TEN, true, inSpan, ZoneOffset.UTC, Map.of()));
        switch (reason) {
            case OVERSIZED -> node.putObject("attributes").put("blob", "x".repeat(70_000));
            case INVALID_ENCODING -> {
                // A lone surrogate, escaped: the line is ASCII, its event_id no Unicode text.
                return node.toString().replace("\"" + id + "\"", "\"" + id + "\\ud800\"");
            }
            case MALFORMED_JSON -> {
                return node.toString().substring(0, 40);
            }
            case UNSUPPORTED_SCHEMA_VERSION -> node.put("schema_version", 2);
            case MISSING_FIELD -> node.remove("tenant_id");
            case BAD_TYPE -> node.put("quantity", true);
            case UNKNOWN_ACTION -> node.put("action", "delete").put("target_event_id", id + "-target");
            case INVALID_TARGET -> node.put("action", "void").put("target_event_id", id);
            case UNKNOWN_METRIC -> node.put("metric", "functions.gpu");
            case UNIT_NOT_ACCEPTED -> node.put("unit", "ms").put("metric", "functions.compute");
            case NON_FINITE_QUANTITY -> node.put("quantity", "NaN");
            case NEGATIVE_QUANTITY -> node.put("quantity", new BigDecimal("-5"));
            case EVENT_TIME_IN_FUTURE -> node.put("event_time", ISO.format(now.plus(INGEST_WITHIN)
                    .plus(config.maxClockSkew()).plus(Duration.ofDays(1)).atOffset(ZoneOffset.UTC)));
            case EVENT_TOO_OLD -> node.put("event_time", ISO.format(now.minus(config.maxEventAge())
                    .minus(Duration.ofDays(1)).atOffset(ZoneOffset.UTC)));
            case PRECISION_OVERFLOW -> node.put("metric", "logs.ingested").put("unit", "B").put("quantity", "1.5");
            case QUANTITY_ABOVE_MAXIMUM -> node.put("quantity", config.catalog().metric("functions.invocations")
                    .orElseThrow().maxQuantity().stripTrailingZeros().add(java.math.BigDecimal.ONE).toPlainString());
            case UNATTRIBUTED -> node.put("tenant_id", "tenant-unknown");
            case AMBIGUOUS_ATTRIBUTION -> node.put("tenant_id", overlapTenant).put("app_id", overlapApp);
            default -> throw new IllegalStateException("no generator for " + reason);
        }
        return node.toString();
    }

    private ObjectNode node(ValidEvent event) {
        ObjectNode node = mapper.createObjectNode();
        node.put("schema_version", 1);
        node.put("event_id", event.eventId());
        node.put("source", event.source());
        node.put("tenant_id", event.tenantId());
        node.put("app_id", event.appId());
        node.put("metric", event.metric());
        if (event.quantityAsNumber()) {
            node.put("quantity", event.quantity());
        } else {
            node.put("quantity", event.quantity().toPlainString());
        }
        node.put("unit", event.unit());
        node.put("event_time", ISO.format(event.time().atOffset(event.offset())));
        if (!event.attributes().isEmpty()) {
            ObjectNode attributes = node.putObject("attributes");
            event.attributes().forEach(attributes::put);
        }
        return node;
    }

    /** A billed event: its line's parts, its quantity in the canonical unit, its time, its send order. */
    /** {@code distinct}: a UNIQUE_COUNT metric's property value (amends keep the target's attributes). */
    /** {@code series}: a TIME_WEIGHTED metric's series (null for the others). */
    private record Billed(String period, Entitlement entitlement, Metric metric, BigDecimal canonical, Instant time,
            long sequence, String distinct, String series) {
    }

    /** A correction as sent: its target's identity, whether it can apply, an amend's canonical quantity. */
    private record Fix(String target, String action, BigDecimal canonical, boolean applicable, String period) {
    }

    /** A valid event as generated; its JSON is rendered on demand. */
    private final class ValidEvent {
        private final String eventId;
        private final String source;
        private final String tenantId;
        private final String appId;
        private final String metric;
        private final String unit;
        private final BigDecimal quantity;
        private final boolean quantityAsNumber;
        private final Instant time;
        private final ZoneOffset offset;
        private final Map<String, String> attributes;

        ValidEvent(String eventId, String source, String tenantId, String appId, String metric, String unit,
                BigDecimal quantity, boolean quantityAsNumber, Instant time, ZoneOffset offset,
                Map<String, String> attributes) {
            this.eventId = eventId;
            this.source = source;
            this.tenantId = tenantId;
            this.appId = appId;
            this.metric = metric;
            this.unit = unit;
            this.quantity = quantity;
            this.quantityAsNumber = quantityAsNumber;
            this.time = time;
            this.offset = offset;
            this.attributes = attributes;
        }

        ValidEvent withQuantity(BigDecimal other) {
            return new ValidEvent(eventId, source, tenantId, appId, metric, unit, other, quantityAsNumber, time, offset,
                    attributes);
        }

        String json() {
            return node(this).toString();
        }

        String eventId() { return eventId; }
        String source() { return source; }
        String tenantId() { return tenantId; }
        String appId() { return appId; }
        String metric() { return metric; }
        String unit() { return unit; }
        BigDecimal quantity() { return quantity; }
        boolean quantityAsNumber() { return quantityAsNumber; }
        Instant time() { return time; }
        ZoneOffset offset() { return offset; }
        Map<String, String> attributes() { return attributes; }
    }

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

        Accumulator(String period, String subscription, String account, String plan, String metric, String unit,
                Metric of) {
            this.period = period;
            this.subscription = subscription;
            this.account = account;
            this.plan = plan;
            this.metric = metric;
            this.unit = unit;
            this.value = MetricAggregation.of(of.aggregation()).accumulator(of, io.meterlake.period.Period.parse(period));
        }

        /** Events arrive in any order (see {@link MetricAggregation.Accumulator}). */
        void add(BigDecimal quantity, Instant time, long sequence, String distinct) {
            count++;
            value.add(quantity, time, sequence, distinct);
        }
    }
}
