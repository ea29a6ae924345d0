package io.meterlake.bench;

import io.meterlake.catalog.Metric;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.model.BillingLine;
import io.meterlake.period.Period;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** The recompute benchmark's peer: the same work as reconcile's, in DuckDB SQL over raw's Parquet files. */
final class DuckDbRecompute {
    /** The columns reconcile reads of raw (RankedRaw's), which DuckDB reads and keeps too. */
    private static final String COLUMNS = "source, event_id, event_time, subscription_id, entitlement_id,"
            + " billing_account_id, plan, metric, unit, quantity, content_sha256, ingested_at, kafka_partition,"
            + " kafka_offset, file_sha256, line_number, payload_sha256";

    private DuckDbRecompute() {}

    /** What DuckDB computed of a period: reconcile's outputs (the report's provisional side is empty here). */
    record Result(List<String> lines, long conflicts, long windows) {}

    /**
     * DuckDB's computation of {@code period}, the same work as reconcile's: the dedup over the same
     * span (first record per identity in ingest order, and whether the identity came with more than
     * one content), then the period's lines, its conflicted identities, and its events aggregated in
     * the stream's windows (the authoritative side of the reconciliation report).
     */
    static Result run(List<String> files, Period period, MeterlakeConfig config) throws SQLException {
        String fileList =
                files.stream().map(file -> "'" + file.replace("'", "''") + "'").collect(Collectors.joining(", "));
        String quantity = quantityCase(config);
        // The attributes only when a metric counts one of them (a map column costs to read); tenant and app
        // only for a time-weighted metric's series.
        List<Metric> levels = config.catalog().metrics().stream()
                .filter(metric -> metric.aggregation() == io.meterlake.catalog.Aggregation.TIME_WEIGHTED)
                .toList();
        String columns = COLUMNS
                + (config.catalog().metrics().stream()
                                .anyMatch(metric -> metric.property() != null
                                        || (metric.parameters().seriesBy() != null
                                                && !metric.parameters()
                                                        .seriesBy()
                                                        .isEmpty()))
                        ? ", attributes"
                        : "")
                + (levels.isEmpty() ? "" : ", tenant_id, app_id");
        String records = periodRecords(fileList, columns, period, config, levels);
        String line = "subscription_id, billing_account_id, plan, metric, unit";
        StringBuilder lines = new StringBuilder("SELECT " + line + ", CAST(" + quantity
                + " AS DECIMAL(38, 9)), count(*) FROM period_records WHERE rank_in_identity = 1 AND NOT carried");
        for (Metric metric : config.catalog().metrics()) {
            if (metric.aggregation() == io.meterlake.catalog.Aggregation.PERCENTILE
                    || metric.aggregation() == io.meterlake.catalog.Aggregation.TIME_WEIGHTED) {
                lines.append(" AND metric <> '").append(metric.name()).append("'");
            }
        }
        lines.append(" GROUP BY ").append(line);
        appendPercentileLines(lines, line, period, config);
        appendLevelLines(lines, line, period, levels);
        String conflicts = "SELECT count(*) FROM (SELECT DISTINCT source, event_id FROM period_records WHERE conflicted"
                + " AND NOT carried)";
        long window = config.stream().window().toSeconds() * 1_000_000L;
        String windows =
                "SELECT count(*) FROM (SELECT make_timestamp(epoch_us(event_time) // " + window + " * " + window
                        + ") AS window_start, subscription_id, entitlement_id, billing_account_id, metric, unit, CAST("
                        + quantity
                        + " AS DECIMAL(38, 9)), count(*) FROM period_records WHERE rank_in_identity = 1 AND NOT carried"
                        + " GROUP BY window_start, subscription_id, entitlement_id, billing_account_id, metric, unit)";
        List<String> result = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection("jdbc:duckdb:");
                Statement statement = connection.createStatement()) {
            statement.execute("SET threads = " + Runtime.getRuntime().availableProcessors());
            statement.execute("SET TimeZone = 'UTC'");
            statement.execute(records);
            try (ResultSet rows = statement.executeQuery(lines.toString())) {
                while (rows.next()) {
                    result.add(Benchmark.key(new BillingLine(
                            rows.getString(1),
                            rows.getString(2),
                            rows.getString(3),
                            rows.getString(4),
                            rows.getString(5),
                            rows.getBigDecimal(6),
                            rows.getLong(7))));
                }
            }
            return new Result(
                    result.stream().sorted().toList(), single(statement, conflicts), single(statement, windows));
        }
    }

    /**
     * The records the period's results read, as a temporary table: the span's records ranked per identity in
     * ingest order, each with whether its identity conflicted and whether it is only carried into the period.
     */
    private static String periodRecords(
            String fileList, String columns, Period period, MeterlakeConfig config, List<Metric> levels) {
        // The same bounded work as RankedRaw.forPeriod: the span of the period and its dedup horizon.
        Instant from = period.start().minus(config.dedupHorizon());
        Instant to = period.end().plus(config.dedupHorizon());
        java.time.LocalDate[] dates =
                io.meterlake.batch.recompute.RankedRaw.partitionsRead(period, config.dedupHorizon());
        String inPeriod = "event_time >= TIMESTAMP '" + timestamp(period.start()) + "' AND event_time < TIMESTAMP '"
                + timestamp(period.end()) + "'";
        // A time-weighted metric's samples within max_hold before the period: read for its lines, not events.
        StringBuilder carried = new StringBuilder("false");
        for (Metric metric : levels) {
            carried.append(" OR (metric = '")
                    .append(metric.name())
                    .append("' AND event_time >= TIMESTAMP '")
                    .append(timestamp(period.start().minus(metric.parameters().maxHold())))
                    .append("' AND event_time < TIMESTAMP '")
                    .append(timestamp(period.start()))
                    .append("')");
        }
        return "CREATE TEMP TABLE period_records AS"
                + " WITH span AS (SELECT " + columns + " FROM read_parquet([" + fileList
                + "], hive_partitioning = true)"
                + " WHERE event_date BETWEEN DATE '" + dates[0] + "' AND DATE '" + dates[1] + "'"
                + " AND event_time >= TIMESTAMP '" + timestamp(from) + "' AND event_time < TIMESTAMP '" + timestamp(to)
                + "'),"
                + " ranked AS (SELECT *, row_number() OVER (PARTITION BY source, event_id ORDER BY ingested_at,"
                + " kafka_partition NULLS LAST, kafka_offset NULLS LAST, file_sha256 NULLS LAST, line_number NULLS LAST,"
                + " payload_sha256) AS rank_in_identity, min(content_sha256) OVER identity <> max(content_sha256)"
                + " OVER identity AS conflicted FROM span WINDOW identity AS (PARTITION BY source, event_id))"
                + " SELECT " + columns + ", rank_in_identity, conflicted, NOT (" + inPeriod + ") AS carried FROM ranked"
                + " WHERE (" + inPeriod + " AND (rank_in_identity = 1 OR conflicted)) OR ((" + carried
                + ") AND rank_in_identity = 1)";
    }

    /** A line's quantity in DuckDB SQL: per metric, its aggregation over the rows of a group. */
    private static String quantityCase(MeterlakeConfig config) {
        StringBuilder quantity = new StringBuilder("CASE metric");
        for (Metric metric : config.catalog().metrics()) {
            String aggregate = switch (metric.aggregation()) {
                case SUM -> "sum(quantity)";
                case MAX -> "max(quantity)";
                case LATEST ->
                    "arg_max(quantity, (event_time, ingested_at, coalesce(kafka_partition, 2147483647),"
                            + " coalesce(kafka_offset, 9223372036854775807), coalesce(file_sha256, 'g'),"
                            + " coalesce(line_number, 9223372036854775807), payload_sha256))";
                case COUNT -> "count(*)";
                case UNIQUE_COUNT ->
                    "count(DISTINCT map_extract_value(attributes, '"
                            + metric.property().replace("'", "''") + "'))";
                // A window's total; the period's percentile is its own query below.
                case PERCENTILE -> "sum(quantity)";
                // A window's provisional form: each level held until max_hold or the window's end (the
                // period's lines are their own query below).
                case TIME_WEIGHTED ->
                    halfEven(
                            "sum(CAST(quantity * 1000000000 AS HUGEINT) * least("
                                    + micros(metric.parameters().maxHold()) + ", "
                                    + config.stream().window().toSeconds() * 1_000_000L
                                    + " - epoch_us(event_time) % "
                                    + config.stream().window().toSeconds() * 1_000_000L + "))",
                            micros(metric.parameters().timeUnit()));
            };
            quantity.append(" WHEN '").append(metric.name()).append("' THEN ").append(aggregate);
        }
        quantity.append(" END");
        return quantity.toString();
    }

    /**
     * A PERCENTILE metric's lines: the bucket sums per line; of N buckets the k highest dropped: the (k + 1)-th
     * highest, or an empty bucket's 0 when no more than k are busy (quantities are never negative).
     */
    private static void appendPercentileLines(StringBuilder lines, String line, Period period, MeterlakeConfig config) {
        for (Metric metric : config.catalog().metrics()) {
            if (metric.aggregation() != io.meterlake.catalog.Aggregation.PERCENTILE) {
                continue;
            }
            // The bucket sums per line; of N buckets the k highest dropped: the (k + 1)-th highest, or an
            // empty bucket's 0 when no more than k are busy (quantities are never negative).
            long bucket = metric.parameters().bucket().getSeconds();
            long buckets = Duration.between(period.start(), period.end()).getSeconds() / bucket;
            long dropped = buckets * (100 - metric.parameters().percentile()) / 100;
            lines.append(" UNION ALL SELECT ")
                    .append(line)
                    .append(", CAST(CASE WHEN len(sums) > ")
                    .append(dropped)
                    .append(" THEN list_sort(sums, 'DESC')[")
                    .append(dropped + 1)
                    .append("] ELSE 0 END AS DECIMAL(38, 9)),")
                    .append(" events FROM (SELECT ")
                    .append(line)
                    .append(", list(bucket_sum) AS sums, CAST(sum(events) AS BIGINT) AS events")
                    .append(" FROM (SELECT ")
                    .append(line)
                    .append(", epoch_us(event_time) // ")
                    .append(bucket * 1_000_000L)
                    .append(" AS bucket, sum(quantity) AS bucket_sum, count(*) AS events FROM period_records")
                    .append(" WHERE rank_in_identity = 1 AND metric = '")
                    .append(metric.name())
                    .append("' GROUP BY ")
                    .append(line)
                    .append(", bucket) GROUP BY ")
                    .append(line)
                    .append(")");
        }
    }

    /**
     * A TIME_WEIGHTED metric's lines: each series in (event time, ingest order); a level holds until the next
     * sample or max_hold, its part inside the period on its own line; the line counts its samples in the period
     * and the carried ones that reach into it.
     */
    private static void appendLevelLines(StringBuilder lines, String line, Period period, List<Metric> levels) {
        for (Metric metric : levels) {
            // Each series in (event time, ingest order); a level holds until the next sample or max_hold,
            // its part inside the period on its own line; the line counts its samples in the period and the
            // carried ones that reach into it.
            long hold = micros(metric.parameters().maxHold());
            StringBuilder series = new StringBuilder("tenant_id, app_id");
            for (String attribute : metric.parameters().seriesBy()) {
                series.append(", map_extract_value(attributes, '")
                        .append(attribute.replace("'", "''"))
                        .append("')");
            }
            lines.append(" UNION ALL SELECT subscription_id, billing_account_id, plan, metric, '")
                    .append(metric.lineUnit())
                    .append("', ")
                    .append(halfEven(
                            "sum(CAST(quantity * 1000000000 AS HUGEINT) * held)",
                            micros(metric.parameters().timeUnit())))
                    .append(", count(*) FROM (SELECT ")
                    .append(line)
                    .append(", quantity, carried, greatest(0, least(coalesce(")
                    .append("lead(us) OVER series, us + ")
                    .append(hold)
                    .append("), us + ")
                    .append(hold)
                    .append(", ")
                    .append(micros(period.end()))
                    .append(") - greatest(us, ")
                    .append(micros(period.start()))
                    .append(")) AS held FROM (SELECT *, epoch_us(event_time) AS us FROM period_records")
                    .append(" WHERE rank_in_identity = 1 AND metric = '")
                    .append(metric.name())
                    .append("')")
                    .append(" WINDOW series AS (PARTITION BY ")
                    .append(series)
                    .append(" ORDER BY event_time, ingested_at,")
                    .append(" kafka_partition NULLS LAST, kafka_offset NULLS LAST, file_sha256 NULLS LAST,")
                    .append(" line_number NULLS LAST, payload_sha256)) WHERE NOT carried OR held > 0 GROUP BY ")
                    .append(line);
        }
    }

    /**
     * {@code integral} (a HUGEINT of 10^-9 level × microseconds) per {@code unitMicros}, rounded half to even
     * to 9 digits, exactly: integer division and its remainder, never a DOUBLE.
     */
    private static String halfEven(String integral, long unitMicros) {
        String q = "(" + integral + " // " + unitMicros + ")";
        String r = "(" + integral + " % " + unitMicros + ")";
        return "CAST(" + q + " + CASE WHEN 2 * " + r + " > " + unitMicros + " OR (2 * " + r + " = " + unitMicros
                + " AND " + q + " % 2 = 1) THEN 1 ELSE 0 END AS DECIMAL(38, 0)) * CAST(0.000000001 AS DECIMAL(10, 9))";
    }

    private static long micros(Duration duration) {
        return io.meterlake.pipeline.aggregation.TimeWeightedAggregation.micros(duration);
    }

    private static long micros(Instant instant) {
        return io.meterlake.pipeline.aggregation.TimeWeightedAggregation.micros(instant);
    }

    private static long single(Statement statement, String sql) throws SQLException {
        try (ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static String timestamp(Instant instant) {
        return instant.toString().replace("T", " ").replace("Z", "");
    }
}
