package io.meterlake.limits;

import io.meterlake.period.Period;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;

/**
 * That a subscription's usage of a metric in a period reached a threshold of the limit that applies to it
 * ({@link Kind#CROSSED}), or fell back below one it had reached ({@link Kind#RESOLVED}): one row of the outbox
 * {@code limit_notifications}, decided by {@link Crossings}.
 *
 * @param notificationId what receivers deduplicate on (the webhook's {@code webhook-id}): {@link #id} of the
 *                       crossing, the same whoever decides it and however often
 * @param ordinal        which crossing of this threshold in this period it is (1 for the first; a resolution has
 *                       the ordinal of the crossing it resolves)
 * @param value          the usage it was decided on, in the metric's canonical unit
 * @param source         where the value comes from: {@code provisional}, {@code published} or {@code final}
 * @param asOf           how fresh a provisional value is, the stream's mark; null for a published period's lines
 * @param decidedBy      which step decided it: {@code stream batch 12}, {@code publish of 2026-11}
 * @param decidedAt      the deciding step's clock (when it was decided, not a number it was decided on)
 */
public record Notification(
        String notificationId,
        Kind kind,
        String subscriptionId,
        String billingAccountId,
        String metric,
        Period period,
        String limitId,
        Threshold threshold,
        BigDecimal thresholdAmount,
        BigDecimal limitAmount,
        Limit.Enforcement enforcement,
        int ordinal,
        BigDecimal value,
        String source,
        Instant asOf,
        String decidedBy,
        Instant decidedAt) {

    /** Up or down. */
    public enum Kind {
        CROSSED,
        RESOLVED;

        /** As the table holds it and the webhook's type ends: {@code crossed}, {@code resolved}. */
        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Notification {
        Objects.requireNonNull(notificationId, "notificationId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(subscriptionId, "subscriptionId");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(limitId, "limitId");
        Objects.requireNonNull(threshold, "threshold");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(source, "source");
    }

    /**
     * As {@code notifications list --format json} shows it and a webhook's {@code data} carries it: {notification_id,
     * kind, subscription_id, billing_account_id, metric, period, limit_id, threshold, threshold_amount, limit,
     * enforcement, ordinal, used, source, as_of, decided_by, decided_at}.
     */
    public java.util.Map<String, Object> json() {
        java.util.Map<String, Object> json = new java.util.LinkedHashMap<>();
        json.put("notification_id", notificationId);
        json.put("kind", kind.text());
        json.put("subscription_id", subscriptionId);
        json.put("billing_account_id", billingAccountId);
        json.put("metric", metric);
        json.put("period", period.toString());
        json.put("limit_id", limitId);
        json.put("threshold", threshold.text());
        json.put("threshold_amount", io.meterlake.validation.Quantities.render(thresholdAmount));
        json.put("limit", io.meterlake.validation.Quantities.render(limitAmount));
        json.put("enforcement", enforcement.text());
        json.put("ordinal", ordinal);
        json.put("used", io.meterlake.validation.Quantities.render(value));
        json.put("source", source);
        json.put("as_of", asOf == null ? null : asOf.toString());
        json.put("decided_by", decidedBy);
        json.put("decided_at", decidedAt.toString());
        return json;
    }

    /** The state key: one threshold of one limit, for one subscription's metric in one period. */
    public String point() {
        return point(subscriptionId, metric, period, limitId, threshold);
    }

    static String point(String subscriptionId, String metric, Period period, String limitId, Threshold threshold) {
        return String.join("\n", subscriptionId, metric, period.toString(), limitId, threshold.text());
    }

    /**
     * The id of the {@code ordinal}-th crossing (or its resolution) of {@code threshold}: {@code msg_} and 32 hex
     * digits of the SHA-256 of what identifies it, so a decision repeated after a crash, or made by the stream and
     * by publish alike, has the same id, and no two different crossings share one.
     */
    public static String id(
            String subscriptionId,
            String metric,
            Period period,
            String limitId,
            Threshold threshold,
            Kind kind,
            int ordinal) {
        String identity =
                point(subscriptionId, metric, period, limitId, threshold) + "\n" + kind.text() + "\n" + ordinal;
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
            return "msg_" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
