package io.meterlake.validation;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Exact quantity arithmetic: canonical values are {@code decimal(38,9)}, never rounded, and no
 * input, however large its exponent, makes any of it raise.
 */
public final class Quantities {
    /** Canonical scale: quantities carry exactly 9 fraction digits. */
    public static final int SCALE = 9;
    /** Canonical precision: 38 digits in all, so at most 29 before the point. */
    public static final int PRECISION = 38;
    /** How a non-finite input quantity is recorded in {@code input_quantity}. */
    public static final List<String> NON_FINITE = List.of("NaN", "Infinity", "-Infinity");
    /**
     * Inputs whose decimal exponent is beyond this are not read as numbers at all: no catalog factor
     * could bring them into {@code decimal(38,9)}, and {@link BigDecimal} would raise or take
     * unbounded time and memory on them.
     */
    public static final int MAX_EXPONENT = 1_000;

    private static final Pattern DECIMAL = Pattern.compile("-?([0-9]+)(?:\\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?");

    private Quantities() {
    }

    /** Whether {@code text} has the form of a decimal number the contract accepts. */
    public static boolean isDecimal(String text) {
        return text != null && DECIMAL.matcher(text).matches();
    }

    /**
     * The exact value of a decimal text, or empty when it is not decimal or its magnitude lies
     * beyond {@code 10^±MAX_EXPONENT} (the value then cannot be canonical; the caller keeps the text).
     */
    public static Optional<BigDecimal> exact(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher matcher = DECIMAL.matcher(text);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        long exponent = 0;
        String exponentText = matcher.group(3);
        if (exponentText != null) {
            String digits = exponentText.replaceFirst("^[+-]", "").replaceFirst("^0+(?=.)", "");
            if (digits.length() > 9) {
                return Optional.empty();
            }
            exponent = Long.parseLong(digits) * (exponentText.startsWith("-") ? -1 : 1);
        }
        long integerDigits = matcher.group(1).length();
        long fractionDigits = matcher.group(2) == null ? 0 : matcher.group(2).length();
        if (exponent + integerDigits > MAX_EXPONENT || exponent - fractionDigits < -MAX_EXPONENT - PRECISION) {
            return Optional.empty();
        }
        return Optional.of(new BigDecimal(text));
    }

    /**
     * {@code inputQuantity} (decimal text) in the canonical unit, or empty when it is not exactly
     * representable as {@code decimal(38,9)}.
     */
    public static Optional<BigDecimal> toCanonical(String inputQuantity, BigDecimal factor) {
        return exact(inputQuantity).flatMap(quantity -> toCanonical(quantity, factor));
    }

    /**
     * The quantity in the canonical unit, or empty when it cannot be represented exactly as
     * {@code decimal(38,9)}: more than 9 fraction digits or more than 29 integer digits.
     */
    public static Optional<BigDecimal> toCanonical(BigDecimal quantity, BigDecimal factor) {
        BigDecimal product = quantity.multiply(factor);
        if (product.signum() == 0) {
            return Optional.of(BigDecimal.ZERO.setScale(SCALE));
        }
        BigDecimal stripped = product.stripTrailingZeros();
        if (stripped.scale() > SCALE) {
            return Optional.empty();
        }
        if ((long) stripped.precision() - stripped.scale() > PRECISION - SCALE) {
            return Optional.empty();
        }
        return Optional.of(product.setScale(SCALE));
    }

    /** Renders a canonical quantity with exactly 9 fraction digits, e.g. {@code 12.500000000}. */
    public static String render(BigDecimal quantity) {
        return quantity.setScale(SCALE).toPlainString();
    }
}
