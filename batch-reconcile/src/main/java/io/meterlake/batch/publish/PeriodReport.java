package io.meterlake.batch.publish;

import io.meterlake.model.BillingLine;
import io.meterlake.model.CorrectionLine;
import io.meterlake.output.Output;
import io.meterlake.period.Period;
import io.meterlake.period.PeriodState;
import io.meterlake.validation.Quantities;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How a published period reads, in every form a command prints it: the JSON contract of {@code periods show}
 * (ARCHITECTURE.md), its table and csv, the state line of {@code periods status}, and the events that changed
 * between revisions. The commands, the demo and the tests print through this one class.
 */
public final class PeriodReport {
    /** The columns of {@code periods show --format csv}. */
    public static final List<String> CSV_COLUMNS = List.of(
            "period",
            "revision",
            "subscription_id",
            "billing_account_id",
            "plan",
            "metric",
            "unit",
            "quantity",
            "event_count",
            "service_period",
            "charge_class",
            "status");

    private PeriodReport() {}

    /** {@code publish --format json}: the header fields of {@code periods show}, then what publish did. */
    public static Map<String, Object> headerJson(BillingPeriod header, boolean published) {
        Map<String, Object> json = contractHeader(header);
        json.put("published", published);
        json.put(
                "supersedes",
                header.supersedes().isPresent() ? header.supersedes().getAsInt() : null);
        json.put("forced", header.forced());
        json.put("line_count", header.lineCount());
        json.put("sequence", header.chain().map(c -> (Object) c.sequence()).orElse(null));
        json.put(
                "header_sha256",
                header.chain().map(BillingPeriod.Chain::headerSha256).orElse(null));
        return json;
    }

    /** The header fields of {@code periods show --format json} (the contract in ARCHITECTURE.md), in order. */
    private static Map<String, Object> contractHeader(BillingPeriod header) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("period", header.period().toString());
        json.put("revision", header.revision());
        json.put("raw_table_version", header.rawTableVersion());
        json.put("content_sha256", header.contentSha256());
        json.put("signature", header.signature());
        json.put("key_id", header.keyId());
        json.put("published_at", header.publishedAt().toString());
        return json;
    }

    public static String stateName(Closing.Status status) {
        return status.of(status.latest().revision());
    }

    /** One line: the period, its latest revision and its state, with who approved it and when it was locked. */
    public static String statusLine(Closing.Status status) {
        return "period " + status.latest().period() + ", revision "
                + status.latest().revision() + ": "
                + switch (status.state()) {
                    case DRAFT -> "draft (published by key " + status.latest().keyId() + ", not approved)";
                    case APPROVED ->
                        "approved by key " + status.approvedBy() + " (published by key "
                                + status.latest().keyId() + "), not locked";
                    case LOCKED ->
                        "locked at revision " + status.lock().orElseThrow().revision() + " on "
                                + status.lock().orElseThrow().lockedAt() + " (approved by key " + status.approvedBy()
                                + ")";
                };
    }

    /** The state fields of {@code periods status --format json} (and of {@code periods show}'s header). */
    public static Map<String, Object> statusFields(Closing.Status status) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("status", stateName(status));
        json.put(
                "approved_by",
                status.approvals().stream().map(Approval::approverKeyId).toList());
        json.put(
                "locked_revision", status.lock().map(l -> (Object) l.revision()).orElse(null));
        json.put(
                "locked_at",
                status.lock().map(l -> (Object) l.lockedAt().toString()).orElse(null));
        return json;
    }

    public static Map<String, Object> statusJson(Closing.Status status, Period next) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("period", status.latest().period().toString());
        json.put("revision", status.latest().revision());
        json.putAll(statusFields(status));
        json.put("corrections_go_to", status.state() == PeriodState.LOCKED ? next.toString() : null);
        return json;
    }

    public static Map<String, Object> json(BillingPeriod header, List<BillingLine> lines) {
        return json(header, lines, List.of(), Optional.empty());
    }

    /**
     * The {@code --format json} object: ARCHITECTURE.md's contract (header fields, then lines), then the
     * state when known, then the correction lines.
     */
    public static Map<String, Object> json(
            BillingPeriod header,
            List<BillingLine> lines,
            List<CorrectionLine> corrections,
            Optional<Closing.Status> status) {
        Map<String, Object> json = contractHeader(header);
        List<Map<String, Object>> array = new ArrayList<>();
        for (BillingLine line : lines) {
            array.add(lineJson(
                    new LinkedHashMap<>(),
                    line.subscriptionId(),
                    line.billingAccountId(),
                    line.plan(),
                    line.metric(),
                    line.unit(),
                    line.quantity(),
                    line.eventCount()));
        }
        json.put("lines", array);
        // After the contract's fields: the state and the correction lines.
        status.ifPresent(known -> {
            Map<String, Object> fields = statusFields(known);
            fields.put("status", known.of(header.revision()));
            if (known.latest().revision() != header.revision()) {
                fields.put("approved_by", List.of()); // the period's approvals are of its latest revision
            }
            json.putAll(fields);
        });
        List<Map<String, Object>> correctionArray = new ArrayList<>();
        for (CorrectionLine line : corrections) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("service_period", line.servicePeriod());
            correctionArray.add(lineJson(
                    item,
                    line.subscriptionId(),
                    line.billingAccountId(),
                    line.plan(),
                    line.metric(),
                    line.unit(),
                    line.quantity(),
                    line.eventCount()));
        }
        json.put("corrections", correctionArray);
        return json;
    }

    /** A line's fields after what {@code item} holds already; the quantity as a decimal string with 9 fraction digits. */
    private static Map<String, Object> lineJson(
            Map<String, Object> item,
            String subscription,
            String account,
            String plan,
            String metric,
            String unit,
            java.math.BigDecimal quantity,
            long events) {
        item.put("subscription_id", subscription);
        item.put("billing_account_id", account);
        item.put("plan", plan);
        item.put("metric", metric);
        item.put("unit", unit);
        item.put("quantity", Quantities.render(quantity));
        item.put("event_count", events);
        return item;
    }

    /** {@code status}: the revision's state, on every row. */
    public static List<List<String>> csvRows(
            BillingPeriod header, List<BillingLine> lines, List<CorrectionLine> corrections, String status) {
        List<List<String>> rows = new ArrayList<>();
        for (List<String> row : rows(header, lines, true)) {
            List<String> usage = new ArrayList<>(row);
            usage.addAll(List.of(header.period().toString(), CorrectionLine.USAGE, status));
            rows.add(usage);
        }
        for (CorrectionLine line : corrections) {
            rows.add(List.of(
                    header.period().toString(),
                    Integer.toString(header.revision()),
                    line.subscriptionId(),
                    line.billingAccountId(),
                    line.plan(),
                    line.metric(),
                    line.unit(),
                    Quantities.render(line.quantity()),
                    Long.toString(line.eventCount()),
                    line.servicePeriod(),
                    CorrectionLine.CORRECTION,
                    status));
        }
        return rows;
    }

    public static void table(PrintWriter out, BillingPeriod header, List<BillingLine> lines) {
        table(out, header, lines, List.of(), Optional.empty());
    }

    /** The readable form: the header and state, the lines as a table, then the correction lines. */
    public static void table(
            PrintWriter out,
            BillingPeriod header,
            List<BillingLine> lines,
            List<CorrectionLine> corrections,
            Optional<Closing.Status> status) {
        out.println("period " + header.period() + ", revision " + header.revision()
                + (header.supersedes().isPresent()
                        ? " (supersedes " + header.supersedes().getAsInt() + ")"
                        : "")
                + ", from raw_usage_events v" + header.rawTableVersion() + ", published " + header.publishedAt()
                + (header.forced() ? " (FORCED before the period was ready)" : ""));
        out.println("content sha256 " + header.contentSha256() + ", signed by key " + header.keyId());
        status.ifPresent(known -> out.println(
                known.latest().revision() == header.revision()
                        ? "status: "
                                + statusLine(known).substring(statusLine(known).indexOf(": ") + 2)
                        : "status: superseded by revision " + known.latest().revision()));
        out.println();
        Output.table(
                out,
                List.of("subscription", "billing account", "plan", "metric", "unit", "quantity", "events"),
                rows(header, lines, false));
        if (!corrections.isEmpty()) {
            out.println();
            out.println("correction lines (late changes of locked periods, billed in " + header.period() + "):");
            List<List<String>> rows = new ArrayList<>();
            for (CorrectionLine line : corrections) {
                rows.add(List.of(
                        line.servicePeriod(),
                        line.subscriptionId(),
                        line.billingAccountId(),
                        line.plan(),
                        line.metric(),
                        line.unit(),
                        Quantities.render(line.quantity()),
                        Long.toString(line.eventCount())));
            }
            Output.table(
                    out,
                    List.of(
                            "service period",
                            "subscription",
                            "billing account",
                            "plan",
                            "metric",
                            "unit",
                            "quantity",
                            "events"),
                    rows);
        }
    }

    private static List<List<String>> rows(BillingPeriod header, List<BillingLine> lines, boolean withPeriod) {
        List<List<String>> rows = new ArrayList<>();
        for (BillingLine line : lines) {
            List<String> row = new ArrayList<>();
            if (withPeriod) {
                row.add(header.period().toString());
                row.add(Integer.toString(header.revision()));
            }
            row.addAll(List.of(
                    line.subscriptionId(),
                    line.billingAccountId(),
                    line.plan(),
                    line.metric(),
                    line.unit(),
                    Quantities.render(line.quantity()),
                    Long.toString(line.eventCount())));
            rows.add(row);
        }
        return rows;
    }
}
