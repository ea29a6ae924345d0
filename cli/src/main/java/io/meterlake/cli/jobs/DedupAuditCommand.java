package io.meterlake.cli.jobs;

import io.meterlake.batch.recompute.DedupAudit;
import io.meterlake.batch.reconcile.ReconcileJob;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.output.Output;
import io.meterlake.period.Durations;
import io.meterlake.schema.Tables;
import io.meterlake.table.Warehouse;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code meterlake events dedup-audit}: see {@link DedupAudit}. */
@Command(
        name = "dedup-audit",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Find the identities whose copies lie further apart than the dedup horizon.",
            "",
            "A period's recompute compares the copies of an identity (source, event_id) whose event times lie",
            "within reconcile.dedup-horizon of each other. This audit reads source, event_id and event_time of",
            "every record in raw_usage_events (its cost grows with the history: run it monthly, beside the",
            "nightly job) and lists every identity whose copies lie further apart: each such copy may be billed",
            "as an event in its own period. Exit 0 when there is none; exit 1 listing them otherwise (correct",
            "them at the source, then reconcile and publish the periods named)."
        })
public final class DedupAuditCommand extends BatchCommand {
    @Mixin
    AsOfVersionOption asOfVersion;

    @Mixin
    FormatOption format;

    public DedupAuditCommand(Supplier<ConfigOptions> outerOptions, Clock clock) {
        super(outerOptions, clock);
    }

    @Override
    public Integer call() {
        MeterlakeConfig config = existingWarehouse();
        Warehouse warehouse = new Warehouse(spark(config), config.warehouse());
        long version = ReconcileJob.pinRaw(warehouse, asOfVersion.value());
        progress("comparing every identity of raw_usage_events v" + version + " across the whole table (horizon "
                + Durations.render(config.dedupHorizon()) + ")");
        List<DedupAudit.Finding> findings =
                DedupAudit.beyondHorizon(warehouse.readAsOf(Tables.RAW_USAGE_EVENTS, version), config.dedupHorizon());
        if (format.json()) {
            Output.json(out(), json(version, config, findings));
        } else {
            table(out(), version, config, findings);
        }
        out().flush();
        return findings.isEmpty() ? ExitCodes.OK : ExitCodes.FAILED;
    }

    private static Map<String, Object> json(long version, MeterlakeConfig config, List<DedupAudit.Finding> findings) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("raw_table_version", version);
        json.put("dedup_horizon_seconds", config.dedupHorizon().toSeconds());
        json.put("identities_beyond_horizon", findings.size());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (DedupAudit.Finding finding : findings) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("source", finding.source());
            row.put("event_id", finding.eventId());
            row.put("records", finding.records());
            row.put("first_event_time", finding.firstEventTime().toString());
            row.put("last_event_time", finding.lastEventTime().toString());
            row.put("apart_seconds", finding.apart().toSeconds());
            row.put("periods", finding.periods());
            rows.add(row);
        }
        json.put("findings", rows);
        return json;
    }

    private static void table(
            PrintWriter out, long version, MeterlakeConfig config, List<DedupAudit.Finding> findings) {
        String horizon = Durations.render(config.dedupHorizon());
        if (findings.isEmpty()) {
            out.println("dedup audit of raw_usage_events v" + version
                    + ": every identity's copies lie within the horizon (" + horizon + ")");
            return;
        }
        out.println("dedup audit of raw_usage_events v" + version + ": " + findings.size()
                + (findings.size() == 1 ? " identity has" : " identities have")
                + " copies further apart than the horizon ("
                + horizon + "); each copy may be billed in its own period:");
        List<List<String>> rows = new ArrayList<>();
        for (DedupAudit.Finding finding : findings) {
            rows.add(List.of(
                    finding.source(),
                    finding.eventId(),
                    Long.toString(finding.records()),
                    finding.firstEventTime().toString(),
                    finding.lastEventTime().toString(),
                    Durations.render(finding.apart()),
                    String.join(", ", finding.periods())));
        }
        Output.table(
                out,
                List.of("source", "event id", "records", "first event time", "last event time", "apart", "periods"),
                rows);
    }
}
