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

    /** A row of {@code limit_notifications} (schema {@link NotificationSchemas#LIMIT_NOTIFICATION}). */
    public static Row notification(io.meterlake.limits.Notification n) {
        return RowFactory.create(
                n.notificationId(),
                n.kind().text(),
                n.period().toString(),
                n.subscriptionId(),
                n.billingAccountId(),
                n.metric(),
                n.limitId(),
                n.threshold().text(),
                n.thresholdAmount(),
                n.limitAmount(),
                n.enforcement().text(),
                n.ordinal(),
                n.value(),
                n.source(),
                n.asOf() == null ? null : Timestamp.from(n.asOf()),
                n.decidedBy(),
                Timestamp.from(n.decidedAt()));
    }

    /** The notification a row of {@code limit_notifications} holds (the inverse of the above). */
    public static io.meterlake.limits.Notification notification(Row row) {
        Timestamp asOf = row.getAs(Columns.AS_OF);
        return new io.meterlake.limits.Notification(
                row.getAs(Columns.NOTIFICATION_ID),
                io.meterlake.limits.Notification.Kind.valueOf(
                        row.<String>getAs(Columns.KIND).toUpperCase(java.util.Locale.ROOT)),
                row.getAs(Columns.SUBSCRIPTION_ID),
                row.getAs(Columns.BILLING_ACCOUNT_ID),
                row.getAs(Columns.METRIC),
                io.meterlake.period.Period.parse(row.getAs(Columns.PERIOD)),
                row.getAs(Columns.LIMIT_ID),
                io.meterlake.limits.Threshold.parse(row.getAs(Columns.THRESHOLD)),
                row.<java.math.BigDecimal>getAs(Columns.THRESHOLD_AMOUNT).setScale(9),
                row.<java.math.BigDecimal>getAs(Columns.LIMIT_AMOUNT).setScale(9),
                io.meterlake.limits.Limit.Enforcement.valueOf(
                        row.<String>getAs(Columns.ENFORCEMENT).toUpperCase(java.util.Locale.ROOT)),
                row.<Integer>getAs(Columns.ORDINAL),
                row.<java.math.BigDecimal>getAs(Columns.USED).setScale(9),
                row.getAs(Columns.USAGE_SOURCE),
                asOf == null ? null : asOf.toInstant(),
                row.getAs(Columns.DECIDED_BY),
                row.<Timestamp>getAs(Columns.DECIDED_AT).toInstant());
    }

    /** A row of {@code notification_deliveries} (schema {@link NotificationSchemas#NOTIFICATION_DELIVERY}). */
    public static Row delivery(io.meterlake.webhooks.Delivery d) {
        return RowFactory.create(
                d.notificationId(),
                d.endpoint(),
                d.attempt(),
                d.outcome().text(),
                d.httpStatus(),
                d.detail(),
                Timestamp.from(d.attemptedAt()),
                d.nextAttemptAt() == null ? null : Timestamp.from(d.nextAttemptAt()));
    }

    /** The delivery a row of {@code notification_deliveries} holds. */
    public static io.meterlake.webhooks.Delivery delivery(Row row) {
        Timestamp next = row.getAs(Columns.NEXT_ATTEMPT_AT);
        return new io.meterlake.webhooks.Delivery(
                row.getAs(Columns.NOTIFICATION_ID),
                row.getAs(Columns.ENDPOINT),
                row.<Integer>getAs(Columns.ATTEMPT),
                io.meterlake.webhooks.Delivery.Outcome.of(row.getAs(Columns.OUTCOME)),
                row.getAs(Columns.HTTP_STATUS),
                row.getAs(Columns.DETAIL),
                row.<Timestamp>getAs(Columns.ATTEMPTED_AT).toInstant(),
                next == null ? null : next.toInstant());
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
