package io.meterlake.period;

import io.meterlake.error.ContractErrors;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration syntax of Meterlake, for options and settings alike: {@code 500ms}, {@code 10s},
 * {@code 2m}, {@code 48h}, {@code 3d}, combinations such as {@code 1h30m}, or ISO-8601
 * ({@code PT48H}, {@code P90D}). Durations are printed the short way ({@link #render}), which this
 * reads back.
 */
public final class Durations {
    private static final Pattern SHORT = Pattern.compile("(?:[0-9]+(?:ms|d|h|m|s))+");
    private static final Pattern PART = Pattern.compile("([0-9]+)(ms|d|h|m|s)");
    /** What an error message suggests. */
    public static final String SYNTAX = "write it like 10s, 500ms, 2m, 48h, 3d or PT48H";

    private Durations() {}

    /** {@code option} names the option in the error message. */
    public static Duration parse(String option, String text) {
        return tryParse(text).orElseThrow(() -> ContractErrors.notADuration(option, text, SYNTAX));
    }

    /** The duration {@code text} writes, if it is one. */
    public static Optional<Duration> tryParse(String text) {
        String value = text == null ? "" : text.trim();
        try {
            if (SHORT.matcher(value).matches()) {
                Duration total = Duration.ZERO;
                Matcher part = PART.matcher(value);
                while (part.find()) {
                    long amount = Long.parseLong(part.group(1));
                    total = total.plus(
                            switch (part.group(2)) {
                                case "ms" -> Duration.ofMillis(amount);
                                case "s" -> Duration.ofSeconds(amount);
                                case "m" -> Duration.ofMinutes(amount);
                                case "h" -> Duration.ofHours(amount);
                                default -> Duration.ofDays(amount);
                            });
                }
                return Optional.of(total);
            }
            return Optional.of(Duration.parse(value));
        } catch (DateTimeParseException | ArithmeticException e) {
            return Optional.empty();
        }
    }

    /**
     * The short form a person reads: {@code 90d}, {@code 48h}, {@code 1h30m}, {@code 10s},
     * {@code 500ms}; {@code 0s} for zero. {@link #tryParse} reads it back.
     */
    public static String render(Duration duration) {
        if (duration.isZero()) {
            return "0s";
        }
        StringBuilder text = new StringBuilder(duration.isNegative() ? "-" : "");
        Duration rest = duration.abs();
        long days = rest.toDays();
        long hours = rest.toHoursPart();
        long minutes = rest.toMinutesPart();
        long seconds = rest.toSecondsPart();
        long millis = rest.toMillisPart();
        append(text, days, "d");
        append(text, hours, "h");
        append(text, minutes, "m");
        append(text, seconds, "s");
        append(text, millis, "ms");
        if (text.length() == (duration.isNegative() ? 1 : 0)) {
            text.append(rest.toNanos()).append("ns");
        }
        return text.toString();
    }

    private static void append(StringBuilder text, long amount, String unit) {
        if (amount != 0) {
            text.append(amount).append(unit);
        }
    }
}
