package io.meterlake.period;

import io.meterlake.error.ContractErrors;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A billing period: a UTC calendar month ({@code YYYY-MM}) or, for short cycles and tests, one UTC
 * day ({@code YYYY-MM-DD}). It holds the half-open interval {@code [start, end)} of event times.
 * All period arithmetic lives here.
 */
public final class Period {
    private static final Pattern MONTH = Pattern.compile("[0-9]{4}-[0-9]{2}");
    private static final Pattern DAY = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}");

    private final String text;
    private final Instant start;
    private final Instant end;

    private Period(String text, Instant start, Instant end) {
        this.text = text;
        this.start = start;
        this.end = end;
    }

    public static Period parse(String text) {
        String value = text == null ? "" : text.trim();
        try {
            if (MONTH.matcher(value).matches()) {
                YearMonth month = YearMonth.parse(value);
                return new Period(
                        value,
                        month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant(),
                        month.plusMonths(1)
                                .atDay(1)
                                .atStartOfDay(ZoneOffset.UTC)
                                .toInstant());
            }
            if (DAY.matcher(value).matches()) {
                LocalDate day = LocalDate.parse(value);
                return new Period(
                        value,
                        day.atStartOfDay(ZoneOffset.UTC).toInstant(),
                        day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant());
            }
        } catch (DateTimeParseException e) {
            // reported below
        }
        throw ContractErrors.notAPeriod(value);
    }

    /** The calendar month of an instant, in UTC. */
    public static Period monthOf(Instant instant) {
        return parse(YearMonth.from(instant.atOffset(ZoneOffset.UTC)).toString());
    }

    /** Whether this is a calendar month (not a day). */
    public boolean isMonth() {
        return MONTH.matcher(text).matches();
    }

    /** The period's length in whole days (28 to 31 for a month, 1 for a day). */
    public int days() {
        return (int) java.time.Duration.between(start, end).toDays();
    }

    /** Inclusive start, UTC midnight. */
    public Instant start() {
        return start;
    }

    /** Exclusive end, UTC midnight. */
    public Instant end() {
        return end;
    }

    /** The period of the same kind (month or day) that starts where this one ends. */
    public Period next() {
        return isMonth()
                ? parse(YearMonth.parse(text).plusMonths(1).toString())
                : parse(LocalDate.parse(text).plusDays(1).toString());
    }

    /** The period of the same kind that ends where this one starts. */
    public Period previous() {
        return isMonth()
                ? parse(YearMonth.parse(text).minusMonths(1).toString())
                : parse(LocalDate.parse(text).minusDays(1).toString());
    }

    public boolean contains(Instant instant) {
        return !instant.isBefore(start) && instant.isBefore(end);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Period period && period.text.equals(text);
    }

    @Override
    public int hashCode() {
        return Objects.hash(text);
    }

    /** {@code YYYY-MM} or {@code YYYY-MM-DD}, as parsed. */
    @Override
    public String toString() {
        return text;
    }
}
