package io.meterlake.cli.jobs;

import io.meterlake.batch.recompute.Correction;
import io.meterlake.batch.reconcile.Cause;
import io.meterlake.batch.reconcile.ReconcileJob;
import io.meterlake.batch.reconcile.ReconcileResult;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.output.Output;
import io.meterlake.period.Period;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code meterlake periods reconcile}: see {@link ReconcileJob}. */
@Command(
        name = "reconcile",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Recompute a period from raw at one version and reconcile it with the stream.",
            "",
            "Recompute a period's authoritative totals from raw_usage_events pinned at one Delta version,",
            "replace the period's rows of usage_aggregates_authoritative, and append the comparison with",
            "usage_aggregates_provisional, per key and window with the cause of each difference, to",
            "reconciliation_report. The same table versions give the same output; a repeated run writes nothing.",
            "It reads only the period and the dedup horizon on either side (reconcile.dedup-horizon, default",
            "validation.max-event-age + validation.max-clock-skew): copies of one identity further apart are not compared.",
            "",
            "Causes: MATCH, CONFLICT (an identity received with different contents), REPLAYED (a quarantine",
            "replay billed it), CORRECTED (a void or amend changed it; the stream applies none),",
            "DUPLICATE_ONLY_IN_BATCH, LATE_BEYOND_WATERMARK (arrived after the stream closed the window),",
            "NOT_YET_STREAMED; and a row per correction not applied: CORRECTION_TARGET_MISSING,",
            "CORRECTION_FIELDS_DIFFER, CORRECTION_OF_A_CORRECTION."
        })
public final class ReconcileCommand extends BatchCommand {
    @Mixin
    PeriodOption period;

    @Mixin
    AsOfVersionOption asOfVersion;

    @Mixin
    FormatOption format;

    public ReconcileCommand(Supplier<ConfigOptions> outerOptions, Clock clock) {
        super(outerOptions, clock);
    }

    @Override
    public Integer call() {
        Period billingPeriod = period.value();
        MeterlakeConfig config = config();
        progress("recomputing " + billingPeriod + " from raw_usage_events in " + config.warehouse());
        ReconcileResult result = new ReconcileJob(spark(config), config).run(billingPeriod, asOfVersion.value());
        if (format.json()) {
            Output.json(out(), json(result));
        } else {
            table(out(), result);
        }
        return ExitCodes.OK;
    }

    /** The {@code --format json} object of a run. */
    public static Map<String, Object> json(ReconcileResult result) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("period", result.period());
        json.put("run_id", result.runId());
        json.put("raw_table_version", result.rawTableVersion());
        json.put(
                "provisional_table_version",
                result.provisionalTableVersion().isPresent()
                        ? result.provisionalTableVersion().getAsLong()
                        : null);
        json.put(
                "stream_watermark",
                result.watermark() == null ? null : result.watermark().toString());
        json.put("lines", result.lines().size());
        json.put("events", result.events());
        json.put("content_sha256", result.contentSha256());
        Map<String, Object> causes = new LinkedHashMap<>();
        result.causes()
                .forEach((cause, summary) -> causes.put(
                        cause.name(),
                        Map.of("windows", summary.windows(), "event_difference", summary.eventDifference())));
        json.put("causes", causes);
        json.put("conflicts", result.conflicts());
        Map<String, Object> outcomes = new LinkedHashMap<>();
        for (Correction.Outcome outcome : Correction.Outcome.values()) {
            outcomes.put(
                    outcome.name(),
                    result.corrections().stream()
                            .filter(c -> c.outcome() == outcome)
                            .count());
        }
        json.put("corrections", outcomes);
        json.put(
                "corrections_not_applied",
                result.corrections().stream()
                        .filter(c -> c.outcome().rejected())
                        .map(c -> {
                            Map<String, Object> row = new LinkedHashMap<>();
                            row.put("source", c.source());
                            row.put("event_id", c.eventId());
                            row.put("action", c.action());
                            row.put("target_event_id", c.targetEventId());
                            row.put("cause", Cause.of(c.outcome()).name());
                            return row;
                        })
                        .toList());
        json.put("already_recorded", result.alreadyRecorded());
        return json;
    }

    /** The readable summary of a run. */
    public static void table(PrintWriter out, ReconcileResult result) {
        out.println("reconcile " + result.period() + ": raw_usage_events v" + result.rawTableVersion()
                + ", usage_aggregates_provisional "
                + (result.provisionalTableVersion().isPresent()
                        ? "v" + result.provisionalTableVersion().getAsLong()
                        : "(none)")
                + ", stream watermark " + (result.watermark() == null ? "(no stream)" : result.watermark()));
        out.println("run " + result.runId() + (result.alreadyRecorded() ? " (recorded before; nothing written)" : ""));
        out.println("authoritative: " + result.lines().size() + " lines, " + result.events()
                + " events, content sha256 " + result.contentSha256());
        out.println("conflicting identities (first by ingest order billed): " + result.conflicts());
        if (!result.corrections().isEmpty()) {
            List<String> counts = new ArrayList<>();
            for (Correction.Outcome outcome : Correction.Outcome.values()) {
                long n = result.corrections().stream()
                        .filter(c -> c.outcome() == outcome)
                        .count();
                if (n > 0) {
                    counts.add(n + " "
                            + outcome.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '));
                }
            }
            out.println("corrections: " + String.join(", ", counts));
        }
        out.println();
        List<List<String>> rows = new ArrayList<>();
        for (Cause cause : Cause.values()) {
            ReconcileResult.CauseSummary summary = result.causes().get(cause);
            if (summary != null) {
                rows.add(List.of(
                        cause.name(), Long.toString(summary.windows()), Long.toString(summary.eventDifference())));
            }
        }
        Output.table(out, List.of("cause", "windows", "events (authoritative - provisional)"), rows);
        List<List<String>> rejected = result.corrections().stream()
                .filter(c -> c.outcome().rejected())
                .map(c -> List.of(
                        c.source(),
                        c.eventId(),
                        c.action(),
                        c.targetEventId(),
                        Cause.of(c.outcome()).name()))
                .toList();
        if (!rejected.isEmpty()) {
            out.println();
            out.println("corrections not applied:");
            Output.table(out, List.of("source", "event_id", "action", "target_event_id", "cause"), rejected);
        }
    }
}
