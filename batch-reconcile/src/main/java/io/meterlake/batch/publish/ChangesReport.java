package io.meterlake.batch.publish;

import io.meterlake.output.Output;
import io.meterlake.validation.Quantities;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code periods show --changes}: the events that changed between two revisions, as a table, csv or JSON. */
public final class ChangesReport {
    private ChangesReport() {}

    public static final List<String> CHANGE_COLUMNS = List.of(
            "kind",
            "source",
            "event_id",
            "subscription_id",
            "metric",
            "unit",
            "quantity_before",
            "quantity_after",
            "correction_id");

    public static List<List<String>> changeRows(List<RevisionChanges.Change> changes) {
        List<List<String>> rows = new ArrayList<>();
        for (RevisionChanges.Change change : changes) {
            rows.add(List.of(
                    change.kind().name(),
                    change.source(),
                    change.eventId(),
                    change.subscriptionId(),
                    change.metric(),
                    change.unit(),
                    change.before() == null ? "" : Quantities.render(change.before()),
                    change.after() == null ? "" : Quantities.render(change.after()),
                    change.correctionId() == null ? "" : change.correctionId()));
        }
        return rows;
    }

    /** {@code --changes --format json}: quantities as decimal strings with 9 fraction digits, null when absent. */
    public static Map<String, Object> changesJson(BillingPeriod header, List<RevisionChanges.Change> changes) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("period", header.period().toString());
        json.put("revision", header.revision());
        json.put(
                "supersedes",
                header.supersedes().isPresent() ? header.supersedes().getAsInt() : null);
        Map<String, Object> counts = new LinkedHashMap<>();
        RevisionChanges.counts(changes).forEach((kind, n) -> counts.put(kind.name(), n));
        json.put("counts", counts);
        List<Map<String, Object>> array = new ArrayList<>();
        for (RevisionChanges.Change change : changes) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("kind", change.kind().name());
            item.put("source", change.source());
            item.put("event_id", change.eventId());
            item.put("subscription_id", change.subscriptionId());
            item.put("metric", change.metric());
            item.put("unit", change.unit());
            item.put("quantity_before", change.before() == null ? null : Quantities.render(change.before()));
            item.put("quantity_after", change.after() == null ? null : Quantities.render(change.after()));
            item.put("correction_id", change.correctionId());
            array.add(item);
        }
        json.put("changes", array);
        return json;
    }

    public static void changesTable(PrintWriter out, BillingPeriod header, List<RevisionChanges.Change> changes) {
        List<String> counts = new ArrayList<>();
        RevisionChanges.counts(changes)
                .forEach((kind, n) -> counts.add(n + " " + kind.name().toLowerCase(java.util.Locale.ROOT)));
        out.println("period " + header.period() + ", revision " + header.revision()
                + (header.supersedes().isPresent()
                        ? ", since revision " + header.supersedes().getAsInt()
                        : " (supersedes none: every event is new)")
                + ": " + (changes.isEmpty() ? "no event changed" : String.join(", ", counts)));
        if (!changes.isEmpty()) {
            out.println();
            Output.table(
                    out,
                    List.of(
                            "kind",
                            "source",
                            "event id",
                            "subscription",
                            "metric",
                            "unit",
                            "quantity before",
                            "quantity after",
                            "by correction"),
                    changeRows(changes));
        }
    }
}
