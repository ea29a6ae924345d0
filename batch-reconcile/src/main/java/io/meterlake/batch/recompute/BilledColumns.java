package io.meterlake.batch.recompute;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.meterlake.schema.Columns;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** What a recompute reads of each raw record (and nothing more: the window pass shuffles these columns). */
final class BilledColumns {
    private BilledColumns() {}

    /**
     * The columns billing reads of a record in the period, with its replay lineage (the reconciliation's
     * REPLAYED cause) and its correction fields; null where {@code raw} lacks them (raw versions written
     * before quarantine replay or corrections existed).
     */
    static Column[] of(Dataset<Row> raw) {
        java.util.List<Column> columns = new java.util.ArrayList<>(java.util.List.of(
                col(Columns.SOURCE),
                col(Columns.EVENT_ID),
                col(Columns.EVENT_TIME),
                col(Columns.TENANT_ID),
                col(Columns.APP_ID),
                col(Columns.SUBSCRIPTION_ID),
                col(Columns.ENTITLEMENT_ID),
                col(Columns.BILLING_ACCOUNT_ID),
                col(Columns.PLAN),
                col(Columns.METRIC),
                col(Columns.UNIT),
                col(Columns.QUANTITY),
                col(Columns.CONTENT_SHA256),
                col(Columns.INGESTED_AT),
                col(Columns.KAFKA_PARTITION),
                col(Columns.KAFKA_OFFSET),
                col(Columns.FILE_SHA256),
                col(Columns.LINE_NUMBER),
                col(Columns.PAYLOAD_SHA256)));
        java.util.List<String> present = java.util.Arrays.asList(raw.columns());
        columns.add(
                present.contains(Columns.ATTRIBUTES)
                        ? col(Columns.ATTRIBUTES)
                        : lit(null)
                                .cast(io.meterlake.schema.Tables.ATTRIBUTES_TYPE)
                                .as(Columns.ATTRIBUTES));
        for (String optional : new String[] {Columns.REPLAYED_FROM, Columns.ACTION, Columns.TARGET_EVENT_ID}) {
            columns.add(
                    present.contains(optional)
                            ? col(optional)
                            : lit(null)
                                    .cast(org.apache.spark.sql.types.DataTypes.StringType)
                                    .as(optional));
        }
        return columns.toArray(Column[]::new);
    }
}
