package io.meterlake.batch.usage;

import static io.meterlake.batch.statement.Statement.text;

import io.meterlake.batch.statement.Statement;
import io.meterlake.period.Period;
import io.meterlake.validation.Quantities;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A tenant's usage as a page: self-contained HTML (no script, nothing loaded: the statement's style and
 * content policy) showing exactly what the usage API's JSON holds, value by value ({@link UsageQuery.Answer#json}),
 * so that the page and the API never disagree: the cells are the JSON's fields, quantities with their 9 digits.
 */
public final class UsagePage {
    /** The table's columns, in order: each a field of a value in the JSON ({@code -} for a null). */
    public static final List<String> COLUMNS = List.of(
            "subscription_id", "plan", "metric", "unit", "start", "end", "quantity", "event_count", "source", "note");

    private static final List<String> HEADINGS =
            List.of("Subscription", "Plan", "Metric", "Unit", "From", "To", "Quantity", "Events", "Source", "Note");

    private UsagePage() {}

    /** The page of {@code answer}, UTF-8. */
    public static byte[] html(UsageQuery.Answer answer, UsageQuery.Selection selection, Period period, String window) {
        StringBuilder out = new StringBuilder(8_192);
        String who = (selection.isSubscription() ? "subscription " : "billing account ") + selection.id();
        out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"
                        + " style-src 'unsafe-inline'\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>")
                .append(text("Usage of " + who + " in " + period))
                .append("</title>\n<style>")
                .append(Statement.STYLE)
                .append(".final{background:#dcfce7;color:#166534}.published{background:#dbeafe;color:#1e40af}"
                        + ".provisional{background:#fff3cd;color:#7a5b00}")
                .append("</style>\n</head>\n<body>\n<header>\n<h1>Usage</h1>\n<p class=\"subtitle\">")
                .append("<span id=\"selection\">")
                .append(text(who))
                .append("</span> · period <span id=\"period\">")
                .append(text(period.toString()))
                .append("</span> (")
                .append(text(period.start() + " to " + period.end()))
                .append(", UTC) · one value per <span id=\"window\">")
                .append(text(window))
                .append("</span></p>\n<p id=\"freshness\">")
                .append(text(answer.freshness()))
                .append("</p>\n</header>\n<section>\n");
        if (answer.values().isEmpty()) {
            out.append("<p id=\"no-usage\">No usage of ")
                    .append(text(who))
                    .append(" in ")
                    .append(text(period.toString()))
                    .append(".</p>\n");
        } else {
            out.append("<table id=\"usage\">\n<thead><tr>");
            for (int i = 0; i < HEADINGS.size(); i++) {
                boolean number =
                        COLUMNS.get(i).equals("quantity") || COLUMNS.get(i).equals("event_count");
                out.append(number ? "<th class=\"n\">" : "<th>")
                        .append(HEADINGS.get(i))
                        .append("</th>");
            }
            out.append("</tr></thead>\n<tbody>\n");
            for (UsageQuery.Value value : answer.values()) {
                out.append("<tr><td>")
                        .append(text(value.subscriptionId()))
                        .append("</td><td>")
                        .append(text(value.plan() == null ? "-" : value.plan()))
                        .append("</td><td>")
                        .append(text(value.metric()))
                        .append("</td><td>")
                        .append(text(value.unit()))
                        .append("</td><td>")
                        .append(text(value.start().toString()))
                        .append("</td><td>")
                        .append(text(value.end().toString()))
                        .append("</td><td class=\"n\">")
                        .append(value.quantity() == null ? "-" : Quantities.render(value.quantity()))
                        .append("</td><td class=\"n\">")
                        .append(value.events())
                        .append("</td><td><span class=\"status ")
                        .append(value.source().word())
                        .append("\">")
                        .append(value.source().word())
                        .append("</span></td><td>")
                        .append(text(value.note()))
                        .append("</td></tr>\n");
            }
            out.append("</tbody>\n</table>\n");
        }
        out.append("</section>\n</body>\n</html>\n");
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }
}
