package io.meterlake.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;

import io.meterlake.batch.ingest.IngestReport;
import io.meterlake.batch.publish.PeriodReport;
import io.meterlake.batch.publish.PublishResult;
import io.meterlake.batch.publish.Verification;
import io.meterlake.batch.quarantine.QuarantineReplay;
import io.meterlake.batch.quarantine.QuarantineReport;
import io.meterlake.batch.quarantine.QuarantineStatus;
import io.meterlake.batch.reconcile.ReconcileResult;
import io.meterlake.catalog.Aggregation;
import io.meterlake.cli.jobs.ReconcileCommand;
import io.meterlake.cli.jobs.VerifyCommand;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.output.Output;
import io.meterlake.period.Period;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.table.Warehouse;
import io.meterlake.validation.Quantities;
import io.meterlake.workload.Truth;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** What {@code meterlake demo} prints: each step's result as tables, or one JSON object. */
final class DemoReport {
    private DemoReport() {}

    /** What the demo's steps produced, for the report and the comparison with the generator's truth. */
    record Run(
            Truth truth,
            Timestamp since,
            Warehouse warehouse,
            IngestReport report,
            QuarantineReplay.Result replayed,
            QuarantineStatus.Conservation conservation,
            ReconcileResult reconciled,
            Truth.Corrections resolved,
            PublishResult published,
            Verification verification,
            List<Truth.Line> expected,
            List<String> problems) {}

    static void printJson(PrintWriter out, Run run) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("ingest", IngestCommand.json(List.of(run.report())));
        json.put("replay", QuarantineReport.replayJson(run.replayed(), run.conservation()));
        json.put("reconcile", ReconcileCommand.json(run.reconciled()));
        json.put("published", run.published().published());
        json.put(
                "billing_period",
                PeriodReport.json(run.published().header(), run.published().lines()));
        json.put("verification", VerifyCommand.json(run.verification()));
        json.put("matches_truth", run.problems().isEmpty());
        Output.json(out, json);
    }

    static void printTables(MeterlakeCommand root, Run run, MeterlakeConfig config, Period period) {
        IngestCommand.print(root, List.of(run.report()), false);
        root.out().println();
        root.out().println("quarantine replay, once the late tenant's entitlements were loaded:");
        QuarantineReport.replayTable(root.out(), run.replayed(), run.conservation());
        printProvisional(root.out(), run.warehouse(), config);
        printProgress(root.out(), run.warehouse(), run.since());
        root.out().println();
        root.out().println("reconciliation of " + period + " (reconciliation_report):");
        ReconcileCommand.table(root.out(), run.reconciled());
        root.out().println();
        root.out()
                .println((run.published().published()
                                ? "signed billing period, published now"
                                : "signed billing period, unchanged since it was published")
                        + " (billing_periods):");
        PeriodReport.table(root.out(), run.published().header(), run.published().lines());
        root.out().println();
        VerifyCommand.table(root.out(), run.verification());
        root.out().println();
        if (run.problems().isEmpty()) {
            Truth truth = run.truth();
            root.out()
                    .println("demo: the stream's ingest and the signed period " + period
                            + " match the generator's truth: " + truth.records() + " records, " + truth.accepted()
                            + " accepted (" + run.replayed().accepted() + " of them replayed from quarantine once their"
                            + " entitlements arrived), " + (truth.records() - truth.accepted()) + " quarantined across "
                            + truth.quarantined().size() + " reasons, "
                            + run.expected().size() + " billing lines, "
                            + run.resolved().applied() + " corrections applied and "
                            + run.resolved().rejected() + " refused.");
        }
    }

    /** Provisional usage per subscription and metric, over all windows. */
    private static void printProvisional(PrintWriter out, Warehouse warehouse, MeterlakeConfig config) {
        Dataset<Row> totals = warehouse
                .read(Tables.USAGE_AGGREGATES_PROVISIONAL)
                .groupBy(col(Columns.SUBSCRIPTION_ID), col(Columns.METRIC), col(Columns.UNIT))
                .agg(sum(col(Columns.QUANTITY)), max(col(Columns.QUANTITY)), sum(col(Columns.EVENT_COUNT)))
                .orderBy(col(Columns.SUBSCRIPTION_ID), col(Columns.METRIC));
        List<List<String>> rows = new ArrayList<>();
        for (Row row : totals.collectAsList()) {
            java.util.Optional<io.meterlake.catalog.Metric> metric =
                    config.catalog().metric(row.getString(1));
            boolean gauge = metric.map(m -> m.aggregation() == Aggregation.MAX || m.aggregation() == Aggregation.LATEST)
                    .orElse(false);
            BigDecimal quantity = gauge ? row.getDecimal(4) : row.getDecimal(3);
            rows.add(List.of(
                    row.getString(0),
                    row.getString(1),
                    row.getString(2),
                    Quantities.render(quantity),
                    Long.toString(row.getLong(5)),
                    (gauge ? "highest window; " : "windows added; ")
                            + metric.map(io.meterlake.catalog.Metric::provisionalMeaning)
                                    .orElse("")));
        }
        out.println();
        out.println("provisional usage (usage_aggregates_provisional, over all its hourly windows; the signed lines are"
                + " the bill, and 'what' says how each number relates to its line):");
        Output.table(out, List.of("subscription", "metric", "unit", "quantity", "events", "what"), rows);
    }

    private static void printProgress(PrintWriter out, Warehouse warehouse, Timestamp since) {
        List<List<String>> rows = new ArrayList<>();
        for (Row row : warehouse
                .read(Tables.STREAM_PROGRESS)
                .where(col(Columns.RECORDED_AT).geq(lit(since)))
                .orderBy(col(Columns.QUERY).desc(), col(Columns.BATCH_ID))
                .collectAsList()) {
            rows.add(List.of(
                    row.getAs(Columns.QUERY),
                    String.valueOf((Object) row.getAs(Columns.BATCH_ID)),
                    String.valueOf((Object) row.getAs(Columns.RECORDS_IN)),
                    text(row.getAs(Columns.ACCEPTED)),
                    text(row.getAs(Columns.QUARANTINED)),
                    text(row.getAs(Columns.LATE_DROPPED)),
                    text(row.getAs(Columns.WATERMARK)),
                    String.valueOf((Object) row.getAs(Columns.DURATION_MS))));
        }
        out.println();
        out.println("stream progress (stream_progress):");
        Output.table(
                out, List.of("query", "batch", "records", "accepted", "quarantined", "late", "watermark", "ms"), rows);
    }

    /**
     * A progress cell: times in ISO-8601 UTC as everywhere else; the engine's watermark before its first
     * event time (the epoch) and nulls as "-".
     */
    private static String text(Object value) {
        if (value instanceof Timestamp time) {
            return time.getTime() == 0 ? "-" : time.toInstant().toString();
        }
        return value == null ? "-" : value.toString();
    }
}
