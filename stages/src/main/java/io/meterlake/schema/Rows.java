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
