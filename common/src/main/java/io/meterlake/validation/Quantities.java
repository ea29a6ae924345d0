package io.meterlake.validation;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/** Exact quantity arithmetic: canonical values are {@code decimal(38,9)}, never rounded. */
public final class Quantities {
    /** Canonical scale: quantities carry exactly 9 fraction digits. */
    public static final int SCALE = 9;
    /** Canonical precision: 38 digits in all, so at most 29 before the point. */
    public static final int PRECISION = 38;
    /** How a non-finite input quantity is recorded in {@code input_quantity}. */
    public static final List<String> NON_FINITE = List.of("NaN", "Infinity", "-Infinity");

    private Quantities() {
    }

    /**
     * The quantity in the canonical unit, or empty when it cannot be represented exactly as
     * {@code decimal(38,9)}: more than 9 fraction digits or more than 29 integer digits.
     */
    public static Optional<BigDecimal> toCanonical(BigDecimal quantity, BigDecimal factor) {
        BigDecimal product = quantity.multiply(factor);
        BigDecimal stripped = product.stripTrailingZeros();
        if (stripped.scale() > SCALE) {
            return Optional.empty();
        }
        if (stripped.precision() - stripped.scale() > PRECISION - SCALE) {
            return Optional.empty();
        }
        return Optional.of(product.setScale(SCALE));
    }

    /** Renders a canonical quantity with exactly 9 fraction digits, e.g. {@code 12.500000000}. */
    public static String render(BigDecimal quantity) {
        return quantity.setScale(SCALE).toPlainString();
    }
}
