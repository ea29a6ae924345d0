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

    static MeterlakeException startTooOld(Instant start, Instant earliest, String maxEventAge) {
        return MeterlakeException.badInput(
                "--start " + start + " is too far in the past: events before " + earliest
                        + " would be quarantined as EVENT_TOO_OLD (validation.max-event-age is " + maxEventAge + ")",
                "choose a later --start");
    }

    static MeterlakeException spanNotOver(Instant start, int days, Instant end, Instant now, YearMonth month) {
        return MeterlakeException.badInput(
                "the span " + start + " + " + days + " days ends at " + end
                        + ", and its last event (2h after the end) would lie after now (" + now + ")",
                "choose a span that ends at least 2h before now, e.g. --period " + month + " (the default)");
    }
}
