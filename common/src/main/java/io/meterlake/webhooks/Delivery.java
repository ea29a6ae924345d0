package io.meterlake.webhooks;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One delivery of a notification to an endpoint, or a requeue (a row of {@code notification_deliveries}), and what
 * the rows of one (notification, endpoint) say: delivered, dead (the retry budget spent), or pending (never tried,
 * or failed and due again at {@code nextAttemptAt}). A requeue ({@code notifications redeliver}) starts the budget
 * again.
 *
 * @param attempt which delivery since the last requeue, from 1; 0 for a requeue
 */
public record Delivery(
        String notificationId,
        String endpoint,
        int attempt,
        Outcome outcome,
        Integer httpStatus,
        String detail,
        Instant attemptedAt,
        Instant nextAttemptAt) {

    /** What a row records. */
    public enum Outcome {
        /** The endpoint answered 2xx. */
        DELIVERED,
        /** It did not (another status, no answer): tried again at {@code nextAttemptAt}. */
        FAILED,
        /** It did not, and the retry budget is spent: nobody tries again unless it is requeued. */
        DEAD,
        /** {@code notifications redeliver}: deliver it again, with a fresh budget. */
        REQUEUED;

        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Outcome of(String text) {
            return valueOf(text.toUpperCase(java.util.Locale.ROOT));
        }
    }

    public Delivery {
        Objects.requireNonNull(notificationId, "notificationId");
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(attemptedAt, "attemptedAt");
    }

    /** Where one (notification, endpoint) stands. */
    public record State(
            String notificationId, String endpoint, Status status, int attempts, Instant nextAttemptAt, Delivery last) {
        /** Whether it is to be delivered at {@code now}. */
        public boolean due(Instant now) {
            return status == Status.PENDING && (nextAttemptAt == null || !nextAttemptAt.isAfter(now));
        }
    }

    /** {@code pending}: not delivered yet, nor given up. */
    public enum Status {
        PENDING,
        DELIVERED,
        DEAD;

        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The state of (notificationId, endpoint) from its rows (any order; none: never tried). */
    public static State state(String notificationId, String endpoint, List<Delivery> rows) {
        List<Delivery> ordered = new ArrayList<>(rows);
        ordered.sort(Comparator.comparing(Delivery::attemptedAt).thenComparingInt(Delivery::attempt));
        Delivery last = ordered.isEmpty() ? null : ordered.get(ordered.size() - 1);
        if (last == null || last.outcome() == Outcome.REQUEUED) {
            return new State(notificationId, endpoint, Status.PENDING, 0, null, last);
        }
        return switch (last.outcome()) {
            case DELIVERED -> new State(notificationId, endpoint, Status.DELIVERED, last.attempt(), null, last);
            case DEAD -> new State(notificationId, endpoint, Status.DEAD, last.attempt(), null, last);
            default -> new State(notificationId, endpoint, Status.PENDING, last.attempt(), last.nextAttemptAt(), last);
        };
    }

    /**
     * A requeue of (notificationId, endpoint) given its rows so far: stamped {@code now}, or just after the latest
     * row when that is later (the worker's clock ahead of this one's), so it follows what it supersedes.
     */
    public static Delivery requeue(String notificationId, String endpoint, List<Delivery> rows, Instant now) {
        Instant after = rows.stream()
                .map(Delivery::attemptedAt)
                .max(Comparator.naturalOrder())
                .map(latest -> latest.plusMillis(1))
                .filter(latest -> latest.isAfter(now))
                .orElse(now);
        return new Delivery(notificationId, endpoint, 0, Outcome.REQUEUED, null, "redeliver", after, null);
    }

    /** The rows grouped by (notification, endpoint), as {@code id + "\n" + endpoint}. */
    public static Map<String, List<Delivery>> byPair(List<Delivery> rows) {
        Map<String, List<Delivery>> pairs = new TreeMap<>();
        rows.forEach(row -> pairs.computeIfAbsent(row.notificationId() + "\n" + row.endpoint(), k -> new ArrayList<>())
                .add(row));
        return pairs;
    }

    /**
     * The row of the {@code attempt}-th delivery, made at {@code at}, that the endpoint answered {@code httpStatus}
     * (null: no answer, {@code detail} says why): delivered on 2xx, else failed and due again after {@code firstRetry}
     * doubled per earlier attempt (at most an hour), or dead once {@code maxAttempts} are spent.
     */
    public static Delivery attempted(
            String notificationId,
            String endpoint,
            int attempt,
            Integer httpStatus,
            String detail,
            Instant at,
            int maxAttempts,
            Duration firstRetry) {
        if (httpStatus != null && httpStatus >= 200 && httpStatus < 300) {
            return new Delivery(notificationId, endpoint, attempt, Outcome.DELIVERED, httpStatus, detail, at, null);
        }
        if (attempt >= maxAttempts) {
            return new Delivery(notificationId, endpoint, attempt, Outcome.DEAD, httpStatus, detail, at, null);
        }
        Duration wait = firstRetry.multipliedBy(1L << Math.min(attempt - 1, 20));
        Duration capped = wait.compareTo(Duration.ofHours(1)) > 0 ? Duration.ofHours(1) : wait;
        return new Delivery(notificationId, endpoint, attempt, Outcome.FAILED, httpStatus, detail, at, at.plus(capped));
    }
}
