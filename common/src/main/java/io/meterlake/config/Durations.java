package io.meterlake.config;

import io.meterlake.error.MeterlakeException;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people type them on the command line: {@code 500ms}, {@code 10s}, {@code 2m}, {@code 48h}, {@code 3d}, or ISO-8601. */
public final class Durations {
    private static final Pattern SHORT = Pattern.compile("([0-9]+)(ms|s|m|h|d)");

    private Durations() {
    }

    /** {@code option} names the option in the error message. */
    public static Duration parse(String option, String text) {
        Matcher matcher = SHORT.matcher(text.trim());
        if (matcher.matches()) {
            long amount = Long.parseLong(matcher.group(1));
            return switch (matcher.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
        }
        try {
            return Duration.parse(text.trim());
        } catch (DateTimeParseException e) {
            throw MeterlakeException.badInput(option + " '" + text + "' is not a duration",
                    "write it like 10s, 500ms, 2m, 48h, 3d or PT48H");
        }
    }
}
