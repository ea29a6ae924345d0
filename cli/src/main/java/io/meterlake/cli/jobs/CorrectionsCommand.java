package io.meterlake.cli.jobs;

import io.meterlake.batch.corrections.BulkVoid;
import io.meterlake.cli.options.CommandLineErrors;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.output.Output;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code meterlake corrections void}: take billed events back in bulk, auditably. */
@Command(
        name = "corrections",
        mixinStandardHelpOptions = true,
        description = {
            "Correct billed events: void them in bulk (single voids and amends are events: see docs/contract.md).",
            "",
            "Raw is never rewritten: a correction is an event of its own that names its target; the recompute",
            "applies the latest one per target, and the revision it causes lists what changed."
        })
public final class CorrectionsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw CommandLineErrors.subcommandRequired(spec);
    }

    @Command(
            name = "void",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "Void every billed event of a source in an event-time range (optionally one tenant, one metric).",
                "",
                "Prints the events selected and each billing line's quantity before and after, then (unless",
                "--dry-run) writes one void per event to <warehouse>/_corrections/void-<sha256>.jsonl and ingests",
                "it like any file. A void's id is a function of its target: running this twice voids once, and a",
                "run stopped at any point completes when run again. Events older than validation.max-event-age",
                "cannot be corrected; they are counted and left."
            })
    public static final class Void extends BatchCommand {
        @Option(
                names = "--source",
                required = true,
                paramLabel = "SOURCE",
                description = "The source whose events are voided.")
        String source;

        @Option(names = "--tenant", paramLabel = "TENANT", description = "Only events of this tenant_id.")
        Optional<String> tenant = Optional.empty();

        @Option(names = "--metric", paramLabel = "METRIC", description = "Only events of this metric.")
        Optional<String> metric = Optional.empty();

        @Option(
                names = "--from",
                required = true,
                paramLabel = "TIME",
                description = "Event times at or after this instant (ISO-8601, e.g. 2026-10-05T08:00:00Z).")
        Instant from;

        @Option(names = "--to", required = true, paramLabel = "TIME", description = "Event times before this instant.")
        Instant to;

        @Option(
                names = "--reason",
                required = true,
                paramLabel = "TEXT",
                description = "Why: kept with every void (attributes.void_reason).")
        String reason;

        @Option(names = "--dry-run", description = "Say what would be voided and its impact, writing nothing.")
        boolean dryRun;

        @Mixin
        FormatOption format;

        public Void(Supplier<ConfigOptions> outerOptions, Clock clock) {
            super(outerOptions, clock);
        }

        @Override
        public Integer call() {
            MeterlakeConfig config = config();
            BulkVoid.Selection selection = new BulkVoid.Selection(source, tenant, metric, from, to, reason);
            BulkVoid.Result result =
                    new BulkVoid(spark(config), config, clock()).run(selection, dryRun, this::progress);
            if (format.json()) {
                Output.json(out(), json(result));
            } else {
                table(out(), result);
            }
            out().flush();
            return 0;
        }

        /**
         * {@code --format json}: counts, then per line its quantity before and after (exact decimal strings),
         * and the ingest of the voids.
         */
        public static Map<String, Object> json(BulkVoid.Result result) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("dry_run", result.dryRun());
            json.put("selected", result.selected());
            json.put("too_old", result.tooOld());
            List<Map<String, Object>> lines = new ArrayList<>();
            for (BulkVoid.LineImpact impact : result.lines()) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("period", impact.period());
                line.put("subscription_id", impact.before().subscriptionId());
                line.put("billing_account_id", impact.before().billingAccountId());
                line.put("plan", impact.before().plan());
                line.put("metric", impact.before().metric());
                line.put("unit", impact.before().unit());
                line.put("events_voided", impact.voided());
                line.put("quantity_before", impact.before().quantity().toPlainString());
                line.put("quantity_after", BulkVoid.quantityAfter(impact).toPlainString());
                lines.add(line);
            }
            json.put("lines", lines);
            json.put("file", result.file());
            json.put(
                    "accepted",
                    result.ingested() == null ? null : result.ingested().accepted());
            json.put(
                    "quarantined",
                    result.ingested() == null ? null : result.ingested().quarantined());
            return json;
        }

        public static void table(PrintWriter out, BulkVoid.Result result) {
            out.println((result.dryRun() ? "dry run (nothing written): " : "") + result.selected() + " events "
                    + (result.dryRun() ? "would be" : "to be") + " voided"
                    + (result.tooOld() > 0
                            ? "; " + result.tooOld() + " older than validation.max-event-age left as they are"
                            : ""));
            List<List<String>> rows = new ArrayList<>();
            for (BulkVoid.LineImpact impact : result.lines()) {
                rows.add(List.of(
                        impact.period(),
                        impact.before().subscriptionId(),
                        impact.before().plan(),
                        impact.before().metric(),
                        impact.before().unit(),
                        Long.toString(impact.voided()),
                        impact.before().quantity().stripTrailingZeros().toPlainString(),
                        BulkVoid.quantityAfter(impact).stripTrailingZeros().toPlainString()));
            }
            if (!rows.isEmpty()) {
                Output.table(
                        out,
                        List.of(
                                "period",
                                "subscription",
                                "plan",
                                "metric",
                                "unit",
                                "events voided",
                                "quantity before",
                                "quantity after"),
                        rows);
            }
            if (result.ingested() != null) {
                out.println("voids ingested from " + result.file() + ": "
                        + result.ingested().accepted() + " accepted, "
                        + result.ingested().quarantinedTotal() + " quarantined"
                        + (result.ingested().alreadyIngested() ? " (ingested before; nothing written)" : ""));
            }
        }
    }
}
