package io.meterlake.validation;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

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

    private Quantities() {}

    /** Whether {@code text} has the form of a decimal number the contract accepts. */
    public static boolean isDecimal(String text) {
        return text != null && scan(text) != null;
    }

    /**
     * The grammar {@code -?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?} read by hand (a regular expression costs
     * more than the rest of a quantity's checks, on every event): the integer digits' start and end, the
     * fraction digits' start and end (-1 if none) and the exponent's start after the e (-1 if none); null
     * when {@code text} is not of that form. {@code QuantitiesTest} pins it to the expression.
     */
    private static int[] scan(String text) {
        int n = text.length();
        int i = text.startsWith("-") ? 1 : 0;
        int integerStart = i;
        i = digitsFrom(text, i);
        if (i == integerStart) {
            return null;
        }
        int integerEnd = i;
        int fractionStart = -1;
        int fractionEnd = -1;
        if (i < n && text.charAt(i) == '.') {
            fractionStart = i + 1;
            i = digitsFrom(text, fractionStart);
            if (i == fractionStart) {
                return null;
            }
            fractionEnd = i;
        }
        int exponentStart = -1;
        if (i < n && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
            exponentStart = i + 1;
            i = exponentStart;
            if (i < n && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
                i++;
            }
            int digits = i;
            i = digitsFrom(text, i);
            if (i == digits) {
                return null;
            }
        }
        return i == n ? new int[] {integerStart, integerEnd, fractionStart, fractionEnd, exponentStart} : null;
    }

    private static int digitsFrom(String text, int from) {
        int i = from;
        while (i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
            i++;
        }
        return i;
    }

    /**
     * The exact value of a decimal text, or empty when it is not decimal or its magnitude lies
     * beyond {@code 10^±MAX_EXPONENT} (the value then cannot be canonical; the caller keeps the text).
     */
    public static Optional<BigDecimal> exact(String text) {
        if (text == null) {
            return Optional.empty();
        }
        int[] parts = scan(text);
        if (parts == null) {
            return Optional.empty();
        }
        long exponent = 0;
        String exponentText = parts[4] < 0 ? null : text.substring(parts[4]);
        if (exponentText != null) {
            String digits = exponentText.replaceFirst("^[+-]", "").replaceFirst("^0+(?=.)", "");
            if (digits.length() > 9) {
                return Optional.empty();
            }
            exponent = Long.parseLong(digits) * (exponentText.startsWith("-") ? -1 : 1);
        }
        long integerDigits = parts[1] - parts[0];
        long fractionDigits = parts[2] < 0 ? 0 : parts[3] - parts[2];
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

    private static final java.util.regex.Pattern NON_FINITE_TEXT =
            java.util.regex.Pattern.compile("[+-]?(nan|inf|infinity)", java.util.regex.Pattern.CASE_INSENSITIVE);

    /**
     * A quantity's text (a JSON number's literal or a string) as {@link #exact} reads it, a {@link #NON_FINITE}
     * marker, or null when it is neither a number nor a decimal string.
     */
    static String read(String literal) {
        // A leading digit is never NaN or infinity: skip the expression for nearly every event.
        boolean leadingDigit = !literal.isEmpty() && literal.charAt(0) >= '0' && literal.charAt(0) <= '9';
        if (!leadingDigit && NON_FINITE_TEXT.matcher(literal).matches()) {
            if (literal.toLowerCase(java.util.Locale.ROOT).contains("nan")) {
                return NON_FINITE.get(0);
            }
            return literal.startsWith("-") ? NON_FINITE.get(2) : NON_FINITE.get(1);
        }
        if (!isDecimal(literal)) {
            return null;
        }
        return exact(literal).map(java.math.BigDecimal::toString).orElse(literal);
    }
}
