package io.meterlake.streaming.sink;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * How fresh the provisional windows are: the latest instant T such that every record the broker had appended by T
 * is counted in {@code usage_aggregates_provisional} (or, behind the watermark, in raw only). Fed with the stream's
 * progress, batch by batch, in the order the engine reports it.
 *
 * <p>A raw batch that read up to the topic's end when it started (caught up) takes in everything appended before its
 * start; the windows hold it once a provisional batch that started after that raw batch ended has committed (it
 * reads every raw commit made before it started). A raw trigger that found nothing new, with every raw batch with
 * records already merged, makes its start the freshness at once. A raw batch held back by
 * {@code stream.max-offsets-per-trigger} moves nothing: what it left in the topic is older than its start.
 */
public final class Freshness {
    private record Raw(Instant start, Instant end) {}

    private final Deque<Raw> unmerged = new ArrayDeque<>();
    private Instant lastRecordsEnd;
    private Instant mergedBefore;
    private Instant visibleThrough;

    /** A raw trigger from {@code start} to {@code end}; {@code records}: whether it read any. */
    public synchronized void raw(Instant start, Instant end, boolean records, boolean caughtUp) {
        if (records) {
            lastRecordsEnd = end;
        }
        if (!caughtUp) {
            return;
        }
        boolean nothingPending =
                lastRecordsEnd == null || (mergedBefore != null && !lastRecordsEnd.isAfter(mergedBefore));
        if (!records && nothingPending) {
            advance(start);
        } else {
            unmerged.add(new Raw(start, end));
        }
    }

    /** A provisional batch that started at {@code start} has committed. */
    public synchronized void provisional(Instant start) {
        mergedBefore = mergedBefore == null || start.isAfter(mergedBefore) ? start : mergedBefore;
        while (!unmerged.isEmpty() && !unmerged.peekFirst().end().isAfter(start)) {
            advance(unmerged.pollFirst().start());
        }
    }

    /** The instant through which the broker's records are in the windows; empty before the first is known. */
    public synchronized Optional<Instant> visibleThrough() {
        return Optional.ofNullable(visibleThrough);
    }

    private void advance(Instant to) {
        if (visibleThrough == null || to.isAfter(visibleThrough)) {
            visibleThrough = to;
        }
    }
}
