package io.meterlake.cli.jobs;

import io.meterlake.batch.quarantine.QuarantineReplay;
import io.meterlake.batch.quarantine.QuarantineReport;
import io.meterlake.batch.quarantine.QuarantineSelection;
import io.meterlake.batch.quarantine.QuarantineStatus;
import io.meterlake.cli.options.CommandLineErrors;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.cli.options.ReadsOnly;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.output.Output;
import io.meterlake.table.Warehouse;
import io.meterlake.validation.ReasonCode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code meterlake quarantine list|replay}: what was rejected, and re-running it once the cause is fixed. */
@Command(
        name = "quarantine",
        mixinStandardHelpOptions = true,
        description = {
            "The records rejected on receipt: list them, and replay them once their cause is fixed.",
            "",
            "A record quarantined for a reason the warehouse can fix (UNATTRIBUTED before its entitlement was",
            "loaded, UNKNOWN_METRIC before a catalog update) is billed once 'quarantine replay' accepts it."
        })
public final class QuarantineCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw CommandLineErrors.subcommandRequired(spec);
    }

    /** The filters both subcommands take. */
    static final class Filters {
        @Option(
                names = "--reason",
                paramLabel = "REASON",
                split = ",",
                description = {
                    "Only records quarantined with this reason code (repeatable, or comma-separated). replay's",
                    "default: the reasons a change of the catalog or the entitlements can fix"
                })
        List<ReasonCode> reasons = new ArrayList<>();

        @Option(names = "--source", paramLabel = "SOURCE", description = "Only records of this source.")
        Optional<String> source = Optional.empty();

        @Option(names = "--tenant", paramLabel = "TENANT", description = "Only records of this tenant_id.")
        Optional<String> tenant = Optional.empty();

        QuarantineSelection selection(Optional<Instant> since) {
            return new QuarantineSelection(reasons.stream().map(Enum::name).toList(), source, tenant, since);
        }

        /** What replay selects: without --reason, the reasons a later change can fix (the others never pass). */
        QuarantineSelection replayable() {
            List<ReasonCode> chosen = reasons.isEmpty() ? List.copyOf(ReasonCode.FIXABLE_LATER) : reasons;
            return new QuarantineSelection(chosen.stream().map(Enum::name).toList(), source, tenant, Optional.empty());
        }
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "Counts per reason, then the records: position, identity, reason, detail, payload excerpt.",
                "",
                "Ends with the conservation of every record received: accepted on receipt + replayed into raw +",
                "still open in quarantine. --format csv prints the records only, every column whole."
            })
    public static final class ListRecords extends BatchCommand implements ReadsOnly {
        @Mixin
        Filters filters;

        @Option(
                names = "--since",
                paramLabel = "TIME",
                description = "Only records received at or after this UTC instant (e.g. 2026-10-01T00:00:00Z).")
        Optional<Instant> since = Optional.empty();

        @Option(
                names = "--status",
                defaultValue = "open",
                paramLabel = "open|resolved|all",
                description =
                        "Which records: open (not accepted by a replay), resolved, or all (default: ${DEFAULT-VALUE}).")
        QuarantineStatus.Status status;

        @Option(
                names = "--limit",
                defaultValue = "50",
                paramLabel = "N",
                description =
                        "At most N records in the table and JSON outputs (default: ${DEFAULT-VALUE}); csv prints all.")
        int limit;

        @Mixin
        FormatOption.WithCsv output;

        public ListRecords(Supplier<ConfigOptions> outerOptions, Clock clock) {
            super(outerOptions, clock);
        }

        @Override
        public Integer call() {
            MeterlakeConfig config = existingWarehouse();
            boolean csv = output.format() == FormatOption.Format.csv;
            QuarantineReport.Listing listing = QuarantineReport.list(
                    reads(config).prefetch(QuarantineStatus.READS), filters.selection(since), status, limit, csv);
            switch (output.format()) {
                case csv -> Output.csv(out(), QuarantineReport.COLUMNS, QuarantineReport.text(listing));
                case json -> Output.json(out(), QuarantineReport.json(listing));
                default -> QuarantineReport.table(out(), listing);
            }
            out().flush();
            return 0;
        }
    }

    @Command(
            name = "replay",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "Re-run the selected open records through the current catalog and entitlements.",
                "",
                "Each record is processed as received: its original bytes, position and ingest time (the time",
                "rules measure against that). Accepted records are appended to raw_usage_events with their",
                "lineage (replayed_from: the quarantine position; replay_run_id); every outcome is appended to",
                "quarantine_resolutions; quarantined_events is never rewritten. Exactly once: a record a replay",
                "accepted is never replayed again, and a replay stopped at any point completes on the next run.",
                "A replayed event in a published period makes that period not current: publish a revision."
            })
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
            if (filters.reasons.isEmpty()) {
                progress("replaying the reasons a change of the catalog or the entitlements can fix ("
                        + String.join(
                                ", ",
                                ReasonCode.FIXABLE_LATER.stream()
                                        .map(Enum::name)
                                        .toList())
                        + "); the others depend only on the record and its arrival: name them with --reason");
            }
            QuarantineReplay.Result result =
                    new QuarantineReplay(spark, config, clock()).replay(filters.replayable(), dryRun, this::progress);
            QuarantineStatus.Conservation conservation =
                    QuarantineStatus.conservation(new Warehouse(spark, config.warehouse()).reads());
            if (format.json()) {
                Output.json(out(), QuarantineReport.replayJson(result, conservation));
            } else {
                QuarantineReport.replayTable(out(), result, conservation);
            }
            out().flush();
            return 0;
        }
    }
}
