package io.meterlake.workload;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meterlake.catalog.Aggregation;
import io.meterlake.catalog.Metric;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.model.Entitlement;
import io.meterlake.period.Durations;
import io.meterlake.validation.ReasonCode;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
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
    /** Every reason a record can earn; UNPROCESSABLE is what a stage's own failure would give, none here. */
    private static final ReasonCode[] INVALID = java.util.Arrays.stream(ReasonCode.values())
            .filter(reason -> reason != ReasonCode.UNPROCESSABLE)
            .toArray(ReasonCode[]::new);

    private static final int RECENT = 4096;
    /** How far outside the span the boundary events lie (start − 2 h, end + 2 h). */
    public static final Duration OUTSIDE = Duration.ofHours(2);
    /** The truth holds for an ingest up to this long after {@code now}. */
    public static final Duration INGEST_WITHIN = Duration.ofDays(1);

    private final WorkloadSpec spec;
    /** The tenants, their apps and entitlements. */
    private final Tenants tenants;

    private final MeterlakeConfig config;
    private final Instant now;
    /** The events' contents: the boundary ones, the random ones. */
    private final EventDraws draws;

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
        this.draws = new EventDraws(spec, tenants, config.catalog());
        requireValid(spec, config, now);
    }

    /** Refuses (exit 2) a span whose events the time rules would reject at an ingest from {@code now}. */
    public static void requireValid(WorkloadSpec spec, MeterlakeConfig config, Instant now) {
        Instant earliest = now.plus(INGEST_WITHIN).minus(config.maxEventAge());
        if (spec.start().minus(OUTSIDE).isBefore(earliest)) {
            throw WorkloadErrors.startTooOld(
                    spec.start(), spec.days(), earliest, Durations.render(config.maxEventAge()), defaultMonth(now));
        }
        if (spec.end().plus(OUTSIDE).isAfter(now)) {
            throw WorkloadErrors.spanNotOver(spec.start(), spec.days(), spec.end(), now, defaultMonth(now));
        }
    }

    /**
     * The default workload month at {@code now}: the latest calendar month (UTC) whose end lies at least
     * {@link #OUTSIDE} before {@code now}. At 00:30 on the 1st that is the month before last.
     */
    public static YearMonth defaultMonth(Instant now) {
        YearMonth month = YearMonth.from(now.atOffset(ZoneOffset.UTC)).minusMonths(1);
        while (month.plusMonths(1)
                .atDay(1)
                .atStartOfDay(ZoneOffset.UTC)
                .toInstant()
                .plus(OUTSIDE)
                .isAfter(now)) {
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
        return tenants.entitlements().stream()
                .filter(e -> !tenants.isLate(e.tenantId()))
                .toList();
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
        List<GeneratedEvent> fixed = draws.boundaryEvents();
        long span = Duration.between(spec.start(), spec.end()).toMillis();
        while (records < spec.events()) {
            String line;
            double draw = random.nextDouble();
            if (records < fixed.size()) {
                GeneratedEvent event = fixed.get((int) records);
                line = accept(event, random, recent);
            } else if (draw < spec.invalidRate()) {
                ReasonCode reason = INVALID[(int) (invalidIndex++ % INVALID.length)];
                line = InvalidRecords.of(
                        reason,
                        random,
                        serial++,
                        spec,
                        config,
                        now,
                        tenants.pairs().get(0),
                        tenants.overlapTenant(),
                        tenants.overlapApp());
                quarantined.merge(reason.name(), 1L, Long::sum);
            } else if (draw < spec.invalidRate() + spec.duplicateRate() && !recent.isEmpty()) {
                GeneratedEvent original = recent.get(random.nextInt(recent.size()));
                line = original.json();
                duplicates++;
                counted(original);
            } else if (draw < spec.invalidRate() + spec.duplicateRate() + spec.conflictRate() && !recent.isEmpty()) {
                GeneratedEvent original = recent.get(random.nextInt(recent.size()));
                GeneratedEvent conflicting =
                        original.withQuantity(original.quantity().add(BigDecimal.ONE));
                line = conflicting.json();
                conflicts++;
                counted(conflicting);
            } else if (draw < spec.invalidRate() + spec.duplicateRate() + spec.conflictRate() + spec.correctionRate()
                    && !recent.isEmpty()) {
                String id = "evt-" + spec.seed() + "-fix-" + serial++;
                double kind = random.nextDouble();
                if (kind >= 0.92 && records + 2 <= spec.events()) {
                    // A void sent before its target: it applies once both are in raw.
                    GeneratedEvent target = draws.randomEvent(
                            random,
                            "evt-" + spec.seed() + "-" + serial++,
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
                line = accept(draws.randomEvent(random, "evt-" + spec.seed() + "-" + serial++, time), random, recent);
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
            String[] unitAndQuantity = EventDraws.quantity(metric, random);
            return correction(
                    id,
                    new GeneratedEvent(
                            id,
                            target.source(),
                            target.tenantId(),
                            target.appId(),
                            target.metric(),
                            unitAndQuantity[0],
                            new BigDecimal(unitAndQuantity[1]),
                            random.nextBoolean(),
                            target.time(),
                            EventDraws.offset(random),
                            target.attributes()),
                    "amend",
                    target.eventId(),
                    null,
                    false);
        }
        if (kind < 0.85) {
            // An amend naming another metric (one that needs no attribute, so that only the metric differs).
            Metric other = config.catalog().metrics().stream()
                    .filter(m -> !m.name().equals(target.metric()) && m.property() == null)
                    .findFirst()
                    .orElseThrow();
            String[] unitAndQuantity = EventDraws.quantity(other, random);
            return correction(
                    id,
                    new GeneratedEvent(
                            id,
                            target.source(),
                            target.tenantId(),
                            target.appId(),
                            other.name(),
                            unitAndQuantity[0],
                            new BigDecimal(unitAndQuantity[1]),
                            false,
                            target.time(),
                            ZoneOffset.UTC,
                            Map.of()),
                    "amend",
                    target.eventId(),
                    false,
                    false);
        }
        return correction(id, target, "void", "evt-" + spec.seed() + "-never-sent-" + serial, false, false);
    }

    /**
     * A correction record with {@code fields}' tenant, app, metric, time (and, for an amend, quantity
     * and unit), counted as accepted; {@code applicable} false marks one the recompute must refuse (null:
     * decided by its target when the truth is computed). A bare void leaves out quantity and unit.
     */
    private String correction(
            String id, GeneratedEvent fields, String action, String targetId, Boolean applicable, boolean bare) {
        counted(fields);
        ObjectNode node = fields.node();
        node.put("event_id", id);
        node.put("action", action);
        node.put("target_event_id", targetId);
        if (bare) {
            node.remove("quantity");
            node.remove("unit");
        }
        BigDecimal canonical = action.equals("amend") && !Boolean.FALSE.equals(applicable) ? canonical(fields) : null;
        ledger.fix(new Ledger.Fix(
                fields.source() + "\u0000" + targetId,
                action,
                canonical,
                !Boolean.FALSE.equals(applicable),
                YearMonth.from(fields.time().atOffset(ZoneOffset.UTC)).toString()));
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
        ledger.open(
                identity(event),
                new Ledger.Billed(
                        period,
                        entitlement,
                        metric,
                        canonical(event),
                        event.time(),
                        records,
                        metric.property() == null ? null : event.attributes().get(metric.property()),
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
}
