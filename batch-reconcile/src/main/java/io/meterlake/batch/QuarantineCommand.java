package io.meterlake.batch;

import io.meterlake.batch.quarantine.QuarantineReplay;
import io.meterlake.batch.quarantine.QuarantineSelection;
import io.meterlake.batch.quarantine.QuarantineStatus;
import io.meterlake.config.ConfigOptions;
import io.meterlake.config.FormatOption;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.config.CommandLineErrors;
import io.meterlake.output.Output;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.table.Warehouse;
import io.meterlake.validation.ReasonCode;
import org.apache.spark.sql.Row;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import static org.apache.spark.sql.functions.col;

/** {@code meterlake quarantine list|replay}: what was rejected, and re-running it once the cause is fixed. */
@Command(name = "quarantine", mixinStandardHelpOptions = true,
        description = {"The records rejected on receipt: list them, and replay them once their cause is fixed.", "",
            "A record quarantined for a reason the warehouse can fix (UNATTRIBUTED before its entitlement was",
            "loaded, UNKNOWN_METRIC before a catalog update) is billed once 'quarantine replay' accepts it."})
public final class QuarantineCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw CommandLineErrors.subcommandRequired(spec);
    }

    /** The filters both subcommands take. */
    static final class Filters {
        @Option(names = "--reason", paramLabel = "REASON", split = ",",
                description = "Only records quarantined with this reason code (repeatable, or comma-separated).")
        List<ReasonCode> reasons = new ArrayList<>();

        @Option(names = "--source", paramLabel = "SOURCE", description = "Only records of this source.")
        Optional<String> source = Optional.empty();

        @Option(names = "--tenant", paramLabel = "TENANT", description = "Only records of this tenant_id.")
        Optional<String> tenant = Optional.empty();

        QuarantineSelection selection(Optional<Instant> since) {
            return new QuarantineSelection(reasons.stream().map(Enum::name).toList(), source, tenant, since);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Counts per reason, then the records: position, identity, reason, detail, payload excerpt.", "",
                "Ends with the conservation of every record received: accepted on receipt + replayed into raw +",
                "still open in quarantine. --format csv prints the records only, every column whole."})
    public static final class ListRecords extends BatchCommand {
        @Mixin
        Filters filters;

        @Option(names = "--since", paramLabel = "TIME", description = "Only records received at or after this UTC instant (e.g. 2026-10-01T00:00:00Z).")
        Optional<Instant> since = Optional.empty();

        @Option(names = "--status", defaultValue = "open", paramLabel = "open|resolved|all",
                description = "Which records: open (not accepted by a replay), resolved, or all (default: ${DEFAULT-VALUE}).")
        QuarantineStatus.Status status;

        @Option(names = "--limit", defaultValue = "50", paramLabel = "N",
                description = "At most N records in the table and JSON outputs (default: ${DEFAULT-VALUE}); csv prints all.")
        int limit;

        @Mixin
        FormatOption.WithCsv output;

        public ListRecords(Supplier<ConfigOptions> outerOptions, Clock clock) {
            super(outerOptions, clock);
        }

        @Override
        public Integer call() {
            MeterlakeConfig config = config();
            Warehouse warehouse = new Warehouse(spark(config), config.warehouse());
            List<String> header = List.of("position", "received", "source", "event id", "tenant", "reason", "detail",
                    "status", "last replay", "payload");
            if (!warehouse.exists(Tables.QUARANTINED_EVENTS)) {
                return print(header, List.of(), List.of(), new QuarantineStatus.Conservation(0, 0, 0, 0), false);
            }
            var selected = QuarantineStatus.select(warehouse, filters.selection(since), status).cache();
            try {
                // Per reason, open and resolved alike, whatever --status shows of the records.
                var reasons = QuarantineStatus.reasons(QuarantineStatus.select(warehouse, filters.selection(since),
                        QuarantineStatus.Status.all));
                var ordered = selected.orderBy(col(Columns.INGESTED_AT), col(Columns.QUARANTINE_ID));
                List<Row> records = output.format() == FormatOption.Format.csv ? ordered.collectAsList() : ordered.limit(limit).collectAsList();
                List<List<String>> rows = new ArrayList<>();
                for (Row row : records) {
                    String payload = row.getAs(Columns.PAYLOAD);
                    rows.add(java.util.Arrays.asList(row.getAs(Columns.QUARANTINE_ID),
                            row.<java.sql.Timestamp>getAs(Columns.INGESTED_AT).toInstant().toString(),
                            row.getAs(Columns.SOURCE), row.getAs(Columns.EVENT_ID), row.getAs(Columns.TENANT_ID),
                            row.getAs(Columns.REASON), row.getAs(Columns.DETAIL), row.getAs("status"),
                            row.getAs(Columns.REPLAY_RUN_ID) == null ? null
                                    : row.getAs(Columns.REPLAY_RUN_ID) + " " + row.getAs(Columns.OUTCOME),
                            output.format() == FormatOption.Format.csv || payload == null ? payload : excerpt(payload)));
                }
                long total = reasons.stream().mapToLong(r -> switch (status) {
                    case open -> r.open();
                    case resolved -> r.resolved();
                    case all -> r.open() + r.resolved();
                }).sum();
                return print(header, reasons, rows, QuarantineStatus.conservation(warehouse), total > rows.size());
            } finally {
                selected.unpersist();
            }
        }

        private int print(List<String> header, List<QuarantineStatus.ReasonCount> reasons, List<List<String>> rows,
                QuarantineStatus.Conservation conservation, boolean limited) {
            PrintWriter out = out();
            List<List<String>> text = rows.stream().map(row -> row.stream().map(cell -> cell == null ? "" : cell).toList())
                    .toList();
            switch (output.format()) {
                case csv -> Output.csv(out, header, text);
                case json -> {
                    Map<String, Object> json = new LinkedHashMap<>();
                    json.put("status", status.name());
                    List<Map<String, Object>> counts = new ArrayList<>();
                    for (QuarantineStatus.ReasonCount reason : reasons) {
                        Map<String, Object> count = new LinkedHashMap<>();
                        count.put("reason", reason.reason());
                        count.put("open", reason.open());
                        count.put("resolved", reason.resolved());
                        counts.add(count);
                    }
                    json.put("reasons", counts);
                    List<Map<String, Object>> records = new ArrayList<>();
                    List<String> keys = List.of("position", "received", "source", "event_id", "tenant_id", "reason",
                            "detail", "status", "last_replay", "payload_excerpt");
                    for (List<String> row : rows) {
                        Map<String, Object> record = new LinkedHashMap<>();
                        for (int i = 0; i < keys.size(); i++) {
                            record.put(keys.get(i), row.get(i));
                        }
                        records.add(record);
                    }
                    json.put("records", records);
                    json.put("truncated", limited);
                    json.put("conservation", conservationJson(conservation));
                    Output.json(out, json);
                }
                default -> {
                    out.println("quarantined records per reason:");
                    List<List<String>> counts = new ArrayList<>();
                    for (QuarantineStatus.ReasonCount reason : reasons) {
                        counts.add(List.of(reason.reason(), Long.toString(reason.open()), Long.toString(reason.resolved())));
                    }
                    Output.table(out, List.of("reason", "open", "resolved"), counts);
                    out.println();
                    out.println(status.name() + " records:");
                    Output.table(out, header, text);
                    if (limited) {
                        out.println("(the first " + rows.size() + "; --limit N shows more, --format csv all)");
                    }
                    out.println();
                    out.println(conservationLine(conservation));
                }
            }
            out.flush();
            return 0;
        }
    }

    static Map<String, Object> conservationJson(QuarantineStatus.Conservation conservation) {
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
    static String conservationLine(QuarantineStatus.Conservation conservation) {
        return "received " + conservation.received() + " = accepted on receipt " + conservation.acceptedOnReceipt()
                + " + replayed into raw " + conservation.replayedIntoRaw() + " + open in quarantine " + conservation.open()
                + (conservation.holds() ? "" : "  (DOES NOT HOLD: raw has " + conservation.replayedIntoRaw()
                        + " replayed rows for " + conservation.resolved() + " resolved records; a table was changed"
                        + " outside Meterlake)");
    }

    private static String excerpt(String payload) {
        String line = payload.replaceAll("\\s+", " ");
        return line.length() <= 60 ? line : line.substring(0, 57) + "...";
    }

    @Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Re-run the selected open records through the current catalog and entitlements.", "",
                "Each record is processed as received: its original bytes, position and ingest time (the time",
                "rules measure against that). Accepted records are appended to raw_usage_events with their",
                "lineage (replayed_from: the quarantine position; replay_run_id); every outcome is appended to",
                "quarantine_resolutions; quarantined_events is never rewritten. Exactly once: a record a replay",
                "accepted is never replayed again, and a replay stopped at any point completes on the next run.",
                "A replayed event in a published period makes that period not current: publish a revision."})
    public static final class Replay extends BatchCommand {
        @Mixin
        Filters filters;

        @Option(names = "--dry-run", description = "Say what would be accepted and what would stay, writing nothing.")
        boolean dryRun;

        @Mixin
        FormatOption format;

        public Replay(Supplier<ConfigOptions> outerOptions, Clock clock) {
            super(outerOptions, clock);
        }

        @Override
        public Integer call() {
            MeterlakeConfig config = config();
            var spark = spark(config);
            QuarantineReplay.Result result = new QuarantineReplay(spark, config, clock())
                    .replay(filters.selection(Optional.empty()), dryRun, this::progress);
            QuarantineStatus.Conservation conservation = QuarantineStatus.conservation(new Warehouse(spark, config.warehouse()));
            if (format.json()) {
                Output.json(out(), json(result, conservation));
            } else {
                table(out(), result, conservation);
            }
            out().flush();
            return 0;
        }

        /** {@code --format json}: the run, its counts, the decisions per original reason, the conservation. */
        public static Map<String, Object> json(QuarantineReplay.Result result, QuarantineStatus.Conservation conservation) {
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

        public static void table(PrintWriter out, QuarantineReplay.Result result, QuarantineStatus.Conservation conservation) {
            if (result.recovered() > 0) {
                out.println("completed the stopped replay first: " + result.recovered() + " accepted records recorded");
            }
            out.println((result.dryRun() ? "dry run (nothing written), " : "") + result.runId() + ": "
                    + result.selected() + " open records selected, " + result.accepted()
                    + (result.dryRun() ? " would be" : "") + " accepted, " + (result.selected() - result.accepted())
                    + (result.dryRun() ? " would stay" : " still") + " quarantined");
            List<List<String>> rows = new ArrayList<>();
            for (QuarantineReplay.Decision decision : result.decisions()) {
                rows.add(List.of(decision.originalReason(), decision.outcome(),
                        decision.reason() == null ? "" : decision.reason(), Long.toString(decision.records())));
            }
            if (!rows.isEmpty()) {
                Output.table(out, List.of("quarantined as", "outcome", "reason now", "records"), rows);
            }
            out.println(conservationLine(conservation));
            out.flush();
        }
    }
}
