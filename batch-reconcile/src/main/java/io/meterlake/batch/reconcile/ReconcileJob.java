package io.meterlake.batch.reconcile;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import io.meterlake.batch.BatchErrors;
import io.meterlake.batch.recompute.PeriodUsage;
import io.meterlake.batch.recompute.RankedRaw;
import io.meterlake.batch.recompute.Recompute;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.model.BillingLine;
import io.meterlake.period.Period;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Rows;
import io.meterlake.schema.Tables;
import io.meterlake.signing.CanonicalRendering;
import io.meterlake.signing.Signing;
import io.meterlake.table.Warehouse;
import io.meterlake.table.WarehouseErrors;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code reconcile}: recomputes a period's authoritative lines from {@code raw_usage_events} pinned at
 * one Delta version, replaces the period's rows of {@code usage_aggregates_authoritative}, and appends
 * the comparison with {@code usage_aggregates_provisional} to {@code reconciliation_report}.
 *
 * <p>Deterministic: the run reads the raw, provisional and progress tables each at one version, and
 * the run id names the period and those versions; no clock enters the computation. Writing is
 * idempotent per run id: the report append carries the run id as its Delta transaction id, and the
 * authoritative rows are replaced only when the period's current rows come from another run.
 */
public final class ReconcileJob {
    private static final Logger LOG = LoggerFactory.getLogger(ReconcileJob.class);
    private final SparkSession spark;
    private final MeterlakeConfig config;
    private final Warehouse warehouse;

    public ReconcileJob(SparkSession spark, MeterlakeConfig config) {
        this.spark = spark;
        this.config = config;
        this.warehouse = new Warehouse(spark, config.warehouse());
    }

    /** Reconciles {@code period} against raw at {@code asOfVersion}, or at its current version when empty. */
    public ReconcileResult run(Period period, OptionalLong asOfVersion) {
        long rawVersion = pinRaw(warehouse, asOfVersion);
        warehouse.ensureBatchTables();
        Dataset<Row> raw = warehouse.readAsOf(Tables.RAW_USAGE_EVENTS, rawVersion);
        OptionalLong provisionalVersion = warehouse.exists(Tables.USAGE_AGGREGATES_PROVISIONAL)
                ? OptionalLong.of(warehouse.version(Tables.USAGE_AGGREGATES_PROVISIONAL))
                : OptionalLong.empty();
        Dataset<Row> provisional = provisionalVersion.isPresent()
                ? warehouse.readAsOf(Tables.USAGE_AGGREGATES_PROVISIONAL, provisionalVersion.getAsLong())
                : spark.createDataFrame(List.of(), Tables.PROVISIONAL);
        StreamWatermark stream = StreamWatermark.read(warehouse);
        Instant watermark = stream.watermark().orElse(null);
        String runId = computation(period, rawVersion)
                + version("/provisional-v", provisionalVersion)
                + version("/progress-v", stream.progressTableVersion());

        // One bounded ranking of raw, aggregated once per window, feeds the lines, the report and the conflict count.
        try (PeriodUsage usage = PeriodUsage.of(
                RankedRaw.forPeriod(raw, period, config.dedupHorizon()),
                period,
                config.stream().window(),
                config.catalog())) {
            List<BillingLine> lines = Recompute.collect(usage.lines());
            String contentSha256 = Signing.sha256Hex(CanonicalRendering.render(period.toString(), lines));
            Dataset<Row> report = report(
                            Reconciliation.compare(usage, provisional, period, watermark),
                            period,
                            runId,
                            rawVersion,
                            provisionalVersion,
                            watermark)
                    .persist();
            try {
                boolean current = isCurrentRun(period, runId);
                boolean recorded = current
                        && warehouse
                                .committedTransaction(Tables.RECONCILIATION_REPORT, reportAppId(runId))
                                .isPresent();
                // The report first: the authoritative rows name the run whose report explains them.
                warehouse.appendIdempotent(report, Tables.RECONCILIATION_REPORT, reportAppId(runId), 0);
                if (!current) {
                    warehouse.replaceWhere(
                            authoritativeRows(period, runId, rawVersion, lines),
                            Tables.USAGE_AGGREGATES_AUTHORITATIVE,
                            Columns.PERIOD,
                            period.toString());
                }
                ReconcileResult result = new ReconcileResult(
                        period.toString(),
                        runId,
                        rawVersion,
                        provisionalVersion,
                        watermark,
                        lines,
                        contentSha256,
                        summarize(report),
                        usage.conflictedIdentities(),
                        usage.corrections(),
                        recorded);
                LOG.info(
                        "reconciled {} at raw_usage_events v{} ({}): {} lines, {} corrections, {} conflicted identities",
                        period,
                        rawVersion,
                        runId,
                        lines.size(),
                        usage.corrections().size(),
                        usage.conflictedIdentities());
                return result;
            } finally {
                report.unpersist();
            }
        }
    }

    /** The reconciliation's rows as {@code reconciliation_report} stores them: each with the run that made it. */
    private static Dataset<Row> report(
            Dataset<Row> compared,
            Period period,
            String runId,
            long rawVersion,
            OptionalLong provisionalVersion,
            Instant watermark) {
        return compared.withColumn(Columns.PERIOD, lit(period.toString()))
                .withColumn(Columns.RUN_ID, lit(runId))
                .withColumn(Columns.RAW_TABLE_VERSION, lit(rawVersion))
                .withColumn(
                        Columns.PROVISIONAL_TABLE_VERSION,
                        provisionalVersion.isPresent()
                                ? lit(provisionalVersion.getAsLong())
                                : lit(null).cast(DataTypes.LongType))
                .withColumn(
                        Columns.STREAM_WATERMARK,
                        watermark == null ? lit(null).cast(DataTypes.TimestampType) : lit(Timestamp.from(watermark)))
                .select(Arrays.stream(Tables.RECONCILIATION.fields())
                        .map(StructField::name)
                        .map(name -> col(name))
                        .toArray(org.apache.spark.sql.Column[]::new));
    }

    /** The raw version to read: {@code asOfVersion} if given and existing, else the current one. */
    public static long pinRaw(Warehouse warehouse, OptionalLong asOfVersion) {
        if (!warehouse.exists(Tables.RAW_USAGE_EVENTS)) {
            throw WarehouseErrors.noRawEvents(warehouse.root());
        }
        long current = warehouse.version(Tables.RAW_USAGE_EVENTS);
        if (asOfVersion.isPresent() && (asOfVersion.getAsLong() < 0 || asOfVersion.getAsLong() > current)) {
            throw BatchErrors.noSuchRawVersion(asOfVersion.getAsLong(), current);
        }
        return asOfVersion.orElse(current);
    }

    /**
     * What names the computation of a period's lines: the period, the raw version and the dedup horizon
     * (the leading part of the run id, e.g. {@code 2026-10/raw-v17/horizon-90d5m}).
     */
    private String computation(Period period, long rawVersion) {
        return period + "/raw-v" + rawVersion + "/horizon-"
                + io.meterlake.period.Durations.render(config.dedupHorizon());
    }

    /** Lines a reconcile run wrote to {@code usage_aggregates_authoritative}, in canonical order. */
    public record RecordedLines(String runId, long rawTableVersion, List<BillingLine> lines) {}

    /**
     * The period's authoritative rows, if one run computed them from raw at {@code rawVersion} (its
     * report is then recorded too: the report is written first). Nothing is computed.
     */
    public java.util.Optional<RecordedLines> recorded(Period period, long rawVersion) {
        if (!warehouse.exists(Tables.USAGE_AGGREGATES_AUTHORITATIVE)) {
            return java.util.Optional.empty();
        }
        List<Row> rows = warehouse
                .read(Tables.USAGE_AGGREGATES_AUTHORITATIVE)
                .where(col(Columns.PERIOD).equalTo(lit(period.toString())))
                .collectAsList();
        List<String> runs = rows.stream()
                .map(row -> row.<String>getAs(Columns.RUN_ID))
                .distinct()
                .toList();
        // The same raw version and the same horizon (a run id begins with what names the computation).
        if (runs.size() != 1
                || !(runs.get(0) + "/").startsWith(computation(period, rawVersion) + "/")
                || rows.stream().anyMatch(row -> row.<Long>getAs(Columns.RAW_TABLE_VERSION) != rawVersion)) {
            return java.util.Optional.empty();
        }
        List<BillingLine> lines =
                new ArrayList<>(rows.stream().map(Rows::billingLine).toList());
        lines.sort(BillingLine.CANONICAL_ORDER);
        return java.util.Optional.of(new RecordedLines(runs.get(0), rawVersion, List.copyOf(lines)));
    }

    /** Whether the period's authoritative rows are those of {@code runId}. */
    private boolean isCurrentRun(Period period, String runId) {
        List<Row> runs = warehouse
                .read(Tables.USAGE_AGGREGATES_AUTHORITATIVE)
                .where(col(Columns.PERIOD).equalTo(lit(period.toString())))
                .select(col(Columns.RUN_ID))
                .distinct()
                .collectAsList();
        return runs.size() == 1 && runs.get(0).getString(0).equals(runId);
    }

    private Dataset<Row> authoritativeRows(Period period, String runId, long rawVersion, List<BillingLine> lines) {
        List<Row> rows = new ArrayList<>();
        for (BillingLine line : lines) {
            rows.add(RowFactory.create(
                    period.toString(),
                    runId,
                    rawVersion,
                    line.subscriptionId(),
                    line.billingAccountId(),
                    line.plan(),
                    line.metric(),
                    line.unit(),
                    line.quantity(),
                    line.eventCount()));
        }
        return spark.createDataFrame(rows, Tables.AUTHORITATIVE);
    }

    private static TreeMap<Cause, ReconcileResult.CauseSummary> summarize(Dataset<Row> report) {
        TreeMap<Cause, ReconcileResult.CauseSummary> causes = new TreeMap<>();
        for (Row row : report.groupBy(col(Columns.CAUSE))
                .agg(
                        count(lit(1)),
                        sum(col(Columns.AUTHORITATIVE_EVENT_COUNT).minus(col(Columns.PROVISIONAL_EVENT_COUNT))))
                .collectAsList()) {
            causes.put(
                    Cause.valueOf(row.getString(0)), new ReconcileResult.CauseSummary(row.getLong(1), row.getLong(2)));
        }
        return causes;
    }

    private static String reportAppId(String runId) {
        return "meterlake-reconcile-" + runId;
    }

    private static String version(String prefix, OptionalLong version) {
        return version.isPresent() ? prefix + version.getAsLong() : "";
    }
}
