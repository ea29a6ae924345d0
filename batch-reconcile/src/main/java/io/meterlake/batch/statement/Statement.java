package io.meterlake.batch.statement;

import io.meterlake.batch.publish.BillingPeriod;
import io.meterlake.batch.publish.Closing;
import io.meterlake.model.BillingLine;
import io.meterlake.model.CorrectionLine;
import io.meterlake.period.Period;
import io.meterlake.validation.Quantities;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One billing account's statement of one published revision: a self-contained HTML page (inline CSS
 * and SVG, no script, a Content-Security-Policy that forbids every fetch) with the account's lines,
 * the correction lines the revision carries for it, the period's state and the signature
 * fingerprints, and a chart of each line in its aggregation's own terms ({@link StatementChart}). The
 * same revision always renders to the same bytes: nothing on the page reads a clock.
 *
 * @param charts one per usage line of the account, in line order
 */
public record Statement(
        String billingAccountId,
        BillingPeriod header,
        Closing.Status status,
        List<BillingLine> lines,
        List<CorrectionLine> corrections,
        List<Chart> charts) {

    /**
     * What one line's chart shows: for a {@code PERCENTILE} metric every bucket of the period in time order
     * (zero when empty); for the others one value per day of the period, from its first: the day's sum,
     * count, highest level, latest value or distinct values, or a {@code TIME_WEIGHTED} metric's level ×
     * time within the day (zero for a day without usage). The billed value is the line's quantity.
     */
    public record Chart(BillingLine line, io.meterlake.catalog.Metric metric, List<BigDecimal> values) {
        public Chart {
            values = List.copyOf(values);
        }
    }

    public Statement {
        Objects.requireNonNull(billingAccountId, "billingAccountId");
        lines = List.copyOf(lines);
        corrections = List.copyOf(corrections);
        charts = List.copyOf(charts);
    }

    /** The page, UTF-8. */
    public byte[] html() {
        Period period = header.period();
        StringBuilder out = new StringBuilder(16_384);
        out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append(
                        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>")
                .append(text("Usage statement " + billingAccountId + " " + period))
                .append("</title>\n")
                .append("<style>")
                .append(STYLE)
                .append("</style>\n</head>\n<body>\n");
        String state = state();
        out.append("<header>\n<h1>Usage statement</h1>\n<p class=\"subtitle\"><span id=\"account\">")
                .append(text(billingAccountId))
                .append("</span> · period <span id=\"period\">")
                .append(text(period.toString()))
                .append("</span> (")
                .append(text(period.start().toString()))
                .append(" to ")
                .append(text(period.end().toString()))
                .append(", UTC) · revision <span id=\"revision\">")
                .append(header.revision())
                .append("</span></p>\n<p><span id=\"status\" class=\"status ")
                .append(state)
                .append("\">")
                .append(state.toUpperCase(Locale.ROOT))
                .append("</span> ")
                .append(text(stateText()))
                .append("</p>\n</header>\n");

        usageSection(out, period);
        correctionSection(out);

        dailySection(out, period);
        signatures(out, period);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The period's usage lines. */
    private void usageSection(StringBuilder out, Period period) {
        out.append("<section>\n<h2>Usage</h2>\n");
        if (lines.isEmpty()) {
            out.append("<p id=\"no-lines\">No usage in ")
                    .append(text(period.toString()))
                    .append(".</p>\n");
        } else {
            out.append(
                            "<table id=\"lines\">\n<thead><tr><th>Subscription</th><th>Plan</th><th>Metric</th><th>Unit</th>")
                    .append("<th class=\"n\">Quantity</th><th class=\"n\">Events</th></tr></thead>\n<tbody>\n");
            for (BillingLine line : lines) {
                row(
                        out,
                        List.of(line.subscriptionId(), line.plan(), line.metric(), line.unit()),
                        line.quantity(),
                        line.eventCount());
            }
            out.append("</tbody>\n</table>\n");
        }
        out.append("</section>\n");
    }

    /** One chart per usage line, each in its aggregation's terms, its billed value marked. */
    private void dailySection(StringBuilder out, Period period) {
        out.append("<section id=\"charts\">\n<h2>Usage over the period</h2>\n");
        if (charts.isEmpty()) {
            out.append("<p>No usage in ").append(text(period.toString())).append(".</p>\n");
        }
        for (Chart chart : charts) {
            StatementChart.render(out, chart, period);
        }
        out.append("</section>\n");
    }

    /** A table row: its text cells, then the quantity and the event count right-aligned. */
    private static void row(StringBuilder out, List<String> cells, java.math.BigDecimal quantity, long events) {
        out.append("<tr>");
        for (String cell : cells) {
            out.append("<td>").append(text(cell)).append("</td>");
        }
        out.append("<td class=\"n\">")
                .append(Quantities.render(quantity))
                .append("</td><td class=\"n\">")
                .append(events)
                .append("</td></tr>\n");
    }

    /** The correction lines billed in this period, each with its service period. */
    private void correctionSection(StringBuilder out) {
        out.append("<section>\n<h2>Corrections of locked periods</h2>\n");
        if (corrections.isEmpty()) {
            out.append("<p id=\"no-corrections\">None: no locked period changed for this account.</p>\n");
        } else {
            out.append(
                            "<p>Usage that reached a period after it was locked, billed here with its own service period.</p>\n")
                    .append("<table id=\"corrections\">\n<thead><tr><th>Service period</th><th>Subscription</th>")
                    .append(
                            "<th>Plan</th><th>Metric</th><th>Unit</th><th class=\"n\">Quantity</th><th class=\"n\">Events</th>")
                    .append("</tr></thead>\n<tbody>\n");
            for (CorrectionLine line : corrections) {
                row(
                        out,
                        List.of(line.servicePeriod(), line.subscriptionId(), line.plan(), line.metric(), line.unit()),
                        line.quantity(),
                        line.eventCount());
            }
            out.append("</tbody>\n</table>\n");
        }
        out.append("</section>\n");
    }

    /** Who published, approved and locked this revision, its fingerprints, and how to check it. */
    private void signatures(StringBuilder out, Period period) {
        out.append("<section>\n<h2>Signatures</h2>\n<dl id=\"fingerprints\">\n");
        definition(out, "Published", header.publishedAt() + " by key " + header.keyId());
        definition(out, "Content SHA-256", header.contentSha256());
        definition(
                out,
                "Header SHA-256",
                header.chain().map(BillingPeriod.Chain::headerSha256).orElse("(not chained)"));
        definition(
                out,
                "Approved by",
                status.approvals().isEmpty() || !isLatest()
                        ? "not approved"
                        : String.join(
                                ", ",
                                status.approvals().stream()
                                        .map(a -> "key " + a.approverKeyId() + " at " + a.approvedAt())
                                        .toList()));
        definition(
                out,
                "Locked",
                status.lock()
                        .filter(lock -> isLatest())
                        .map(lock -> lock.lockedAt().toString())
                        .orElse("not locked"));
        out.append("</dl>\n<p class=\"small\">Check this revision: <code>meterlake periods verify --period ")
                .append(text(period.toString()))
                .append(" --revision ")
                .append(header.revision())
                .append(" --public-key &lt;publisher's key&gt;</code> recomputes every line from the raw events.</p>\n")
                .append("</section>\n</body>\n</html>\n");
    }

    private boolean isLatest() {
        return status.latest().revision() == header.revision();
    }

    /** draft, approved, locked, or superseded (an earlier revision). */
    public String state() {
        return status.of(header.revision());
    }

    private String stateText() {
        if (!isLatest()) {
            return "revision " + status.latest().revision() + " supersedes this one";
        }
        return switch (status.state()) {
            case DRAFT -> "published, not yet approved: figures may still change";
            case APPROVED -> "approved, not yet locked";
            case LOCKED -> "final: later changes are billed in a later period as corrections";
        };
    }

    private static void definition(StringBuilder out, String term, String value) {
        out.append("<dt>")
                .append(text(term))
                .append("</dt><dd>")
                .append(text(value))
                .append("</dd>\n");
    }

    /** HTML text and attribute escaping. */
    public static String text(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    public static final String STYLE = """
            body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;margin:2rem auto;\
            max-width:60rem;padding:0 1rem;color:#1d2433;background:#fff}\
            h1{margin:0 0 .25rem;font-size:1.6rem}h2{font-size:1.15rem;margin:2rem 0 .5rem;border-bottom:1px solid #d8dee9;\
            padding-bottom:.25rem}.subtitle{margin:0;color:#4c566a}\
            table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{padding:.35rem .6rem;border-bottom:1px solid #e5e9f0;\
            text-align:left}th{background:#f3f5f9;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\
            .status{display:inline-block;padding:.1rem .55rem;border-radius:.8rem;font-weight:700;font-size:.8rem;\
            letter-spacing:.04em}.draft{background:#fff3cd;color:#7a5b00}.approved{background:#dbeafe;color:#1e40af}\
            .locked{background:#dcfce7;color:#166534}.superseded{background:#eceff4;color:#4c566a}\
            figure{margin:1rem 0}figcaption{font-weight:600;margin-bottom:.25rem}.unit{font-weight:400;color:#4c566a}\
            svg .bar{fill:#3b82f6}svg .axis{stroke:#9aa5b8;stroke-width:1}svg text{font-size:11px;fill:#4c566a}\
            svg .series{fill:none;stroke:#3b82f6;stroke-width:1}svg .billed{stroke:#b91c1c;stroke-width:1.5;\
            stroke-dasharray:6 3}svg text.billed-label{fill:#b91c1c;stroke:none}\
            dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;font-size:.85rem}dt{font-weight:600}\
            dd{margin:0;font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}.small{font-size:.8rem;color:#4c566a}\
            """;
}
