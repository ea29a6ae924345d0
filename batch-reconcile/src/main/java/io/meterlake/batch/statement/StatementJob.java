package io.meterlake.batch.statement;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;

import io.meterlake.batch.BatchErrors;
import io.meterlake.batch.publish.BillingPeriod;
import io.meterlake.batch.publish.BillingPeriods;
import io.meterlake.batch.publish.Closing;
import io.meterlake.batch.recompute.PeriodUsage;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.model.BillingLine;
import io.meterlake.model.CorrectionLine;
import io.meterlake.period.Period;
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
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The statements of a published revision, one per billing account (or the one asked for): its lines and
 * correction lines as signed, the period's state, and its daily usage per metric, recomputed from raw
 * at the revision's raw version with the revision's dedup horizon (the same events its lines were
 * computed from), in one-day windows.
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
        Map<String, Map<String, Statement.Daily>> daily = daily(header, period, chosen);
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
                    List.copyOf(daily.getOrDefault(id, Map.of()).values())));
        }
        return statements;
    }

    /** Per account and metric, the usage of each day of the period (the metric's aggregation per day). */
    private Map<String, Map<String, Statement.Daily>> daily(
            BillingPeriod header, Period period, List<String> accounts) {
        Map<String, Map<String, List<BigDecimal>>> values = new TreeMap<>();
        Map<String, String> units = new TreeMap<>();
        LocalDate first = LocalDate.ofInstant(period.start(), ZoneOffset.UTC);
        int days = period.days();
        try (PeriodUsage usage = PeriodUsage.of(periods.ranked(header), period, Duration.ofDays(1), config.catalog())) {
            List<Row> rows = usage.windows()
                    .where(col(Columns.BILLING_ACCOUNT_ID).isin(accounts.toArray()))
                    .groupBy(
                            col(Columns.BILLING_ACCOUNT_ID),
                            col(Columns.METRIC),
                            col(Columns.UNIT),
                            col(Columns.WINDOW_START))
                    .agg(sum(col(Columns.QUANTITY)).as(Columns.QUANTITY))
                    .collectAsList();
            for (Row row : rows) {
                String account = row.getAs(Columns.BILLING_ACCOUNT_ID);
                String metric = row.getAs(Columns.METRIC);
                units.put(metric, row.getAs(Columns.UNIT));
                int day = (int) (LocalDate.ofInstant(
                                        row.<Timestamp>getAs(Columns.WINDOW_START)
                                                .toInstant(),
                                        ZoneOffset.UTC)
                                .toEpochDay()
                        - first.toEpochDay());
                BigDecimal quantity =
                        row.isNullAt(row.fieldIndex(Columns.QUANTITY)) ? BigDecimal.ZERO : row.getAs(Columns.QUANTITY);
                if (day >= 0 && day < days) {
                    List<BigDecimal> series = values.computeIfAbsent(account, a -> new TreeMap<>())
                            .computeIfAbsent(
                                    metric, m -> new ArrayList<>(java.util.Collections.nCopies(days, BigDecimal.ZERO)));
                    series.set(day, series.get(day).add(quantity));
                }
            }
        }
        Map<String, Map<String, Statement.Daily>> daily = new TreeMap<>();
        values.forEach((account, metrics) ->
                metrics.forEach((metric, series) -> daily.computeIfAbsent(account, a -> new TreeMap<>())
                        .put(metric, new Statement.Daily(metric, units.get(metric), series))));
        return daily;
    }
}
