package io.meterlake.batch.reconcile;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.meterlake.batch.recompute.PeriodUsage;
import io.meterlake.period.Period;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.schema.UsageWindow;
import java.sql.Timestamp;
import java.time.Instant;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Provisional against authoritative, per (subscription, entitlement, metric, window) of a period, as
 * pure functions of pinned snapshots: the authoritative side is {@link PeriodUsage}'s windows (the
 * global deduplication aggregated in the stream's own windows with the stream's own aggregation), so
 * the two sides differ only in input. Each row gets a {@link Cause}.
 */
public final class Reconciliation {
    private static final String CONFLICTED = PeriodUsage.CONFLICTED;
    private static final String REPLAYED = PeriodUsage.REPLAYED;
    private static final String CORRECTED = PeriodUsage.CORRECTED;
    private static final String PROVISIONAL = "p";
    private static final String AUTHORITATIVE = "a";
    private static final String[] KEY = UsageWindow.KEY.toArray(String[]::new);

    private Reconciliation() {}

    /**
     * The report rows (without run columns) of {@code provisional} against {@code usage}'s period;
     * {@code watermark} is the stream's, or null when no stream has run.
     */
    public static Dataset<Row> compare(PeriodUsage usage, Dataset<Row> provisional, Period period, Instant watermark) {
        Dataset<Row> authoritative = usage.windows();
        Dataset<Row> streamed = provisional.where(col(Columns.WINDOW_START)
                .geq(lit(Timestamp.from(period.start())))
                .and(col(Columns.WINDOW_START).lt(lit(Timestamp.from(period.end())))));
        Column joinKey = null;
        for (String key : KEY) {
            Column equal = col(PROVISIONAL + "." + key).equalTo(col(AUTHORITATIVE + "." + key));
            joinKey = joinKey == null ? equal : joinKey.and(equal);
        }
        Dataset<Row> joined = streamed.as(PROVISIONAL)
                .join(authoritative.as(AUTHORITATIVE), joinKey, "full_outer")
                .select(
                        either(Columns.SUBSCRIPTION_ID),
                        either(Columns.ENTITLEMENT_ID),
                        either(Columns.BILLING_ACCOUNT_ID),
                        either(Columns.METRIC),
                        either(Columns.UNIT),
                        either(Columns.WINDOW_START),
                        either(Columns.WINDOW_END),
                        col(PROVISIONAL + "." + Columns.QUANTITY).as(Columns.PROVISIONAL_QUANTITY),
                        col(AUTHORITATIVE + "." + Columns.QUANTITY).as(Columns.AUTHORITATIVE_QUANTITY),
                        coalesce(col(PROVISIONAL + "." + Columns.EVENT_COUNT), lit(0L))
                                .as(Columns.PROVISIONAL_EVENT_COUNT),
                        coalesce(col(AUTHORITATIVE + "." + Columns.EVENT_COUNT), lit(0L))
                                .as(Columns.AUTHORITATIVE_EVENT_COUNT));
        Dataset<Row> flagged = joined.join(usage.flaggedWindows(), names(KEY), "left_outer");
        Column zero = lit(java.math.BigDecimal.ZERO).cast(Tables.QUANTITY_TYPE);
        Column provisionalQuantity = coalesce(col(Columns.PROVISIONAL_QUANTITY), zero);
        Column authoritativeQuantity = coalesce(col(Columns.AUTHORITATIVE_QUANTITY), zero);
        Column windowClosed =
                watermark == null ? lit(false) : col(Columns.WINDOW_END).leq(lit(Timestamp.from(watermark)));
        Column cause = when(
                        provisionalQuantity
                                .equalTo(authoritativeQuantity)
                                .and(col(Columns.PROVISIONAL_EVENT_COUNT)
                                        .equalTo(col(Columns.AUTHORITATIVE_EVENT_COUNT))),
                        lit(Cause.MATCH.name()))
                .when(col(CONFLICTED), lit(Cause.CONFLICT.name()))
                .when(col(REPLAYED), lit(Cause.REPLAYED.name()))
                .when(col(CORRECTED), lit(Cause.CORRECTED.name()))
                .when(
                        col(Columns.PROVISIONAL_EVENT_COUNT).gt(col(Columns.AUTHORITATIVE_EVENT_COUNT)),
                        lit(Cause.DUPLICATE_ONLY_IN_BATCH.name()))
                .when(windowClosed, lit(Cause.LATE_BEYOND_WATERMARK.name()))
                .otherwise(lit(Cause.NOT_YET_STREAMED.name()));
        Column none = lit(null).cast(org.apache.spark.sql.types.DataTypes.StringType);
        Dataset<Row> windows = flagged.withColumn(
                        Columns.DIFFERENCE,
                        authoritativeQuantity.minus(provisionalQuantity).cast(Tables.QUANTITY_TYPE))
                .withColumn(Columns.CAUSE, cause)
                .withColumn(Columns.SOURCE, none)
                .withColumn(Columns.EVENT_ID, none)
                .withColumn(Columns.TARGET_EVENT_ID, none)
                .drop(CONFLICTED, REPLAYED, CORRECTED);
        return windows.unionByName(rejectedCorrections(usage, windows.schema()));
    }

    /**
     * A row per correction the recompute could not apply, in the correction's window, with the reason as
     * its cause: no quantities (it changed none), its identity and target.
     */
    private static Dataset<Row> rejectedCorrections(PeriodUsage usage, org.apache.spark.sql.types.StructType schema) {
        org.apache.spark.sql.types.StructType fields = new org.apache.spark.sql.types.StructType()
                .add(Columns.SUBSCRIPTION_ID, org.apache.spark.sql.types.DataTypes.StringType)
                .add(Columns.ENTITLEMENT_ID, org.apache.spark.sql.types.DataTypes.StringType)
                .add(Columns.BILLING_ACCOUNT_ID, org.apache.spark.sql.types.DataTypes.StringType)
                .add(Columns.METRIC, org.apache.spark.sql.types.DataTypes.StringType)
                .add(Columns.UNIT, org.apache.spark.sql.types.DataTypes.StringType)
                .add(Columns.EVENT_TIME, org.apache.spark.sql.types.DataTypes.TimestampType)
                .add(Columns.CAUSE, org.apache.spark.sql.types.DataTypes.StringType)
                .add(Columns.SOURCE, org.apache.spark.sql.types.DataTypes.StringType)
                .add(Columns.EVENT_ID, org.apache.spark.sql.types.DataTypes.StringType)
                .add(Columns.TARGET_EVENT_ID, org.apache.spark.sql.types.DataTypes.StringType);
        java.util.List<Row> rows = new java.util.ArrayList<>();
        for (io.meterlake.batch.recompute.Correction correction : usage.corrections()) {
            Cause cause = Cause.of(correction.outcome());
            if (cause != null) {
                rows.add(org.apache.spark.sql.RowFactory.create(
                        correction.subscriptionId(),
                        correction.entitlementId(),
                        correction.billingAccountId(),
                        correction.metric(),
                        correction.unit(),
                        Timestamp.from(correction.eventTime()),
                        cause.name(),
                        correction.source(),
                        correction.eventId(),
                        correction.targetEventId()));
            }
        }
        Column zero = lit(java.math.BigDecimal.ZERO).cast(Tables.QUANTITY_TYPE);
        Dataset<Row> rejected = usage.sparkSession()
                .createDataFrame(rows, fields)
                .withColumn(Columns.WINDOW, UsageWindow.of(usage.window()))
                .withColumn(Columns.WINDOW_START, UsageWindow.start())
                .withColumn(Columns.WINDOW_END, UsageWindow.end())
                .withColumn(Columns.PROVISIONAL_QUANTITY, lit(null).cast(Tables.QUANTITY_TYPE))
                .withColumn(Columns.AUTHORITATIVE_QUANTITY, lit(null).cast(Tables.QUANTITY_TYPE))
                .withColumn(Columns.PROVISIONAL_EVENT_COUNT, lit(0L))
                .withColumn(Columns.AUTHORITATIVE_EVENT_COUNT, lit(0L))
                .withColumn(Columns.DIFFERENCE, zero);
        return rejected.select(java.util.Arrays.stream(schema.fieldNames())
                .map(name -> col(name))
                .toArray(Column[]::new));
    }

    /** Column names as the Scala sequence {@code Dataset.join} takes. */
    private static scala.collection.Seq<String> names(String... columns) {
        return scala.collection.JavaConverters.asScalaBuffer(java.util.List.of(columns));
    }

    private static Column either(String column) {
        return coalesce(col(PROVISIONAL + "." + column), col(AUTHORITATIVE + "." + column))
                .as(column);
    }
}
