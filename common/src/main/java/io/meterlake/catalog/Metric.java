package io.meterlake.catalog;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One billable metric: its canonical unit, the units producers may report in with the exact
 * factor that converts each to the canonical unit, how quantities aggregate, the most one event
 * may carry (in the canonical unit), and the parameters its aggregation takes.
 */
public record Metric(
        String name,
        String canonicalUnit,
        Map<String, BigDecimal> unitFactors,
        Aggregation aggregation,
        BigDecimal maxQuantity,
        Parameters parameters)
        implements java.io.Serializable {

    /**
     * An aggregation's parameters, null where it takes none: {@code property} for
     * {@link Aggregation#UNIQUE_COUNT} (the attribute whose distinct values it counts), {@code percentile}
     * and {@code bucket} for {@link Aggregation#PERCENTILE} (bucket: whole seconds that divide a day, so
     * that buckets counted from the epoch start every period), {@code timeUnit}, {@code maxHold} and
     * {@code seriesBy} (attribute keys, empty for none) for {@link Aggregation#TIME_WEIGHTED}.
     */
    public record Parameters(
            String property,
            Integer percentile,
            java.time.Duration bucket,
            java.time.Duration timeUnit,
            java.time.Duration maxHold,
            java.util.List<String> seriesBy)
            implements java.io.Serializable {
        public static final Parameters NONE = new Parameters(null, null, null, null, null, null);

        public Parameters {
            seriesBy = seriesBy == null ? null : java.util.List.copyOf(seriesBy);
        }

        public static Parameters uniqueCount(String property) {
            return new Parameters(Objects.requireNonNull(property, "property"), null, null, null, null, null);
        }

        public static Parameters percentile(int percentile, java.time.Duration bucket) {
            return new Parameters(null, percentile, Objects.requireNonNull(bucket, "bucket"), null, null, null);
        }

        public static Parameters timeWeighted(
                java.time.Duration timeUnit, java.time.Duration maxHold, java.util.List<String> seriesBy) {
            return new Parameters(
                    null,
                    null,
                    null,
                    Objects.requireNonNull(timeUnit, "timeUnit"),
                    Objects.requireNonNull(maxHold, "maxHold"),
                    Objects.requireNonNull(seriesBy, "seriesBy"));
        }
    }

    /**
     * The time units a {@code TIME_WEIGHTED} metric may bill per, with the suffix its line's unit takes
     * ({@code GB} per hour: {@code GB-h}).
     */
    public static final Map<java.time.Duration, String> TIME_UNITS = Map.of(
            java.time.Duration.ofSeconds(1),
            "s",
            java.time.Duration.ofMinutes(1),
            "min",
            java.time.Duration.ofHours(1),
            "h",
            java.time.Duration.ofDays(1),
            "d");

    /**
     * The default {@code max_quantity}: 10^15 canonical units per event. A billing line of
     * {@code decimal(38,9)} holds up to 10^29, so at this cap it takes 10^14 events in one line to
     * overflow it.
     */
    public static final BigDecimal DEFAULT_MAX_QUANTITY = new BigDecimal("1E+15");
    /** The largest {@code max_quantity} a catalog may set: at it, 10^11 events fit one line. */
    public static final BigDecimal LARGEST_MAX_QUANTITY = new BigDecimal("1E+18");

    public Metric {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(canonicalUnit, "canonicalUnit");
        Objects.requireNonNull(aggregation, "aggregation");
        Objects.requireNonNull(maxQuantity, "maxQuantity");
        // As exact as a canonical quantity: 9 fraction digits (throws on more).
        maxQuantity = maxQuantity.setScale(io.meterlake.validation.Quantities.SCALE);
        unitFactors = Map.copyOf(unitFactors);
        Objects.requireNonNull(parameters, "parameters (Parameters.NONE for none)");
        if ((aggregation == Aggregation.UNIQUE_COUNT) != (parameters.property() != null)) {
            throw new IllegalArgumentException("a property is for UNIQUE_COUNT, and UNIQUE_COUNT needs one: " + name);
        }
        if ((aggregation == Aggregation.PERCENTILE)
                != (parameters.percentile() != null && parameters.bucket() != null)) {
            throw new IllegalArgumentException(
                    "percentile and bucket are for PERCENTILE, and PERCENTILE needs both: " + name);
        }
        if ((aggregation == Aggregation.TIME_WEIGHTED)
                != (parameters.timeUnit() != null && parameters.maxHold() != null && parameters.seriesBy() != null)) {
            throw new IllegalArgumentException("time_unit, max_hold and series_by are for TIME_WEIGHTED, and"
                    + " TIME_WEIGHTED needs them: " + name);
        }
        if (parameters.timeUnit() != null && !TIME_UNITS.containsKey(parameters.timeUnit())) {
            throw new IllegalArgumentException("time_unit must be one of PT1S, PT1M, PT1H, P1D: " + name);
        }
    }

    /** A metric of an aggregation without parameters. */
    public Metric(
            String name,
            String canonicalUnit,
            Map<String, BigDecimal> unitFactors,
            Aggregation aggregation,
            BigDecimal maxQuantity) {
        this(name, canonicalUnit, unitFactors, aggregation, maxQuantity, Parameters.NONE);
    }

    /**
     * What the stream's provisional number of this metric is in one window, and what the period's line bills
     * instead: the one wording the demo's report and the {@code usage_hourly} view show beside the numbers.
     */
    public String provisionalMeaning() {
        return switch (aggregation) {
            case SUM -> "window: the sum of its events; line: the period's sum (the windows add up to it)";
            case COUNT -> "window: its events counted; line: the period's count (the windows add up to it)";
            case MAX -> "window: its highest level; line: the period's highest (the highest window)";
            case LATEST -> "window: its latest value; line: the period's latest (the latest window's)";
            case UNIQUE_COUNT ->
                "window: its distinct " + property() + " values; line: distinct over the whole"
                        + " period (windows do not add up to it)";
            case PERCENTILE ->
                "window: its total volume; line: the " + parameters.percentile()
                        + "th percentile of the period's " + parameters.bucket().toMinutes()
                        + "-minute buckets (windows cannot give it; the statement shows every bucket)";
            case TIME_WEIGHTED ->
                "window: level x time of its samples, each held to the window's end at most;"
                        + " line: each level held until the next sample or max_hold (" + lineUnit() + ")";
        };
    }

    /** The attribute a {@code UNIQUE_COUNT} metric counts the distinct values of; null for the others. */
    public String property() {
        return parameters.property();
    }

    /**
     * The unit of the metric's lines and windows: the canonical unit, and for {@code TIME_WEIGHTED} the
     * canonical unit per time unit ({@code GB-h}).
     */
    public String lineUnit() {
        return parameters.timeUnit() == null
                ? canonicalUnit
                : canonicalUnit + "-" + TIME_UNITS.get(parameters.timeUnit());
    }

    /** The factor from {@code unit} to the canonical unit, if the unit is accepted. */
    public Optional<BigDecimal> factor(String unit) {
        return Optional.ofNullable(unitFactors.get(unit));
    }
}
