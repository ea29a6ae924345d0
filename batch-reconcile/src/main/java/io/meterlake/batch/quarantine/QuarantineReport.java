package io.meterlake.batch.quarantine;

import io.meterlake.output.Output;
import io.meterlake.schema.Columns;
import io.meterlake.table.DeltaReads;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;

/**
 * What {@code quarantine list} and {@code quarantine replay} print: the records of a selection with the
 * counts per reason and the conservation of every record received, as a table, JSON or csv. The commands,
 * the demo and the tests print through this one class.
 */
public final class QuarantineReport {
    /** The columns of the records (csv and table); JSON names them {@link #JSON_KEYS}. */
    public static final List<String> COLUMNS = List.of(
            "position",
            "received",
            "source",
            "event id",
            "tenant",
            "reason",
            "detail",
            "status",
            "last replay",
            "payload");

    private static final List<String> JSON_KEYS = List.of(
            "position",
            "received",
            "source",
            "event_id",
            "tenant_id",
            "reason",
            "detail",
            "status",
            "last_replay",
            "payload_excerpt");

    private QuarantineReport() {}

    /**
     * A selection's records in received order: at most {@code limit} with payload excerpts, or all with whole
     * payloads ({@code whole}); counts per reason (open and resolved, whatever {@code status} shows); the
     * conservation.
     */
    public record Listing(
            QuarantineStatus.Status status,
            List<QuarantineStatus.ReasonCount> reasons,
            List<List<String>> rows,
            QuarantineStatus.Conservation conservation,
            boolean truncated) {}

    /** Reads the listing of {@code selection} from the warehouse, without Spark. */
    public static Listing list(
            DeltaReads tables,
            QuarantineSelection selection,
            QuarantineStatus.Status status,
            int limit,
            boolean whole) {
        List<QuarantineStatus.Entry> selected = QuarantineStatus.select(tables, selection);
        List<QuarantineStatus.Entry> shown = selected.stream()
                .filter(entry -> entry.shown(status))
                .sorted(Comparator.comparing(QuarantineStatus.Entry::received)
                        .thenComparing(QuarantineStatus.Entry::id))
                .toList();
        List<List<String>> rows = new ArrayList<>();
        for (QuarantineStatus.Entry entry : whole ? shown : shown.subList(0, Math.min(limit, shown.size()))) {
            Row row = entry.row();
            String payload = row.getAs(Columns.PAYLOAD);
            rows.add(Arrays.asList(
                    entry.id(),
                    entry.received().toInstant().toString(),
                    row.getAs(Columns.SOURCE),
                    row.getAs(Columns.EVENT_ID),
                    row.getAs(Columns.TENANT_ID),
                    row.getAs(Columns.REASON),
                    row.getAs(Columns.DETAIL),
                    entry.status(),
                    entry.last().map(last -> last.run() + " " + last.outcome()).orElse(null),
                    whole || payload == null ? payload : excerpt(payload)));
        }
        return new Listing(
                status,
                QuarantineStatus.reasons(selected),
                rows,
                QuarantineStatus.conservation(tables),
                shown.size() > rows.size());
    }

    /** The records with empty cells for absent values (csv and table). */
    public static List<List<String>> text(Listing listing) {
        return listing.rows().stream()
                .map(row -> row.stream().map(cell -> cell == null ? "" : cell).toList())
                .toList();
    }

    /** {@code quarantine list --format json}. */
    public static Map<String, Object> json(Listing listing) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("status", listing.status().name());
        List<Map<String, Object>> counts = new ArrayList<>();
        for (QuarantineStatus.ReasonCount reason : listing.reasons()) {
            Map<String, Object> count = new LinkedHashMap<>();
            count.put("reason", reason.reason());
            count.put("open", reason.open());
            count.put("resolved", reason.resolved());
            counts.add(count);
        }
        json.put("reasons", counts);
        List<Map<String, Object>> records = new ArrayList<>();
        for (List<String> row : listing.rows()) {
            Map<String, Object> record = new LinkedHashMap<>();
            for (int i = 0; i < JSON_KEYS.size(); i++) {
                record.put(JSON_KEYS.get(i), row.get(i));
            }
            records.add(record);
        }
        json.put("records", records);
        json.put("truncated", listing.truncated());
        json.put("conservation", conservationJson(listing.conservation()));
        return json;
    }

    /** {@code quarantine list}'s readable form. */
    public static void table(PrintWriter out, Listing listing) {
        out.println("quarantined records per reason:");
        List<List<String>> counts = new ArrayList<>();
        for (QuarantineStatus.ReasonCount reason : listing.reasons()) {
            counts.add(List.of(reason.reason(), Long.toString(reason.open()), Long.toString(reason.resolved())));
        }
        Output.table(out, List.of("reason", "open", "resolved"), counts);
        out.println();
        out.println(listing.status().name() + " records:");
        Output.table(out, COLUMNS, text(listing));
        if (listing.truncated()) {
            out.println("(the first " + listing.rows().size() + "; --limit N shows more, --format csv all)");
        }
        out.println();
        out.println(conservationLine(listing.conservation()));
    }

    public static Map<String, Object> conservationJson(QuarantineStatus.Conservation conservation) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("received", conservation.received());
        json.put("accepted_on_receipt", conservation.acceptedOnReceipt());
        json.put("replayed_into_raw", conservation.replayedIntoRaw());
        json.put("open", conservation.open());
        json.put("resolved", conservation.resolved());
        json.put("holds", conservation.holds());
        return json;
    }

    /** Where every received record is now, in one line; says so when the two counts of replayed records disagree. */
    public static String conservationLine(QuarantineStatus.Conservation conservation) {
        return "received " + conservation.received() + " = accepted on receipt " + conservation.acceptedOnReceipt()
                + " + replayed into raw " + conservation.replayedIntoRaw() + " + open in quarantine "
                + conservation.open()
                + (conservation.holds()
                        ? ""
                        : "  (DOES NOT HOLD: raw has " + conservation.replayedIntoRaw()
                                + " replayed rows for " + conservation.resolved()
                                + " resolved records; a table was changed"
                                + " outside Meterlake)");
    }

    private static String excerpt(String payload) {
        String line = payload.replaceAll("\\s+", " ");
        return line.length() <= 60 ? line : line.substring(0, 57) + "...";
    }

    /** {@code quarantine replay --format json}: the run, its counts, the decisions per original reason, the conservation. */
    public static Map<String, Object> replayJson(
            QuarantineReplay.Result result, QuarantineStatus.Conservation conservation) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("run_id", result.runId());
        json.put("dry_run", result.dryRun());
        json.put("selected", result.selected());
        json.put("accepted", result.accepted());
        json.put("still_quarantined", result.selected() - result.accepted());
        json.put("recovered", result.recovered());
        List<Map<String, Object>> decisions = new ArrayList<>();
        for (QuarantineReplay.Decision decision : result.decisions()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("original_reason", decision.originalReason());
            row.put("outcome", decision.outcome());
            row.put("reason", decision.reason());
            row.put("records", decision.records());
            decisions.add(row);
        }
        json.put("decisions", decisions);
        json.put("conservation", conservationJson(conservation));
        return json;
    }

    /** {@code quarantine replay}'s readable form. */
    public static void replayTable(
            PrintWriter out, QuarantineReplay.Result result, QuarantineStatus.Conservation conservation) {
        if (result.recovered() > 0) {
            out.println("completed the stopped replay first: " + result.recovered() + " accepted records recorded");
        }
        out.println((result.dryRun() ? "dry run (nothing written), " : "") + result.runId() + ": "
                + result.selected() + " open records selected, " + result.accepted()
                + (result.dryRun() ? " would be" : "") + " accepted, " + (result.selected() - result.accepted())
                + (result.dryRun() ? " would stay" : " still") + " quarantined");
        List<List<String>> rows = new ArrayList<>();
        for (QuarantineReplay.Decision decision : result.decisions()) {
            rows.add(List.of(
                    decision.originalReason(),
                    decision.outcome(),
                    decision.reason() == null ? "" : decision.reason(),
                    Long.toString(decision.records())));
        }
        if (!rows.isEmpty()) {
            Output.table(out, List.of("quarantined as", "outcome", "reason now", "records"), rows);
        }
        out.println(conservationLine(conservation));
        out.flush();
    }
}
