package io.meterlake.access;

import io.meterlake.period.PeriodState;
import io.meterlake.schema.Tables;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The views finance queries in schema {@code billing}. They run with their owner's rights
 * ({@code SECURITY DEFINER}, the admin who registers them), and every view carries a tenant user's
 * row filter and column masks of its own ({@link TrinoAccessRules}): a view may join on a figure a
 * tenant may not see (a period's content hash) without showing it.
 */
public final class TrinoViews {
    /** The latest revision of each published period (header only), with its state: draft, approved, locked. */
    public static final String CURRENT_PERIODS = "current_periods";
    /**
     * The lines of each period's current revision (one per plan a subscription was billed under, and
     * the correction lines it carries), with the key and the period's state.
     */
    public static final String INVOICE_LINES = "invoice_lines";
    /** The stream's provisional hourly usage, with what each metric's number is ({@code measure}). */
    public static final String USAGE_HOURLY = "usage_hourly";
    /** The latest reconcile run of each period, window by window, with the cause of each difference. */
    public static final String RECONCILIATION = "reconciliation";

    private TrinoViews() {}

    /** A CASE over the catalog's metrics: what each one's provisional number is. */
    static String measures(io.meterlake.catalog.MetricCatalog catalog) {
        StringBuilder sql = new StringBuilder("CASE metric");
        for (io.meterlake.catalog.Metric metric : catalog.metrics()) {
            sql.append(" WHEN '")
                    .append(metric.name().replace("'", "''"))
                    .append("' THEN '")
                    .append(metric.provisionalMeaning().replace("'", "''"))
                    .append('\'');
        }
        return sql.append(" END").toString();
    }

    /**
     * Each view's SQL and the tables it reads, in creation order (a view may read an earlier one);
     * {@code approvers}: {@code approval.approvers}, which decide a period's state; {@code catalog}: what
     * each metric's provisional number is ({@link io.meterlake.catalog.Metric#provisionalMeaning}).
     */
    static Map<String, View> all(List<String> approvers, io.meterlake.catalog.MetricCatalog catalog) {
        Map<String, View> views = new LinkedHashMap<>();
        // The state as the tables record it under the configured approvers (PeriodState defines it for
        // the CLI too); 'meterlake periods verify' checks the approvals' signatures.
        views.put(
                CURRENT_PERIODS,
                new View(
                        List.of(Tables.BILLING_PERIODS, Tables.BILLING_APPROVALS, Tables.BILLING_PERIOD_LOCKS),
                        PeriodState.currentPeriodsSql(approvers)));
        // Usage lines of the period and correction lines of locked periods before it (service_period).
        views.put(
                INVOICE_LINES,
                new View(
                        List.of(
                                Tables.BILLING_PERIODS,
                                Tables.BILLING_PERIOD_LINES,
                                Tables.BILLING_APPROVALS,
                                Tables.BILLING_PERIOD_LOCKS),
                        """
                SELECT l.period, l.revision, l.subscription_id, l.billing_account_id, l.plan, l.metric, l.unit,
                       l.quantity, l.event_count, coalesce(l.service_period, l.period) AS service_period,
                       coalesce(l.charge_class, 'usage') AS charge_class, c.status,
                       c.published_at, c.key_id, c.content_sha256
                FROM billing_period_lines l
                JOIN current_periods c
                  ON l.period = c.period AND l.revision = c.revision AND l.content_sha256 = c.content_sha256"""));
        views.put(
                USAGE_HOURLY, new View(List.of(Tables.USAGE_AGGREGATES_PROVISIONAL), """
                SELECT subscription_id, entitlement_id, billing_account_id, metric, unit, window_start, window_end,
                       quantity, event_count, updated_at, %s AS measure
                FROM usage_aggregates_provisional""".formatted(measures(catalog))));
        views.put(RECONCILIATION, new View(List.of(Tables.RECONCILIATION_REPORT), """
                SELECT period, run_id, raw_table_version, provisional_table_version, stream_watermark,
                       subscription_id, entitlement_id, billing_account_id, metric, unit, window_start, window_end,
                       provisional_quantity, authoritative_quantity, difference, provisional_event_count,
                       authoritative_event_count, cause
                FROM (SELECT r.*, dense_rank() OVER (PARTITION BY r.period ORDER BY r.raw_table_version DESC,
                             r.provisional_table_version DESC NULLS LAST, r.run_id DESC) AS run_rank
                      FROM reconciliation_report r)
                WHERE run_rank = 1"""));
        return views;
    }

    /** A view's query and the tables that must be registered for it. */
    record View(List<String> tables, String sql) {}
}
