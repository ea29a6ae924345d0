package io.meterlake.model;

import io.meterlake.validation.Quantities;
import java.math.BigDecimal;
import java.util.Comparator;
import java.util.Objects;

/**
 * A correction line: what changed in a locked period's line after it was locked, billed in a later
 * open period (FOCUS {@code ChargeClass = "Correction"}). The locked period keeps its signed lines
 * forever; its correct total is the locked line plus every correction line carried for it.
 *
 * @param servicePeriod the locked period whose usage this corrects
 * @param quantity      (the period recomputed now) − (the period as locked, plus corrections already
 *                      carried), in the line's unit; negative when usage was voided; at most 9 fraction digits
 * @param eventCount    the change in distinct events, negative when events were voided
 */
public record CorrectionLine(
        String servicePeriod,
        String subscriptionId,
        String billingAccountId,
        String plan,
        String metric,
        String unit,
        BigDecimal quantity,
        long eventCount) {

    public static final String USAGE = "usage";
    public static final String CORRECTION = "correction";

    public static final Comparator<CorrectionLine> CANONICAL_ORDER = Comparator.comparing(CorrectionLine::servicePeriod)
            .thenComparing(CorrectionLine::subscriptionId)
            .thenComparing(CorrectionLine::billingAccountId)
            .thenComparing(CorrectionLine::plan)
            .thenComparing(CorrectionLine::metric)
            .thenComparing(CorrectionLine::unit)
            .thenComparing(CorrectionLine::quantity)
            .thenComparingLong(CorrectionLine::eventCount);

    public CorrectionLine {
        Objects.requireNonNull(servicePeriod, "servicePeriod");
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
    }

    /** The line key a correction is computed per: subscription, account, plan, metric, unit. */
    public static String key(BillingLine line) {
        return line.subscriptionId() + "\t" + line.billingAccountId() + "\t" + line.plan() + "\t" + line.metric() + "\t"
                + line.unit();
    }

    public String key() {
        return subscriptionId + "\t" + billingAccountId + "\t" + plan + "\t" + metric + "\t" + unit;
    }

    /** The correction of the line with {@code key} by {@code quantity} and {@code eventCount}. */
    public static CorrectionLine of(String servicePeriod, String key, BigDecimal quantity, long eventCount) {
        String[] parts = key.split("\t", -1);
        return new CorrectionLine(
                servicePeriod, parts[0], parts[1], parts[2], parts[3], parts[4], quantity, eventCount);
    }
}
