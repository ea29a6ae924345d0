package io.meterlake.bench;

import io.meterlake.config.MeterlakeConfig;
import io.meterlake.model.Entitlement;
import io.meterlake.period.Period;
import io.meterlake.schema.Tables;
import io.meterlake.table.Warehouse;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

/**
 * A warehouse with history (the benchmark's {@code --months}, {@code --lines}, {@code --subscriptions}), for the
 * benchmarks of reads ({@code bench reads}, {@code bench usage-api}):
 * {@code months} signed periods of {@code lines} lines each (approved and locked but the last), and the last
 * month's hourly provisional windows of {@code subscriptions} subscriptions ({@code sub-0}, ...; accounts
 * {@code acct-<s/10>}), a commit per day, as the stream leaves them; and a tenth of {@code lines} quarantined
 * records in each month, a commit per month.
 */
final class SignedHistory {
    static final String[] METRICS = {
        "functions.invocations", "functions.compute", "kvs.reads", "kvs.writes", "storage.stored"
    };

    @Option(
            names = "--months",
            defaultValue = "12",
            paramLabel = "<n>",
            description = "Signed periods of history (default: ${DEFAULT-VALUE}).")
    int months;

    @Option(
            names = "--lines",
            defaultValue = "2000",
            paramLabel = "<n>",
            description = "Lines per period (default: ${DEFAULT-VALUE}).")
    int lines;

    @Option(
            names = "--subscriptions",
            defaultValue = "100",
            paramLabel = "<n>",
            description = "Subscriptions with provisional windows in the last month (default: ${DEFAULT-VALUE}).")
    int subscriptions;

    /** The last of the periods: 2026-01 and {@code months - 1} after it, whatever the date. */
    Period last() {
        Period last = Period.parse("2026-01");
        for (int m = 1; m < months; m++) {
            last = last.next();
        }
        return last;
    }

    /** The history's size, as a benchmark's results record it. */
    Map<String, Object> parameters() {
        Map<String, Object> parameters = new java.util.LinkedHashMap<>();
        parameters.put("months", months);
        parameters.put("lines_per_period", lines);
        parameters.put("subscriptions", subscriptions);
        return parameters;
    }

    /** The signed history, {@code entitlements} and the last month's windows, written with Spark. */
    void build(SparkSession spark, MeterlakeConfig config, Period last, List<Entitlement> entitlements) {
        Warehouse warehouse = Benchmark.streamWarehouse(spark, config, entitlements);
        warehouse.ensureBatchTables();
        history(spark, warehouse, last);
        windows(spark, warehouse, last);
        quarantine(spark, warehouse, last);
    }

    /** A tenth of {@code lines} records quarantined in each month, a commit per month, as the stream leaves them. */
    private void quarantine(SparkSession spark, Warehouse warehouse, Period last) {
        String[] reasons = {"UNATTRIBUTED", "UNKNOWN_METRIC", "NEGATIVE_QUANTITY", "INVALID_JSON"};
        Period period = last;
        for (int m = 0; m < months - 1; m++) {
            period = period.previous();
        }
        for (int m = 0; m < months; m++, period = period.next()) {
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < Math.max(1, lines / 10); i++) {
                Instant at = period.start().plus(Duration.ofMinutes(i));
                String payload = "{\"event_id\":\"q-" + m + "-" + i + "\",\"source\":\"bench\",\"tenant_id\":\"tenant-"
                        + (i % 20) + "\",\"metric\":\"" + METRICS[i % METRICS.length] + "\",\"quantity\":\"-1\"}";
                rows.add(RowFactory.create(
                        Timestamp.from(at),
                        reasons[i % reasons.length],
                        "bench",
                        "kafka",
                        null,
                        null,
                        "usage-events",
                        m % 3,
                        (long) i,
                        "bench",
                        "q-" + m + "-" + i,
                        "tenant-" + (i % 20),
                        "app-1",
                        METRICS[i % METRICS.length],
                        Timestamp.from(at),
                        null,
                        "sha-" + m + "-" + i,
                        payload,
                        java.time.LocalDateTime.ofInstant(at, java.time.ZoneOffset.UTC),
                        java.time.LocalDateTime.ofInstant(at, java.time.ZoneOffset.UTC),
                        null));
            }
            warehouse.appendIdempotent(
                    spark.createDataFrame(rows, Tables.QUARANTINE), Tables.QUARANTINED_EVENTS, "bench", m + 1);
        }
    }

    /** {@code months} periods up to {@code last}: header, lines, and (but the last) approval and lock. */
    private void history(SparkSession spark, Warehouse warehouse, Period last) {
        Period period = last;
        for (int m = 0; m < months - 1; m++) {
            period = period.previous();
        }
        String previous = null;
        long sequence = 1;
        for (int m = 0; m < months; m++, period = period.next()) {
            boolean closed = !period.equals(last);
            String content = "c" + m;
            Instant published = period.end().plus(Duration.ofDays(2));
            String header = "h" + m;
            warehouse.appendIdempotent(
                    spark.createDataFrame(
                            List.of(RowFactory.create(
                                    period.toString(),
                                    1,
                                    0L,
                                    (long) lines,
                                    content,
                                    "s",
                                    "publisher",
                                    Timestamp.from(published),
                                    null,
                                    false,
                                    sequence,
                                    previous,
                                    header,
                                    "s",
                                    null,
                                    null,
                                    null)),
                            Tables.BILLING_PERIOD),
                    Tables.BILLING_PERIODS,
                    "bench",
                    sequence);
            List<Row> periodLines = lines(period, content);
            warehouse.appendIdempotent(
                    spark.createDataFrame(periodLines, Tables.BILLING_PERIOD_LINE),
                    Tables.BILLING_PERIOD_LINES,
                    "bench",
                    sequence);
            previous = header;
            sequence++;
            if (closed) {
                closeBooks(spark, warehouse, period, content, header, published, sequence);
            }
        }
    }

    /** {@code lines} lines of {@code period}'s revision 1 with content hash {@code content}. */
    private List<Row> lines(Period period, String content) {
        List<Row> rows = new ArrayList<>();
        for (int l = 0; l < lines; l++) {
            rows.add(RowFactory.create(
                    period.toString(),
                    1,
                    content,
                    "sub-" + (l / METRICS.length),
                    "acct-" + (l / 50),
                    "standard",
                    METRICS[l % METRICS.length],
                    "count",
                    new BigDecimal(l + ".5"),
                    (long) l,
                    period.toString(),
                    "usage"));
        }
        return rows;
    }

    /** An approval of revision 1 of {@code period} a day after it was published, and its lock a day later. */
    private static void closeBooks(
            SparkSession spark,
            Warehouse warehouse,
            Period period,
            String content,
            String header,
            Instant published,
            long sequence) {
        warehouse.appendIdempotent(
                spark.createDataFrame(
                        List.of(RowFactory.create(
                                period.toString(),
                                1,
                                content,
                                header,
                                "publisher",
                                "approver",
                                "k",
                                Timestamp.from(published.plus(Duration.ofDays(1))),
                                "s",
                                null,
                                null,
                                null,
                                null)),
                        Tables.BILLING_APPROVAL),
                Tables.BILLING_APPROVALS,
                "bench",
                sequence);
        warehouse.appendIdempotent(
                spark.createDataFrame(
                        List.of(RowFactory.create(
                                period.toString(),
                                1,
                                content,
                                "approver",
                                sequence,
                                Timestamp.from(published.plus(Duration.ofDays(2))),
                                null,
                                null,
                                null,
                                null,
                                null,
                                null)),
                        Tables.BILLING_PERIOD_LOCK),
                Tables.BILLING_PERIOD_LOCKS,
                "bench",
                sequence);
    }

    /** The last period's hourly provisional windows of {@code subscriptions} subscriptions, a commit per day. */
    private void windows(SparkSession spark, Warehouse warehouse, Period last) {
        for (int day = 0; day < last.days(); day++) {
            List<Row> windows = windows(last.start().plus(Duration.ofDays(day)), 24, 0);
            warehouse.appendIdempotent(
                    spark.createDataFrame(windows, Tables.PROVISIONAL),
                    Tables.USAGE_AGGREGATES_PROVISIONAL,
                    "bench",
                    day + 1);
        }
    }

    /**
     * {@code hours} hourly windows from {@code from} of every subscription and metric, each hour's quantity the
     * hour of its day plus {@code extra}.
     */
    List<Row> windows(Instant from, int hours, long extra) {
        List<Row> windows = new ArrayList<>();
        for (int s = 0; s < subscriptions; s++) {
            for (int hour = 0; hour < hours; hour++) {
                Instant start = from.plus(Duration.ofHours(hour));
                for (String metric : METRICS) {
                    windows.add(RowFactory.create(
                            "sub-" + s,
                            "ent-" + s,
                            "acct-" + (s / 10),
                            metric,
                            "count",
                            Timestamp.from(start),
                            Timestamp.from(start.plus(Duration.ofHours(1))),
                            BigDecimal.valueOf(hour + extra),
                            1L,
                            1L,
                            Timestamp.from(start.plus(Duration.ofHours(1)))));
                }
            }
        }
        return windows;
    }
}
