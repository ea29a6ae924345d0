package io.meterlake.workload;

import io.meterlake.error.MeterlakeException;
import java.time.Instant;
import java.time.YearMonth;

/**
 * Every message of {@code workload}, with its fix, in one place (as Delta keeps its messages in
 * {@code DeltaErrors}): a workload's options out of range, a span the time rules would reject.
 */
final class WorkloadErrors {
    private WorkloadErrors() {}

    static MeterlakeException outOfRange(String option, String range, Object got, String fix) {
        return MeterlakeException.badInput(option + " must be " + range + ", got " + got, fix);
    }

    static MeterlakeException ratesTooHigh() {
        return MeterlakeException.badInput(
                "duplicate, conflict, invalid and correction rates add up to more than 0.9",
                "lower them so that most records are new valid events");
    }

    /**
     * A span that begins before the oldest event the time rules accept. A span that is one calendar month
     * came from {@code --period} (the demo has no other option): the message and its fix name that.
     */
    static MeterlakeException startTooOld(
            Instant start, int days, Instant earliest, String maxEventAge, YearMonth month) {
        String oldest = seconds(earliest);
        String rule = " would be quarantined as EVENT_TOO_OLD (events before " + oldest
                + "; validation.max-event-age is " + maxEventAge + ")";
        YearMonth asked = calendarMonth(start, days);
        if (asked != null) {
            return MeterlakeException.badInput(
                    "--period " + asked + " is too far in the past: its events" + rule,
                    "choose a later --period, e.g. " + month + " (the default)");
        }
        return MeterlakeException.badInput(
                "--start " + seconds(start) + " is too far in the past: events" + rule,
                "choose a --start after " + oldest);
    }

    static MeterlakeException spanNotOver(Instant start, int days, Instant end, Instant now, YearMonth month) {
        YearMonth asked = calendarMonth(start, days);
        String span = asked != null
                ? "--period " + asked + " ends at " + seconds(end)
                : "the span " + seconds(start) + " + " + days + " days ends at " + seconds(end);
        return MeterlakeException.badInput(
                span + ", and its last event (2h after the end) would lie after now (" + seconds(now) + ")",
                "choose a span that ends at least 2h before now, e.g. --period " + month + " (the default)");
    }

    /** The calendar month (UTC) the span is exactly, or null. */
    private static YearMonth calendarMonth(Instant start, int days) {
        java.time.ZonedDateTime at = start.atZone(java.time.ZoneOffset.UTC);
        YearMonth month = YearMonth.from(at);
        boolean whole =
                at.equals(month.atDay(1).atStartOfDay(java.time.ZoneOffset.UTC)) && days == month.lengthOfMonth();
        return whole ? month : null;
    }

    /** An instant as people read it in a message: to the second. */
    private static String seconds(Instant instant) {
        return instant.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }
}
