package io.meterlake.batch.usage;

import io.meterlake.batch.publish.BillingPeriod;
import io.meterlake.batch.publish.BillingPeriods;
import io.meterlake.batch.publish.Closing;
import io.meterlake.catalog.Aggregation;
import io.meterlake.catalog.Metric;
import io.meterlake.catalog.MetricCatalog;
import io.meterlake.model.BillingLine;
import io.meterlake.period.Period;
import io.meterlake.period.PeriodState;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.table.TableRows;
import io.meterlake.validation.Quantities;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.Row;

/**
 * A subscription's or billing account's usage, per metric, each value computed by its metric's own
 * aggregation and marked with where it comes from. For a period: the lines of its locked revision
 * ({@code final}) or of its latest revision ({@code published}); for a period not yet published, the stream's
 * hourly windows combined per metric ({@code provisional}). Per window (an hour, a day): the stream's windows,
 * combined per day by the same rules. Combining windows is exact for {@code SUM}, {@code COUNT}, {@code MAX}
 * and {@code LATEST}; a distinct count over more than one stream window, a percentile of buckets and a
 * time-weighted level cannot be had from what the stream keeps, and the value says so ({@code quantity} null,
 * {@code note} why) instead of showing a wrong number. Reads through {@link TableRows}: without Spark.
 */
public final class UsageQuery {
    /** The tables an answer is read from (what a command may prefetch). */
    public static final List<String> READS = List.of(
            Tables.BILLING_PERIODS,
            Tables.BILLING_PERIOD_LINES,
            Tables.BILLING_APPROVALS,
            Tables.BILLING_PERIOD_LOCKS,
            Tables.USAGE_AGGREGATES_PROVISIONAL);

    /** Where a value comes from. */
    public enum Source {
        /** A locked revision's line: what is billed, for good. */
        FINAL,
        /** The latest published revision's line: signed, may still be revised. */
        PUBLISHED,
        /** The stream's windows: near real time, before the batch decides. */
        PROVISIONAL;

        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Whose usage: one subscription, or every subscription of one billing account. */
    public record Selection(String column, String id) {
        public static Selection subscription(String id) {
            return new Selection(Columns.SUBSCRIPTION_ID, id);
        }

        public static Selection account(String id) {
            return new Selection(Columns.BILLING_ACCOUNT_ID, id);
        }

        /** Every subscription's usage (what limit notifications are decided on). */
        public static Selection all() {
            return new Selection(null, null);
        }

        public boolean isSubscription() {
            return Columns.SUBSCRIPTION_ID.equals(column);
        }

        boolean matches(BillingLine line) {
            return column == null
                    || (column.equals(Columns.SUBSCRIPTION_ID)
                            ? line.subscriptionId().equals(id)
                            : line.billingAccountId().equals(id));
        }

        /** The columns a read of the stream's windows filters on. */
        Map<String, String> filter() {
            return column == null ? Map.of() : Map.of(column, id);
        }
    }

    /**
     * One value. {@code plan} is the line's (null for a provisional value); {@code quantity} is null when it
     * cannot be had exactly, and {@code note} says why (and what the stream does know).
     */
    public record Value(
            String subscriptionId,
            String plan,
            String metric,
            String unit,
            Instant start,
            Instant end,
            BigDecimal quantity,
            long events,
            Source source,
            String note) {}

    /**
     * The values, and how fresh the provisional ones are: the stream's mark ({@link
     * io.meterlake.table.VisibleThrough}), the instant through which every record the broker had is in the windows
     * they come from; empty for a published period's lines, or when no stream has said.
     */
    public record Answer(List<Value> values, Optional<Instant> asOf) {
        /**
         * The same values as of {@code later}, a mark read with the versions of the tables they were read from
         * (which still stand): a provisional answer's {@code as_of} moves on while nothing it reads changed.
         */
        public Answer asOf(Optional<Instant> later) {
            return asOf.isPresent() && later.isPresent() && later.get().isAfter(asOf.get())
                    ? new Answer(values, later)
                    : this;
        }

        /** How fresh the values are, for a person ({@code usage}'s last line, the usage page's). */
        public String freshness() {
            Optional<String> counted =
                    asOf.map(at -> "every event the broker had by " + at + " is counted (later ones may be)");
            if (values.isEmpty()) {
                return "No usage yet" + counted.map(text -> ": " + text).orElse("") + ".";
            }
            return values.stream().anyMatch(value -> value.source() == Source.PROVISIONAL)
                    ? "Provisional values: " + counted.orElse("no stream has said how fresh its windows are")
                            + ". Final and published values are signed lines."
                    : "Every value is a signed line (final: locked; published: may still be revised).";
        }

        /**
         * {@code usage --format json} and the usage API's body, one form: {selection, period, window, as_of,
         * values: [{subscription_id, plan, metric, unit, start, end, quantity, event_count, source, note}]}.
         */
        public Map<String, Object> json(Selection selection, Period period, String window) {
            Map<String, Object> json = new java.util.LinkedHashMap<>();
            json.put("selection", selection.filter());
            json.put("period", period.toString());
            json.put("window", window);
            json.put("as_of", asOf.map(Object::toString).orElse(null));
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Value value : values) {
                Map<String, Object> row = new java.util.LinkedHashMap<>();
                row.put("subscription_id", value.subscriptionId());
                row.put("plan", value.plan());
                row.put("metric", value.metric());
                row.put("unit", value.unit());
                row.put("start", value.start().toString());
                row.put("end", value.end().toString());
                row.put("quantity", value.quantity() == null ? null : Quantities.render(value.quantity()));
                row.put("event_count", value.events());
                row.put("source", value.source().word());
                row.put("note", value.note());
                rows.add(row);
            }
            json.put("values", rows);
            return json;
        }
    }

    /** A window of {@code usage --window} and the API's {@code window}: one value per period, day or hour. */
    public enum Window {
        period,
        day,
        hour
    }

    /** The selection's usage in {@code period}, one value per {@code window}. */
    public Answer answer(Selection selection, Period period, Window window) {
        return switch (window) {
            case period -> period(selection, period);
            case day -> windows(selection, period, Duration.ofDays(1));
            case hour -> windows(selection, period, Duration.ofHours(1));
        };
    }

    private final TableRows tables;
    private final MetricCatalog catalog;
    private final List<String> approvers;

    public UsageQuery(TableRows tables, MetricCatalog catalog, List<String> approvers) {
        this.tables = tables;
        this.catalog = catalog;
        this.approvers = List.copyOf(approvers);
    }

    /** The selection's usage in {@code period}, per metric (per line for a published period). */
    public Answer period(Selection selection, Period period) {
        Optional<BillingPeriod> latest = new BillingPeriods(tables).latest(period);
        if (latest.isPresent()) {
            Closing.Status status = new Closing(tables, approvers).status(period);
            Source source = status.state() == PeriodState.LOCKED
                            && status.lock().orElseThrow().revision()
                                    == latest.get().revision()
                    ? Source.FINAL
                    : Source.PUBLISHED;
            List<Value> values = new ArrayList<>();
            for (BillingLine line : new BillingPeriods(tables).lines(latest.get(), selection.filter())) {
                if (selection.matches(line)) {
                    values.add(new Value(
                            line.subscriptionId(),
                            line.plan(),
                            line.metric(),
                            line.unit(),
                            period.start(),
                            period.end(),
                            line.quantity(),
                            line.eventCount(),
                            source,
                            source.word() + ": revision " + latest.get().revision() + " of " + period));
                }
            }
            return new Answer(values, Optional.empty());
        }
        return combined(selection, period, windows -> period.start(), Duration.between(period.start(), period.end()));
    }

    /** The selection's usage in each {@code window} (one hour or one day) of {@code period}, from the stream. */
    public Answer windows(Selection selection, Period period, Duration window) {
        long seconds = window.toSeconds();
        return combined(
                selection,
                period,
                start -> Instant.ofEpochSecond(Math.floorDiv(start.getEpochSecond(), seconds) * seconds),
                window);
    }

    /** The provisional windows of the period, grouped by (subscription, metric, the window {@code grain} gives). */
    private Answer combined(
            Selection selection, Period period, java.util.function.UnaryOperator<Instant> grain, Duration length) {
        Map<String, List<Row>> groups = new TreeMap<>();
        for (Row row : tables.rows(Tables.USAGE_AGGREGATES_PROVISIONAL, selection.filter())) {
            Instant start = row.<Timestamp>getAs(Columns.WINDOW_START).toInstant();
            if (!period.contains(start)) {
                continue;
            }
            String key = row.<String>getAs(Columns.SUBSCRIPTION_ID) + "\t" + row.<String>getAs(Columns.METRIC) + "\t"
                    + grain.apply(start);
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(row);
        }
        List<Value> values = new ArrayList<>();
        groups.forEach((key, rows) -> {
            Instant start = grain.apply(
                    rows.get(0).<Timestamp>getAs(Columns.WINDOW_START).toInstant());
            Instant end = start.plus(length);
            values.add(combine(rows, start, end.isAfter(period.end()) ? period.end() : end));
        });
        values.sort(Comparator.comparing(Value::subscriptionId)
                .thenComparing(Value::metric)
                .thenComparing(Value::start));
        return new Answer(values, tables.visibleThrough());
    }

    /** One group of stream windows as one value, by its metric's aggregation. */
    private Value combine(List<Row> rows, Instant start, Instant end) {
        Row first = rows.get(0);
        String metricName = first.getAs(Columns.METRIC);
        Optional<Metric> metric = catalog.metric(metricName);
        long events = rows.stream()
                .mapToLong(row -> row.<Long>getAs(Columns.EVENT_COUNT))
                .sum();
        List<BigDecimal> quantities = rows.stream()
                .map(row -> row.<BigDecimal>getAs(Columns.QUANTITY))
                .filter(java.util.Objects::nonNull)
                .toList();
        BigDecimal sum = quantities.stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        long windows = rows.stream()
                .map(row -> row.<Timestamp>getAs(Columns.WINDOW_START))
                .distinct()
                .count();
        Aggregation aggregation = metric.map(Metric::aggregation).orElse(Aggregation.SUM);
        BigDecimal quantity;
        String note;
        switch (aggregation) {
            case SUM, COUNT -> {
                quantity = sum;
                note = "provisional: the stream's windows added up";
            }
            case MAX -> {
                quantity = quantities.stream().reduce(BigDecimal::max).orElse(null);
                note = "provisional: the highest of the stream's windows";
            }
            case LATEST -> {
                quantity = rows.stream()
                        .filter(row -> row.getAs(Columns.QUANTITY) != null)
                        .max(Comparator.comparing(row -> row.<Timestamp>getAs(Columns.WINDOW_START)))
                        .map(row -> row.<BigDecimal>getAs(Columns.QUANTITY))
                        .orElse(null);
                note = "provisional: the latest of the stream's windows";
            }
            case UNIQUE_COUNT -> {
                quantity = windows == 1 && rows.size() == 1 ? sum : null;
                note = quantity != null
                        ? "provisional: the stream window's distinct values"
                        : "not exact from the stream: it keeps distinct values per window, and a value seen in"
                                + " several windows counts once (the windows' counts add up to "
                                + Quantities.render(sum) + ")";
            }
            case PERCENTILE -> {
                quantity = null;
                note = "not exact from the stream: a percentile is of the period's "
                        + metric.orElseThrow().parameters().bucket().toMinutes()
                        + "-minute buckets, the stream keeps hourly totals (their volume: " + Quantities.render(sum)
                        + ")";
            }
            case TIME_WEIGHTED -> {
                quantity = null;
                note = "not exact from the stream: it holds each level to its window's end at most, the line"
                        + " holds it until the next sample (the windows give " + Quantities.render(sum) + ")";
            }
            default -> throw new IllegalStateException(aggregation.toString());
        }
        return new Value(
                first.getAs(Columns.SUBSCRIPTION_ID),
                null,
                metricName,
                first.getAs(Columns.UNIT),
                start,
                end,
                quantity,
                events,
                Source.PROVISIONAL,
                note);
    }
}
