package io.meterlake.limits;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * How much of a metric a plan's subscriptions (or one subscription) may use in a billing period, during
 * {@code [validFrom, validTo)} (a null {@code validTo} is open-ended), and the points at which its users are told.
 *
 * @param limitId        the limit's name, unique in the set
 * @param plan           the plan it applies to, or null when it is one subscription's
 * @param subscriptionId the subscription it applies to (over its plan's limit of the same metric), or null
 * @param metric         a metric of the catalog
 * @param limit          the allowance in the metric's canonical unit, {@code decimal(38,9)}
 * @param enforcement    what reaching it means: {@link Enforcement#HARD} denies further use, soft only tells
 * @param thresholds     the points that raise a notification, in ascending order of their value
 */
public record Limit(
        String limitId,
        String plan,
        String subscriptionId,
        String metric,
        BigDecimal limit,
        Enforcement enforcement,
        List<Threshold> thresholds,
        Instant validFrom,
        Instant validTo) {

    /** What reaching a limit means. */
    public enum Enforcement {
        SOFT,
        HARD;

        /** As the CSV and the table spell it: {@code soft}, {@code hard}. */
        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Limit {
        Objects.requireNonNull(limitId, "limitId");
        if ((plan == null) == (subscriptionId == null)) {
            throw new IllegalArgumentException("a limit applies to a plan or to a subscription: " + limitId);
        }
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(limit, "limit");
        Objects.requireNonNull(enforcement, "enforcement");
        thresholds = List.copyOf(thresholds);
        Objects.requireNonNull(validFrom, "validFrom");
    }

    /** Whether it is in force at {@code at}: {@code validFrom <= at < validTo}. */
    public boolean inForce(Instant at) {
        return !at.isBefore(validFrom) && (validTo == null || at.isBefore(validTo));
    }

    /** The plan or the subscription it applies to, as one word: {@code plan:standard}, {@code subscription:s-1}. */
    public String scope() {
        return plan != null ? "plan:" + plan : "subscription:" + subscriptionId;
    }

    /** The thresholds as the CSV and the table hold them: {@code 50%;80%;100%}. */
    public String thresholdsText() {
        return thresholds.stream().map(Threshold::text).collect(Collectors.joining(";"));
    }
}
