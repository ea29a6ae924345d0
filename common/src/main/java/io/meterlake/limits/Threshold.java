package io.meterlake.limits;

import java.math.BigDecimal;

/**
 * A point at which a limit's users are told: an amount in the metric's canonical unit ({@code 800}) or a share
 * of the limit ({@code 80%}).
 *
 * @param value   the amount, or the percentage when {@code percent}
 * @param percent whether {@code value} is a percentage of the limit
 */
public record Threshold(BigDecimal value, boolean percent) {
    /** {@code 80%} or {@code 800}: a positive decimal, at most 9 fraction digits; null when it is not one. */
    public static Threshold parse(String text) {
        String trimmed = text.trim();
        boolean percent = trimmed.endsWith("%");
        BigDecimal value = Limits.amount(
                percent ? trimmed.substring(0, trimmed.length() - 1).trim() : trimmed);
        return value == null ? null : new Threshold(value, percent);
    }

    /** The amount it stands for under {@code limit}: exact (a percentage moves the point, it divides nothing). */
    public BigDecimal of(BigDecimal limit) {
        return percent ? limit.multiply(value).movePointLeft(2).stripTrailingZeros() : value;
    }

    public String text() {
        return value.stripTrailingZeros().toPlainString() + (percent ? "%" : "");
    }
}
