package io.meterlake.catalog;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One billable metric: its canonical unit, the units producers may report in with the exact
 * factor that converts each to the canonical unit, and how quantities aggregate.
 */
public record Metric(String name, String canonicalUnit, Map<String, BigDecimal> unitFactors,
        Aggregation aggregation) {

    public Metric {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(canonicalUnit, "canonicalUnit");
        Objects.requireNonNull(aggregation, "aggregation");
        unitFactors = Map.copyOf(unitFactors);
    }

    /** The factor from {@code unit} to the canonical unit, if the unit is accepted. */
    public Optional<BigDecimal> factor(String unit) {
        return Optional.ofNullable(unitFactors.get(unit));
    }
}
