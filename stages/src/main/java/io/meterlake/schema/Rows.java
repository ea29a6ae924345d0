package io.meterlake.schema;

import io.meterlake.model.BillingLine;
import io.meterlake.model.Entitlement;
import java.sql.Timestamp;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/** The contract's records as Spark rows of the tables ({@link Tables}), and back. */
public final class Rows {
    private Rows() {}

    /** {@code entitlement} as a row of {@link Tables#ENTITLEMENT}. */
    public static Row entitlement(Entitlement entitlement) {
        return RowFactory.create(
                entitlement.entitlementId(),
                entitlement.subscriptionId(),
                entitlement.billingAccountId(),
                entitlement.tenantId(),
                entitlement.appId(),
                entitlement.plan(),
                Timestamp.from(entitlement.validFrom()),
                entitlement.validTo() == null ? null : Timestamp.from(entitlement.validTo()));
    }

    /** The entitlement a row of {@code entitlements} holds (the inverse of {@link #entitlement(Entitlement)}). */
    public static Entitlement entitlement(Row row) {
        java.sql.Timestamp to = row.getAs(Columns.VALID_TO);
        return new Entitlement(
                row.getAs(Columns.ENTITLEMENT_ID),
                row.getAs(Columns.SUBSCRIPTION_ID),
                row.getAs(Columns.BILLING_ACCOUNT_ID),
                row.getAs(Columns.TENANT_ID),
                row.getAs(Columns.APP_ID),
                row.getAs(Columns.PLAN),
                row.<java.sql.Timestamp>getAs(Columns.VALID_FROM).toInstant(),
                to == null ? null : to.toInstant());
    }

    /** A row of {@code usage_limits} (schema {@link Tables#USAGE_LIMIT}). */
    public static Row limit(io.meterlake.limits.Limit limit) {
        return RowFactory.create(
                limit.limitId(),
                limit.plan(),
                limit.subscriptionId(),
                limit.metric(),
                limit.limit(),
                limit.enforcement().text(),
                limit.thresholdsText(),
                Timestamp.from(limit.validFrom()),
                limit.validTo() == null ? null : Timestamp.from(limit.validTo()));
    }

    /** The limit a row of {@code usage_limits} holds (the inverse of {@link #limit(io.meterlake.limits.Limit)}). */
    public static io.meterlake.limits.Limit limit(Row row) {
        java.sql.Timestamp to = row.getAs(Columns.VALID_TO);
        String thresholds = row.getAs(Columns.THRESHOLDS);
        return new io.meterlake.limits.Limit(
                row.getAs(Columns.LIMIT_ID),
                row.getAs(Columns.PLAN),
                row.getAs(Columns.SUBSCRIPTION_ID),
                row.getAs(Columns.METRIC),
                row.<java.math.BigDecimal>getAs(Columns.LIMIT_AMOUNT).setScale(9),
                io.meterlake.limits.Limit.Enforcement.valueOf(
                        row.<String>getAs(Columns.ENFORCEMENT).toUpperCase(java.util.Locale.ROOT)),
                thresholds.isEmpty()
                        ? java.util.List.<io.meterlake.limits.Threshold>of()
                        : java.util.Arrays.stream(thresholds.split(";"))
                                .map(io.meterlake.limits.Threshold::parse)
                                .toList(),
                row.<java.sql.Timestamp>getAs(Columns.VALID_FROM).toInstant(),
                to == null ? null : to.toInstant());
    }

    /** The line a row of lines holds (columns named as in {@link Columns}). */
    public static BillingLine billingLine(Row row) {
        return new BillingLine(
                row.getAs(Columns.SUBSCRIPTION_ID),
                row.getAs(Columns.BILLING_ACCOUNT_ID),
                row.getAs(Columns.PLAN),
                row.getAs(Columns.METRIC),
                row.getAs(Columns.UNIT),
                row.getAs(Columns.QUANTITY),
                row.<Long>getAs(Columns.EVENT_COUNT));
    }
}
