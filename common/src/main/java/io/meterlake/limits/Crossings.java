package io.meterlake.limits;

import io.meterlake.period.Period;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a new value of a subscription's usage of a metric in a period means for the limit that applies: for each
 * of its thresholds (the limit itself when it has none), a notification when the value reached it and the last
 * notification of that threshold was not a crossing ({@link Notification.Kind#CROSSED}), or when the value is
 * below it and the last one was ({@link Notification.Kind#RESOLVED}); nothing otherwise. The state is the
 * notifications already decided, so deciding again on the same value decides nothing, and a decision repeated
 * after a crash, before its notifications were written, decides the same ones under the same ids.
 *
 * <p>Reaching a threshold counts as crossing it (a hard limit denies use from the limit on, {@code AccessCheck}).
 * A value that is not known exactly (null) decides nothing: the state stays as it is until one is.
 */
public final class Crossings {
    private Crossings() {}

    /** Who the value is of and what decided it: what every notification decided on it carries. */
    public record Subject(
            String subscriptionId,
            String billingAccountId,
            String metric,
            Period period,
            String source,
            Instant asOf,
            String decidedBy,
            Instant decidedAt) {}

    /** The thresholds a limit notifies at: its own, or the limit itself (100%) when it has none. */
    public static List<Threshold> points(Limit limit) {
        return limit.thresholds().isEmpty() ? List.of(new Threshold(new BigDecimal("100"), true)) : limit.thresholds();
    }

    /**
     * The notifications {@code value} raises under {@code limit}, given the ones of the subject's period already
     * decided ({@code previous}: any subscription, metric or limit; the subject's are picked).
     */
    public static List<Notification> decide(
            Subject subject, Limit limit, BigDecimal value, List<Notification> previous) {
        if (value == null) {
            return List.of();
        }
        Map<String, Notification> last = latest(previous);
        List<Notification> decided = new ArrayList<>();
        for (Threshold threshold : points(limit)) {
            // The usage has 9 fraction digits: it reaches the exact amount exactly when it reaches this.
            BigDecimal amount = threshold.of(limit.limit()).setScale(9, java.math.RoundingMode.CEILING);
            Notification before = last.get(Notification.point(
                    subject.subscriptionId(), subject.metric(), subject.period(), limit.limitId(), threshold));
            boolean above = before != null && before.kind() == Notification.Kind.CROSSED;
            boolean reached = value.compareTo(amount) >= 0;
            if (reached != above) {
                Notification.Kind kind = reached ? Notification.Kind.CROSSED : Notification.Kind.RESOLVED;
                int ordinal = before == null ? 1 : reached ? before.ordinal() + 1 : before.ordinal();
                decided.add(new Notification(
                        Notification.id(
                                subject.subscriptionId(),
                                subject.metric(),
                                subject.period(),
                                limit.limitId(),
                                threshold,
                                kind,
                                ordinal),
                        kind,
                        subject.subscriptionId(),
                        subject.billingAccountId(),
                        subject.metric(),
                        subject.period(),
                        limit.limitId(),
                        threshold,
                        amount,
                        limit.limit(),
                        limit.enforcement(),
                        ordinal,
                        value,
                        subject.source(),
                        subject.asOf(),
                        subject.decidedBy(),
                        subject.decidedAt()));
            }
        }
        return decided;
    }

    /**
     * The latest notification per threshold ({@link Notification#point}): the highest ordinal, a resolution after
     * the crossing it resolves. Two rows with one id (two deciders that raced) are one notification.
     */
    public static Map<String, Notification> latest(List<Notification> notifications) {
        Map<String, Notification> latest = new LinkedHashMap<>();
        notifications.stream()
                .sorted(Comparator.comparingInt(Notification::ordinal).thenComparing(Notification::kind))
                .forEach(notification -> latest.put(notification.point(), notification));
        return latest;
    }
}
