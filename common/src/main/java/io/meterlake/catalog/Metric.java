package io.meterlake.catalog;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One billable metric: its canonical unit, the units producers may report in with the exact
 * factor that converts each to the canonical unit, how quantities aggregate, the most one event
 * may carry (in the canonical unit), and for {@link Aggregation#UNIQUE_COUNT} the attribute whose
 * distinct values it counts ({@code property}; null for every other aggregation).
 */
public record Metric(String name, String canonicalUnit, Map<String, BigDecimal> unitFactors,
        Aggregation aggregation, BigDecimal maxQuantity, String property) {

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
        if ((aggregation == Aggregation.UNIQUE_COUNT) != (property != null)) {
            throw new IllegalArgumentException("a property is for UNIQUE_COUNT, and UNIQUE_COUNT needs one: " + name);
        }
    }

    /** A metric of an aggregation without parameters. */
    public Metric(String name, String canonicalUnit, Map<String, BigDecimal> unitFactors, Aggregation aggregation,
            BigDecimal maxQuantity) {
        this(name, canonicalUnit, unitFactors, aggregation, maxQuantity, null);
    }

    /** The factor from {@code unit} to the canonical unit, if the unit is accepted. */
    public Optional<BigDecimal> factor(String unit) {
        return Optional.ofNullable(unitFactors.get(unit));
    }
}
