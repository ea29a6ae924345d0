package io.meterlake.model;

import io.meterlake.validation.Quantities;
import java.math.BigDecimal;
import java.util.Comparator;
import java.util.Objects;

/**
 * One line of a billing period: the usage of one metric by one subscription under one plan (a
 * subscription that changed plan within the period has a line per plan, priced by each).
 *
 * @param plan       the plan of the entitlements its events were attributed to (from raw's attribution)
 * @param quantity   in the metric's canonical unit; at most 9 fraction digits
 * @param eventCount distinct events (after deduplication) the quantity was computed from
 */
public record BillingLine(
        String subscriptionId,
        String billingAccountId,
        String plan,
        String metric,
        String unit,
        BigDecimal quantity,
        long eventCount) {

    /** The canonical order of lines: by subscription, account, plan, metric, unit, then value. */
    public static final Comparator<BillingLine> CANONICAL_ORDER = Comparator.comparing(BillingLine::subscriptionId)
            .thenComparing(BillingLine::billingAccountId)
            .thenComparing(BillingLine::plan)
            .thenComparing(BillingLine::metric)
            .thenComparing(BillingLine::unit)
            .thenComparing(BillingLine::quantity)
            .thenComparingLong(BillingLine::eventCount);

    public BillingLine {
        Objects.requireNonNull(subscriptionId, "subscriptionId");
        Objects.requireNonNull(billingAccountId, "billingAccountId");
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(quantity, "quantity");
        if (quantity.stripTrailingZeros().scale() > Quantities.SCALE) {
            throw new IllegalArgumentException("quantity " + quantity + " has more than 9 fraction digits");
        }
        quantity = quantity.setScale(Quantities.SCALE);
        if (eventCount < 0) {
            throw new IllegalArgumentException("eventCount must not be negative");
        }
    }
}
