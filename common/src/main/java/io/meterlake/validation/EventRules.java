package io.meterlake.validation;

import io.meterlake.catalog.Metric;
import io.meterlake.catalog.MetricCatalog;
import io.meterlake.period.Durations;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * The contract's stateless rules, in one place: parse, schema, catalog, units, quantity, time and the
 * exact conversion to the canonical unit. Everything about one record that needs no other record and
 * no table. The stream, file ingest and the recompute run it through {@code EventPipeline} (a Spark
 * function); the HTTP gateway calls it directly on each event of a request. Both therefore give one
 * record the same {@link ReasonCode} and detail for the same ingest time.
 *
 * <p>Rules run in {@link ReasonCode}'s order and the first that fails names the reason; attribution
 * (which needs the entitlements) comes after, in the pipeline only.
 */
public final class EventRules implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private static final EventParser PARSER = new EventParser();

    private final MetricCatalog catalog;
    private final Duration maxClockSkew;
    private final Duration maxEventAge;

    public EventRules(MetricCatalog catalog, Duration maxClockSkew, Duration maxEventAge) {
        this.catalog = catalog;
        this.maxClockSkew = maxClockSkew;
        this.maxEventAge = maxEventAge;
    }

    /**
     * One record's verdict.
     *
     * @param text      the payload as text (see {@link EventParser.Decoded})
     * @param event     the parsed event; null when the parse rejected it
     * @param inputUnit the unit as sent, or the metric's canonical one for a void that names none
     * @param quantity  the quantity in the canonical unit, {@code decimal(38,9)}; null unless converted
     * @param unit      the canonical unit; null unless converted
     * @param reason    why the record is rejected; null when it passed every stateless rule
     * @param detail    what exactly failed, for a person; null when accepted
     */
    public record Verdict(
            String text,
            ParsedEvent event,
            String inputUnit,
            BigDecimal quantity,
            String unit,
            ReasonCode reason,
            String detail) {
        public boolean accepted() {
            return reason == null;
        }
    }

    /** Parses {@code bytes} and checks the event against the catalog and {@code ingestedAt}. */
    public Verdict check(byte[] bytes, Instant ingestedAt) {
        EventParser.Decoded decoded = EventParser.decode(bytes);
        ParseResult parsed = PARSER.parse(decoded, bytes);
        if (!parsed.accepted()) {
            return new Verdict(decoded.text(), null, null, null, null, parsed.reason(), parsed.detail());
        }
        return check(decoded.text(), parsed.event(), ingestedAt);
    }

    private Verdict check(String text, ParsedEvent event, Instant ingestedAt) {
        Optional<Metric> found = catalog.metric(event.metric());
        if (found.isEmpty()) {
            return rejected(
                    text,
                    event,
                    event.inputUnit(),
                    ReasonCode.UNKNOWN_METRIC,
                    "metric '" + event.metric() + "' is not in the metric catalog");
        }
        Metric metric = found.get();
        // A void that names no unit is in the metric's canonical one.
        String inputUnit = event.inputUnit() == null ? metric.canonicalUnit() : event.inputUnit();
        Verdict missing = missingProperty(text, event, inputUnit, metric);
        if (missing != null) {
            return missing;
        }
        Optional<BigDecimal> factor = metric.factor(inputUnit);
        if (factor.isEmpty()) {
            return rejected(
                    text,
                    event,
                    inputUnit,
                    ReasonCode.UNIT_NOT_ACCEPTED,
                    "unit '" + inputUnit + "' is not accepted for metric '" + metric.name() + "'");
        }
        String quantity = event.inputQuantity();
        if (Quantities.NON_FINITE.contains(quantity)) {
            return rejected(text, event, inputUnit, ReasonCode.NON_FINITE_QUANTITY, "quantity is " + quantity);
        }
        if (quantity.startsWith("-")) {
            return rejected(
                    text, event, inputUnit, ReasonCode.NEGATIVE_QUANTITY, "quantity " + quantity + " is negative");
        }
        Verdict late = outOfTime(text, event, inputUnit, ingestedAt);
        if (late != null) {
            return late;
        }
        Optional<BigDecimal> canonical;
        try {
            canonical = Quantities.toCanonical(quantity, factor.get());
        } catch (RuntimeException e) {
            return rejected(
                    text,
                    event,
                    inputUnit,
                    ReasonCode.UNPROCESSABLE,
                    "the unit conversion failed on quantity " + quantity + " ("
                            + e.getClass().getName() + ")");
        }
        if (canonical.isEmpty()) {
            return rejected(
                    text,
                    event,
                    inputUnit,
                    ReasonCode.PRECISION_OVERFLOW,
                    "quantity " + quantity + " " + inputUnit + " is not exact in decimal(38,9) "
                            + metric.canonicalUnit());
        }
        if (canonical.get().compareTo(metric.maxQuantity()) > 0) {
            return rejected(
                    text,
                    event,
                    inputUnit,
                    ReasonCode.QUANTITY_ABOVE_MAXIMUM,
                    "quantity "
                            + Quantities.render(canonical.get()) + " " + metric.canonicalUnit()
                            + " is above the most one event of '"
                            + metric.name() + "' may carry, " + Quantities.render(metric.maxQuantity())
                            + " (max_quantity in the metric catalog)");
        }
        return new Verdict(text, event, inputUnit, canonical.get(), metric.canonicalUnit(), null, null);
    }

    /** A distinct count's event without the attribute it counts (a void needs none); null when present. */
    private static Verdict missingProperty(String text, ParsedEvent event, String inputUnit, Metric metric) {
        String property = metric.property();
        if (property != null
                && !EventParser.VOID.equals(event.action())
                && (event.attributes() == null || event.attributes().get(property) == null)) {
            return rejected(
                    text,
                    event,
                    inputUnit,
                    ReasonCode.MISSING_FIELD,
                    "attributes." + property
                            + " is missing: metric '" + metric.name() + "' counts the distinct values of " + property
                            + " (UNIQUE_COUNT)");
        }
        return null;
    }

    /** The time rules, in Spark's whole microseconds: not too far ahead of ingest, not too old; null when both hold. */
    private Verdict outOfTime(String text, ParsedEvent event, String inputUnit, Instant ingestedAt) {
        Instant eventTime = event.eventTime().truncatedTo(ChronoUnit.MICROS);
        Instant ingest = ingestedAt.truncatedTo(ChronoUnit.MICROS);
        if (eventTime.isAfter(ingest.plus(maxClockSkew))) {
            return rejected(
                    text,
                    event,
                    inputUnit,
                    ReasonCode.EVENT_TIME_IN_FUTURE,
                    "event_time " + eventTime + " is more than " + Durations.render(maxClockSkew)
                            + " after ingest time " + ingest);
        }
        if (eventTime.isBefore(ingest.minus(maxEventAge))) {
            return rejected(
                    text,
                    event,
                    inputUnit,
                    ReasonCode.EVENT_TOO_OLD,
                    "event_time " + eventTime + " is more than " + Durations.render(maxEventAge)
                            + " before ingest time " + ingest);
        }
        return null;
    }

    private static Verdict rejected(
            String text, ParsedEvent event, String inputUnit, ReasonCode reason, String detail) {
        return new Verdict(text, event, inputUnit, null, null, reason, detail);
    }
}
