package io.meterlake.schema;

import static org.apache.spark.sql.functions.col;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;

/**
 * The provisional window, defined once for the stream's aggregation, its MERGE into
 * {@code usage_aggregates_provisional}, the nightly recompute's windows and reconcile's join: a
 * tumbling window of {@code stream.window} over event time (UTC, aligned to the epoch), per
 * subscription, entitlement, billing account, metric and unit, identified by (subscription,
 * entitlement, metric, window start).
 */
public final class UsageWindow {
    /** A window's identity: what the provisional MERGE upserts on and reconcile joins on. */
    public static final List<String> KEY =
            List.of(Columns.SUBSCRIPTION_ID, Columns.ENTITLEMENT_ID, Columns.METRIC, Columns.WINDOW_START);
    /** What a window is of, besides its time: the dimensions every window row names. */
    public static final List<String> DIMENSIONS = List.of(
            Columns.SUBSCRIPTION_ID, Columns.ENTITLEMENT_ID, Columns.BILLING_ACCOUNT_ID, Columns.METRIC, Columns.UNIT);

    private UsageWindow() {}

    /** The window of length {@code grain} each record's event time lies in: a struct (start, end), Spark's {@code window}. */
    public static Column of(Duration grain) {
        return org.apache.spark.sql.functions.window(col(Columns.EVENT_TIME), grain.toSeconds() + " seconds");
    }

    /** The start of the window struct in column {@link Columns#WINDOW}, as {@link Columns#WINDOW_START}. */
    public static Column start() {
        return col(Columns.WINDOW + ".start").as(Columns.WINDOW_START);
    }

    /** The end of the window struct in column {@link Columns#WINDOW}, as {@link Columns#WINDOW_END}. */
    public static Column end() {
        return col(Columns.WINDOW + ".end").as(Columns.WINDOW_END);
    }

    /** The stream's grouping: the window of {@code grain} (as {@link Columns#WINDOW}) and the {@link #DIMENSIONS}. */
    public static Column[] grouping(Duration grain) {
        List<Column> columns = new ArrayList<>();
        columns.add(of(grain).as(Columns.WINDOW));
        DIMENSIONS.forEach(name -> columns.add(col(name)));
        return columns.toArray(Column[]::new);
    }
}
