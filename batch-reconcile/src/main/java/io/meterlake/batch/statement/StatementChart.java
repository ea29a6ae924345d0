package io.meterlake.batch.statement;

import static io.meterlake.batch.statement.Statement.text;

import io.meterlake.catalog.Aggregation;
import io.meterlake.catalog.Metric;
import io.meterlake.model.BillingLine;
import io.meterlake.period.Period;
import io.meterlake.validation.Quantities;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;

/**
 * One line's chart on a statement (inline SVG), in its aggregation's own terms, with the billed value (the
 * line's quantity) on its {@code figure} as {@code data-billed} and drawn where it is not the bars' sum:
 * <ul>
 *   <li>{@code SUM}, {@code COUNT}: a bar per day; the days add up to the line;
 *   <li>{@code TIME_WEIGHTED}: a bar per day of the level held × time within it; the days add up to the line;
 *   <li>{@code MAX}, {@code LATEST}: a bar per day of its highest level or its latest value; the line is the
 *       period's highest or latest, marked;
 *   <li>{@code UNIQUE_COUNT}: a bar per day of its distinct values; the line counts them over the whole
 *       period (a value seen on several days once), marked;
 *   <li>{@code PERCENTILE}: every bucket of the period in time order, as a line; the highest ones not
 *       billed ({@code data-dropped}) and the billed one marked.
 * </ul>
 * Every value is in the page as text: a bar's {@code data-value}, a series' {@code data-values}.
 */
final class StatementChart {
    private static final int WIDTH = 720;
    private static final int HEIGHT = 160;
    private static final int LEFT = 8;
    private static final int BOTTOM = 20;
    private static final int TOP = 18;

    private StatementChart() {}

    static void render(StringBuilder out, Statement.Chart chart, Period period) {
        BillingLine line = chart.line();
        Metric metric = chart.metric();
        Aggregation aggregation = metric.aggregation();
        BigDecimal billed = line.quantity();
        BigDecimal max = chart.values().stream().reduce(billed, BigDecimal::max);
        out.append("<figure class=\"chart\" data-subscription=\"")
                .append(text(line.subscriptionId()))
                .append("\" data-plan=\"")
                .append(text(line.plan()))
                .append("\" data-metric=\"")
                .append(text(line.metric()))
                .append("\" data-aggregation=\"")
                .append(aggregation)
                .append("\" data-billed=\"")
                .append(Quantities.render(billed))
                .append('"');
        if (aggregation == Aggregation.PERCENTILE) {
            out.append(" data-buckets=\"")
                    .append(chart.values().size())
                    .append("\" data-dropped=\"")
                    .append(dropped(metric, chart.values().size()))
                    .append('"');
        }
        out.append(">\n<figcaption>")
                .append(text(line.metric()))
                .append(" · ")
                .append(text(line.subscriptionId()))
                .append(" (")
                .append(text(line.plan()))
                .append(") <span class=\"unit\">")
                .append(text(explanation(chart, period)))
                .append("</span></figcaption>\n<svg viewBox=\"0 0 ")
                .append(WIDTH)
                .append(' ')
                .append(HEIGHT)
                .append("\" width=\"")
                .append(WIDTH)
                .append("\" height=\"")
                .append(HEIGHT)
                .append("\" role=\"img\" aria-label=\"")
                .append(text(line.metric() + " of " + line.subscriptionId() + " in " + line.unit()))
                .append("\">\n")
                .append(String.format(
                        Locale.ROOT,
                        "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
                        LEFT,
                        HEIGHT - BOTTOM,
                        WIDTH - LEFT,
                        HEIGHT - BOTTOM));
        if (aggregation == Aggregation.PERCENTILE) {
            series(out, chart.values(), max);
        } else {
            bars(out, chart.values(), max, LocalDate.ofInstant(period.start(), ZoneOffset.UTC), line.unit());
        }
        if (marked(aggregation)) {
            double y = y(billed, max);
            out.append(String.format(
                    Locale.ROOT,
                    "<line class=\"billed\" x1=\"%d\" y1=\"%.2f\" x2=\"%d\" y2=\"%.2f\"/>\n"
                            + "<text class=\"billed-label\" x=\"%d\" y=\"%.2f\" text-anchor=\"end\">billed %s %s</text>\n",
                    LEFT,
                    y,
                    WIDTH - LEFT,
                    y,
                    WIDTH - LEFT,
                    Math.max(TOP - 6, y - 3),
                    text(scale(billed)),
                    text(line.unit())));
        }
        out.append(String.format(
                Locale.ROOT,
                "<text class=\"max\" x=\"%d\" y=\"%d\">%s</text>\n",
                LEFT,
                TOP - 6,
                text(scale(max) + " " + line.unit())));
        out.append("</svg>\n</figure>\n");
    }

    /** Whether the billed value is drawn: where it is not the bars' sum. */
    private static boolean marked(Aggregation aggregation) {
        return switch (aggregation) {
            case SUM, COUNT, TIME_WEIGHTED -> false;
            case MAX, LATEST, UNIQUE_COUNT, PERCENTILE -> true;
        };
    }

    /** What the chart shows and how the line follows from it, in words. */
    static String explanation(Statement.Chart chart, Period period) {
        BillingLine line = chart.line();
        String billed = Quantities.render(line.quantity()) + " " + line.unit();
        Metric metric = chart.metric();
        return switch (metric.aggregation()) {
            case SUM -> line.unit() + " per day; the days add up to the billed " + billed;
            case COUNT -> "events per day; the days add up to the billed " + billed;
            case TIME_WEIGHTED ->
                line.unit() + " per day (the level held × time, cut at midnight UTC); the days add"
                        + " up to the billed " + billed + ", each day rounded to 9 decimals";
            case MAX -> "highest level per day; billed: the period's highest, " + billed;
            case LATEST -> "latest reported value per day; billed: the period's latest, " + billed;
            case UNIQUE_COUNT ->
                "distinct " + metric.property() + " per day; billed: distinct over the whole period, " + billed
                        + " (a value seen on several days counts once)";
            case PERCENTILE ->
                chart.values().size() + " buckets of "
                        + words(metric.parameters().bucket())
                        + " in " + period + ", in time order; the "
                        + dropped(metric, chart.values().size())
                        + " highest are not billed; billed: the next, " + billed + " (the "
                        + metric.parameters().percentile() + "th percentile)";
        };
    }

    /** k = floor(N × (100 − percentile) / 100), as the line's recompute drops them. */
    private static long dropped(Metric metric, int buckets) {
        return (long) buckets * (100 - metric.parameters().percentile()) / 100;
    }

    private static String words(Duration duration) {
        return duration.toSeconds() % 60 == 0 ? duration.toMinutes() + " min" : duration.toSeconds() + " s";
    }

    /** A bar per day; each bar's title holds the exact value. */
    private static void bars(StringBuilder out, List<BigDecimal> values, BigDecimal max, LocalDate first, String unit) {
        double slot = (WIDTH - 2.0 * LEFT) / values.size();
        for (int day = 0; day < values.size(); day++) {
            BigDecimal value = values.get(day);
            double top = value.signum() <= 0 ? HEIGHT - BOTTOM : Math.min(HEIGHT - BOTTOM - 1, y(value, max));
            double x = LEFT + day * slot + slot * 0.15;
            out.append(String.format(
                    Locale.ROOT,
                    "<rect class=\"bar\" data-day=\"%s\" data-value=\"%s\" x=\"%.2f\" y=\"%.2f\""
                            + " width=\"%.2f\" height=\"%.2f\"><title>%s: %s %s</title></rect>\n",
                    first.plusDays(day),
                    Quantities.render(value),
                    x,
                    top,
                    slot * 0.7,
                    HEIGHT - BOTTOM - top,
                    first.plusDays(day),
                    Quantities.render(value),
                    text(unit)));
            if (day % 7 == 0) {
                out.append(String.format(
                        Locale.ROOT,
                        "<text class=\"day\" x=\"%.2f\" y=\"%d\">%d</text>\n",
                        x,
                        HEIGHT - 5,
                        first.plusDays(day).getDayOfMonth()));
            }
        }
    }

    /** Every bucket, in time order, as one line; the values as text in {@code data-values}. */
    private static void series(StringBuilder out, List<BigDecimal> values, BigDecimal max) {
        double step = (WIDTH - 2.0 * LEFT) / Math.max(1, values.size() - 1);
        StringBuilder points = new StringBuilder(values.size() * 12);
        StringBuilder texts = new StringBuilder(values.size() * 4);
        for (int i = 0; i < values.size(); i++) {
            points.append(String.format(Locale.ROOT, "%.1f,%.1f ", LEFT + i * step, y(values.get(i), max)));
            texts.append(i == 0 ? "" : " ").append(Quantities.render(values.get(i)));
        }
        out.append("<polyline class=\"series\" data-values=\"")
                .append(texts)
                .append("\" points=\"")
                .append(points.toString().trim())
                .append("\"/>\n");
    }

    /** The height of {@code value} on a chart whose highest value is {@code max}. */
    private static double y(BigDecimal value, BigDecimal max) {
        double plot = HEIGHT - BOTTOM - TOP;
        double share = max.signum() <= 0 || value.signum() <= 0
                ? 0
                : value.divide(max, MathContext.DECIMAL64).doubleValue();
        return HEIGHT - BOTTOM - share * plot;
    }

    /** A readable figure for the chart's scale: up to 4 significant digits. */
    private static String scale(BigDecimal value) {
        return value.signum() == 0
                ? "0"
                : value.round(new MathContext(4, RoundingMode.HALF_EVEN))
                        .stripTrailingZeros()
                        .toPlainString();
    }
}
