package io.meterlake.batch.statement;

import static org.apache.spark.sql.functions.col;

import io.meterlake.batch.BatchErrors;
import io.meterlake.batch.publish.BillingPeriod;
import io.meterlake.batch.publish.BillingPeriods;
import io.meterlake.batch.publish.Closing;
import io.meterlake.batch.recompute.PeriodUsage;
import io.meterlake.catalog.Aggregation;
import io.meterlake.catalog.Metric;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.model.BillingLine;
import io.meterlake.model.CorrectionLine;
import io.meterlake.period.Period;
import io.meterlake.pipeline.aggregation.TimeWeightedAggregation;
import io.meterlake.schema.Columns;
import io.meterlake.table.Warehouse;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The statements of a published revision, one per billing account (or the one asked for): its lines and
 * correction lines as signed, the period's state, and a chart of each line in its aggregation's terms,
 * recomputed from raw at the revision's raw version with the revision's dedup horizon (the same events its
 * lines were computed from).
 */
public final class StatementJob {
    private final SparkSession spark;
    private final MeterlakeConfig config;
    private final Warehouse warehouse;
    private final BillingPeriods periods;

    public StatementJob(SparkSession spark, MeterlakeConfig config) {
        this.spark = spark;
        this.config = config;
        this.warehouse = new Warehouse(spark, config.warehouse());
        this.periods = new BillingPeriods(warehouse);
    }

    /** The statements of {@code revision} (default the latest) of {@code period}, by billing account. */
    public List<Statement> statements(Period period, OptionalInt revision, Optional<String> account) {
        BillingPeriod header = periods.require(period, revision);
        Closing.Status status = new Closing(spark, warehouse, config.approvers()).status(period);
        List<BillingLine> lines = periods.lines(header);
        List<CorrectionLine> corrections = periods.corrections(header);
        TreeSet<String> accounts = new TreeSet<>();
        lines.forEach(line -> accounts.add(line.billingAccountId()));
        corrections.forEach(line -> accounts.add(line.billingAccountId()));
        if (account.isPresent() && !accounts.contains(account.get())) {
            throw BatchErrors.accountWithoutLines(account.get(), period, header.revision(), accounts);
        }
        List<String> chosen = account.map(List::of).orElseGet(() -> List.copyOf(accounts));
        Map<String, Statement.Chart> charts = charts(
                header,
                period,
                lines.stream()
                        .filter(line -> chosen.contains(line.billingAccountId()))
                        .toList());
        List<Statement> statements = new ArrayList<>();
        for (String id : chosen) {
            statements.add(new Statement(
                    id,
                    header,
                    status,
                    lines.stream()
                            .filter(line -> line.billingAccountId().equals(id))
                            .toList(),
                    corrections.stream()
                            .filter(line -> line.billingAccountId().equals(id))
                            .toList(),
                    charts.values().stream()
                            .filter(chart -> chart.line().billingAccountId().equals(id))
                            .toList()));
        }
        return statements;
    }

    /**
     * Each line's chart in its aggregation's own terms ({@link Statement.Chart}): the day's value for most
     * metrics, every bucket for a percentile, level × time per day for a time-weighted one; recomputed from
     * the events the revision's lines were computed from, by line key (subscription, account, plan, metric).
     */
    private Map<String, Statement.Chart> charts(BillingPeriod header, Period period, List<BillingLine> lines) {
        Object[] accounts =
                lines.stream().map(BillingLine::billingAccountId).distinct().toArray();
        Map<String, BigDecimal[]> days = new TreeMap<>();
        Map<String, Map<Long, BigDecimal>> buckets = new TreeMap<>();
        Map<String, TimeWeightedAggregation.Series> series = new TreeMap<>();
        LocalDate first = LocalDate.ofInstant(period.start(), ZoneOffset.UTC);
        try (PeriodUsage usage = PeriodUsage.of(periods.ranked(header), period, Duration.ofDays(1), config.catalog())) {
            for (Row row : usage.lineWindows()
                    .where(col(Columns.BILLING_ACCOUNT_ID).isin(accounts))
                    .collectAsList()) {
                int day = (int) (LocalDate.ofInstant(
                                        row.<Timestamp>getAs(Columns.WINDOW_START)
                                                .toInstant(),
                                        ZoneOffset.UTC)
                                .toEpochDay()
                        - first.toEpochDay());
                if (day >= 0 && day < period.days() && !row.isNullAt(row.fieldIndex(Columns.QUANTITY))) {
                    days.computeIfAbsent(key(row), k -> zeros(period.days()))[day] = row.getAs(Columns.QUANTITY);
                }
            }
            if (uses(Aggregation.PERCENTILE)) {
                for (Row row : usage.bucketSums()
                        .where(col(Columns.BILLING_ACCOUNT_ID).isin(accounts))
                        .collectAsList()) {
                    buckets.computeIfAbsent(key(row), k -> new TreeMap<>())
                            .put(row.getAs(Columns.BUCKET), row.getAs(Columns.QUANTITY));
                }
            }
            if (uses(Aggregation.TIME_WEIGHTED)) {
                // A series' samples in the order the recompute holds them: (event time, ingest order).
                Column order = org.apache
                        .spark
                        .sql
                        .functions
                        .row_number()
                        .over(org.apache.spark.sql.expressions.Window.partitionBy(col(Columns.SERIES))
                                .orderBy(col(Columns.EVENT_TIME), col(Columns.INGEST_ORDER)));
                for (Row row : usage.samples()
                        .where(col(Columns.BILLING_ACCOUNT_ID).isin(accounts))
                        .withColumn(SEQUENCE, order)
                        .collectAsList()) {
                    String metric = row.getAs(Columns.METRIC);
                    series.computeIfAbsent(
                                    metric,
                                    m -> new TimeWeightedAggregation.Series(
                                            config.catalog().metric(m).orElseThrow()))
                            .add(
                                    row.getAs(Columns.SERIES),
                                    key(row),
                                    row.<Timestamp>getAs(Columns.EVENT_TIME).toInstant(),
                                    row.<Integer>getAs(SEQUENCE),
                                    row.getAs(Columns.QUANTITY));
                }
            }
        }
        Map<String, Statement.Chart> charts = new TreeMap<>();
        for (BillingLine line : lines) {
            Metric metric = config.catalog().metric(line.metric()).orElseThrow();
            String key = key(line);
            List<BigDecimal> values = switch (metric.aggregation()) {
                case PERCENTILE -> bucketSeries(metric, period, buckets.getOrDefault(key, Map.of()));
                case TIME_WEIGHTED -> dayIntegrals(series.get(line.metric()), key, first, period.days());
                default -> List.of(days.getOrDefault(key, zeros(period.days())));
            };
            charts.put(key, new Statement.Chart(line, metric, values));
        }
        return charts;
    }

    private static final String SEQUENCE = "_sequence";

    private boolean uses(Aggregation aggregation) {
        return config.catalog().metrics().stream().anyMatch(metric -> metric.aggregation() == aggregation);
    }

    /** Every bucket of the period in time order, zero where empty. */
    private static List<BigDecimal> bucketSeries(Metric metric, Period period, Map<Long, BigDecimal> sums) {
        long seconds = metric.parameters().bucket().getSeconds();
        int count = (int) (Duration.between(period.start(), period.end()).getSeconds() / seconds);
        BigDecimal[] values = zeros(count);
        sums.forEach((bucket, sum) -> {
            long index = (bucket - period.start().getEpochSecond()) / seconds;
            if (index >= 0 && index < count) {
                values[(int) index] = sum;
            }
        });
        return List.of(values);
    }

    /** A time-weighted line's level × time in each day of the period (what the line bills, cut at midnight). */
    private static List<BigDecimal> dayIntegrals(
            TimeWeightedAggregation.Series series, String key, LocalDate first, int count) {
        BigDecimal[] values = zeros(count);
        for (int day = 0; series != null && day < count; day++) {
            TimeWeightedAggregation.Part part =
                    series.lines(Period.parse(first.plusDays(day).toString())).get(key);
            if (part != null && part.quantity() != null) {
                values[day] = part.quantity();
            }
        }
        return List.of(values);
    }

    private static BigDecimal[] zeros(int count) {
        BigDecimal[] values = new BigDecimal[count];
        java.util.Arrays.fill(values, BigDecimal.ZERO);
        return values;
    }

    /** A line's key without its unit (a time-weighted line's unit is not its samples'). */
    private static String key(Row row) {
        return String.join(
                "\t",
                row.<String>getAs(Columns.SUBSCRIPTION_ID),
                row.<String>getAs(Columns.BILLING_ACCOUNT_ID),
                row.<String>getAs(Columns.PLAN),
                row.<String>getAs(Columns.METRIC));
    }

    private static String key(BillingLine line) {
        return String.join("\t", line.subscriptionId(), line.billingAccountId(), line.plan(), line.metric());
    }
}
