package io.meterlake.batch.usage;

import io.meterlake.catalog.Aggregation;
import io.meterlake.catalog.Metric;
import io.meterlake.catalog.MetricCatalog;
import io.meterlake.limits.Limit;
import io.meterlake.period.Period;
import io.meterlake.validation.Quantities;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * May a subscription still use a metric: its usage of the period so far (the usage API's own answer, so the two
 * agree for the same {@code as_of}) against the limit that applies to it ({@link io.meterlake.limits.Limits}).
 *
 * <p>Without a limit, or with a soft one, use is allowed. With a hard one, it is allowed while the usage is below
 * the limit. When the usage is not known exactly (a metric the stream cannot total exactly, such as a distinct
 * count over several windows, before the period is published), {@code used} is null, {@code note} says why, and
 * use is allowed: a check never denies on a number it does not have (decided; the published value decides).
 *
 * @param used      the period's usage so far in the metric's canonical unit; null when not known exactly
 * @param remaining the limit less the usage, never below zero; null without a limit or a known usage
 * @param asOf      how fresh a provisional usage is, the stream's mark (empty for a published period's lines)
 */
public record AccessCheck(
        String subscriptionId,
        String metric,
        Period period,
        boolean allowed,
        BigDecimal used,
        Optional<Limit> limit,
        BigDecimal remaining,
        String source,
        Optional<Instant> asOf,
        String note) {

    /**
     * The check of {@code metric} for {@code subscriptionId} from {@code usage}, the period's answer ({@link
     * UsageQuery.Window#period}) for the subscription, and the limit that applies.
     */
    public static AccessCheck of(
            UsageQuery.Answer usage,
            String subscriptionId,
            String metric,
            Period period,
            Optional<Limit> limit,
            MetricCatalog catalog) {
        List<UsageQuery.Value> values = usage.values().stream()
                .filter(value -> value.subscriptionId().equals(subscriptionId)
                        && value.metric().equals(metric))
                .toList();
        BigDecimal used;
        String note;
        String source;
        if (values.isEmpty()) {
            used = BigDecimal.ZERO.setScale(9);
            note = "no usage of " + metric + " in " + period + " yet";
            source = null;
        } else if (values.size() == 1) {
            used = values.get(0).quantity();
            note = values.get(0).note();
            source = values.get(0).source().word();
        } else {
            Aggregation aggregation =
                    catalog.metric(metric).map(Metric::aggregation).orElse(Aggregation.SUM);
            List<BigDecimal> quantities =
                    values.stream().map(UsageQuery.Value::quantity).toList();
            boolean known = quantities.stream().allMatch(java.util.Objects::nonNull);
            used = !known
                    ? null
                    : switch (aggregation) {
                        case SUM, COUNT, TIME_WEIGHTED -> quantities.stream().reduce(BigDecimal.ZERO, BigDecimal::add);
                        case MAX -> quantities.stream().reduce(BigDecimal::max).orElseThrow();
                        default -> null;
                    };
            note = used != null
                    ? values.get(0).note() + "; " + values.size() + " lines combined (" + aggregation + ")"
                    : "not exact: " + values.size() + " lines of a " + aggregation + " metric do not combine";
            source = values.get(0).source().word();
        }
        boolean allowed = limit.isEmpty()
                || limit.get().enforcement() == Limit.Enforcement.SOFT
                || used == null
                || used.compareTo(limit.get().limit()) < 0;
        BigDecimal remaining = limit.isEmpty() || used == null
                ? null
                : limit.get().limit().subtract(used).max(BigDecimal.ZERO.setScale(9));
        return new AccessCheck(
                subscriptionId, metric, period, allowed, used, limit, remaining, source, usage.asOf(), note);
    }

    /**
     * The body of {@code GET /v1/access}: {subscription_id, metric, period, allowed, used, limit, remaining,
     * enforcement, limit_id, source, as_of, note}.
     */
    public Map<String, Object> json() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("subscription_id", subscriptionId);
        json.put("metric", metric);
        json.put("period", period.toString());
        json.put("allowed", allowed);
        json.put("used", used == null ? null : Quantities.render(used));
        json.put("limit", limit.map(l -> Quantities.render(l.limit())).orElse(null));
        json.put("remaining", remaining == null ? null : Quantities.render(remaining));
        json.put("enforcement", limit.map(l -> l.enforcement().text()).orElse(null));
        json.put("limit_id", limit.map(Limit::limitId).orElse(null));
        json.put("source", source);
        json.put("as_of", asOf.map(Object::toString).orElse(null));
        json.put("note", note);
        return json;
    }
}
