package io.meterlake.cli.jobs;

import io.meterlake.batch.publish.BillingPeriod;
import io.meterlake.batch.publish.BillingPeriods;
import io.meterlake.batch.publish.ChangesReport;
import io.meterlake.batch.publish.Closing;
import io.meterlake.batch.publish.PeriodReport;
import io.meterlake.batch.publish.Readiness;
import io.meterlake.batch.publish.RevisionChanges;
import io.meterlake.cli.options.CliErrors;
import io.meterlake.cli.options.CommandLineErrors;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.cli.options.ReadsOnly;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.model.BillingLine;
import io.meterlake.model.CorrectionLine;
import io.meterlake.output.Output;
import io.meterlake.period.Period;
import io.meterlake.period.PeriodState;
import io.meterlake.table.Warehouse;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code meterlake periods ...}: closing the books of a billing period (reconcile, publish, verify, approve, lock,
 * statement; added by {@link Jobs}) and reading where each period stands (show, ready, status, list, here).
 */
@Command(
        name = "periods",
        mixinStandardHelpOptions = true,
        description =
                "Billing periods: reconcile, publish, verify, approve and lock them; their lines, state and statements.")
public final class PeriodsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw CommandLineErrors.subcommandRequired(spec);
    }

    /** {@code periods show --period P [--revision n] [--format table|json|csv]}. */
    /** {@code meterlake periods ready}: whether a period may be published, as an exit code for schedulers. */
    @Command(
            name = "ready",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "Exit 0 if a period is ready to publish, 75 (and what it waits for) if not.",
                "",
                "Ready: the period has ended plus the grace, and the stream's watermark (if a stream runs) has",
                "passed its end. A scheduler's sensor polls this before reconcile and publish. Read without Spark."
            })
    public static final class Ready extends BatchCommand implements ReadsOnly {
        @Mixin
        PeriodOption period;

        @Mixin
        GraceOption grace;

        public Ready(Supplier<ConfigOptions> outerOptions, Clock clock) {
            super(outerOptions, clock);
        }

        @Override
        public Integer call() {
            Period billingPeriod = period.value();
            MeterlakeConfig config = config();
            Readiness readiness = Readiness.of(
                    billingPeriod,
                    grace.value(config),
                    clock().instant(),
                    io.meterlake.batch.reconcile.StreamWatermark.latest(reads(config)));
            if (!readiness.ready()) {
                throw CliErrors.waitsFor(billingPeriod.toString(), readiness.waitingFor());
            }
            out().println("period " + billingPeriod + " is ready to publish");
            out().flush();
            return ExitCodes.OK;
        }
    }

    /** {@code meterlake periods status}: draft, approved or locked; with {@code --until}, an exit code for sensors. */
    @Command(
            name = "status",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "Print a published period's state: draft, approved or locked.",
                "",
                "draft: published, not approved; approved: by which key ids; locked: at which revision, and",
                "which open period its late usage goes into.",
                "--until approved|locked: exit 75 (retry later) while the period has not reached that state, so a",
                "scheduler's sensor waits for an approval before it locks. json: {period, revision, status,",
                "approved_by [key ids], locked_revision, locked_at, corrections_go_to}."
            })
    public static final class Status extends BatchCommand implements ReadsOnly {
        enum Until {
            approved,
            locked
        }

        @Mixin
        PeriodOption period;

        @Option(
                names = "--until",
                paramLabel = "approved|locked",
                description = "Exit 75 until the period is ${COMPLETION-CANDIDATES} (locked counts as approved).")
        Until until;

        @Mixin
        io.meterlake.cli.options.FormatOption format;

        public Status(Supplier<ConfigOptions> outerOptions, Clock clock) {
            super(outerOptions, clock);
        }

        @Override
        public Integer call() {
            Period billingPeriod = period.value();
            MeterlakeConfig config = existingWarehouse();
            Closing closing = new Closing(reads(config).prefetch(Closing.READS), config.approvers());
            Closing.Status status = closing.status(billingPeriod);
            Period next = closing.nextOpen(billingPeriod);
            if (format.json()) {
                Output.json(out(), PeriodReport.statusJson(status, next));
            } else {
                out().println(PeriodReport.statusLine(status)
                        + (status.state() == PeriodState.LOCKED
                                ? "; late usage goes into " + next + " as correction lines"
                                : ""));
            }
            out().flush();
            boolean reached = until == null
                    || status.state() == PeriodState.LOCKED
                    || until == Until.approved && status.state() == PeriodState.APPROVED;
            if (!reached) {
                throw CliErrors.notYet(
                        billingPeriod.toString(),
                        PeriodReport.stateName(status),
                        until.toString(),
                        until == Until.approved
                                ? "approve it with 'meterlake periods approve --period " + billingPeriod
                                        + " --approver-key <file>'"
                                : "lock it with 'meterlake periods lock --period " + billingPeriod
                                        + " --signing-key <file>'");
            }
            return ExitCodes.OK;
        }
    }

    /** {@code meterlake periods list}: every published period with its latest revision and state. */
    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "List every published period with its latest revision and state (draft, approved, locked).",
                "",
                "Also who approved it, when it was locked, its line count. Read without Spark. json: an",
                "array of {period, revision, published_at, key_id, line_count, status, approved_by [key ids],",
                "locked_revision, locked_at}."
            })
    public static final class ListPeriods extends BatchCommand implements ReadsOnly {
        @Mixin
        io.meterlake.cli.options.FormatOption format;

        public ListPeriods(Supplier<ConfigOptions> outerOptions, Clock clock) {
            super(outerOptions, clock);
        }

        @Override
        public Integer call() {
            MeterlakeConfig config = existingWarehouse();
            io.meterlake.table.DeltaReads reads = reads(config).prefetch(Closing.READS);
            Closing closing = new Closing(reads, config.approvers());
            List<Map<String, Object>> json = new java.util.ArrayList<>();
            List<List<String>> rows = new java.util.ArrayList<>();
            for (BillingPeriod latest : new BillingPeriods(reads).latestOfEach()) {
                Closing.Status status = closing.status(latest.period());
                Map<String, Object> fields = new java.util.LinkedHashMap<>();
                fields.put("period", latest.period().toString());
                fields.put("revision", latest.revision());
                fields.put("published_at", latest.publishedAt().toString());
                fields.put("key_id", latest.keyId());
                fields.put("line_count", latest.lineCount());
                fields.putAll(PeriodReport.statusFields(status));
                json.add(fields);
                rows.add(List.of(
                        latest.period().toString(),
                        Integer.toString(latest.revision()),
                        PeriodReport.stateName(status),
                        status.approvedBy().isEmpty() ? "-" : status.approvedBy(),
                        status.lock().map(lock -> lock.lockedAt().toString()).orElse("-"),
                        latest.publishedAt().toString(),
                        Long.toString(latest.lineCount())));
            }
            if (format.json()) {
                Output.json(out(), json);
            } else if (rows.isEmpty()) {
                out().println("no published period in " + config.warehouse());
            } else {
                Output.table(
                        out(),
                        List.of("period", "revision", "status", "approved by", "locked at", "published at", "lines"),
                        rows);
            }
            out().flush();
            return ExitCodes.OK;
        }
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "Print a published revision of a billing period (default: the latest) with its lines.",
                "json: one object with period, revision, raw_table_version, content_sha256, signature, key_id,",
                "published_at, lines [{subscription_id, billing_account_id, plan, metric, unit, quantity,",
                "event_count}] (a line per plan a subscription was billed under), status (draft|approved|locked),",
                "approved_by [key ids], locked_revision, locked_at and corrections [{service_period, the same fields}]",
                "(late changes of locked periods, quantity and event_count may be negative); quantities as",
                "decimal strings with 9 fraction digits. csv: one row per line, with a header row; its last",
                "columns are service_period, charge_class (usage or correction) and status.",
                "",
                "--changes: instead of the lines, the events that changed since the revision it supersedes (ADDED,",
                "VOIDED, AMENDED, REMOVED, each with its quantity before and after and the correction that caused",
                "it), both revisions recomputed from raw as they were computed; json: {period, revision, supersedes,",
                "counts, changes [{kind, source, event_id, subscription_id, metric, unit, quantity_before,",
                "quantity_after, correction_id}]}."
            })
    public static final class Show extends BatchCommand implements ReadsOnly {
        @Mixin
        PeriodOption period;

        @Option(names = "--revision", paramLabel = "<n>", description = "The revision (default: the latest).")
        Integer revision;

        @Mixin
        FormatOption.WithCsv output;

        @Option(
                names = "--changes",
                description = "The events that changed since the superseded revision, not the lines.")
        boolean changes;

        public Show(Supplier<ConfigOptions> outerOptions, Clock clock) {
            super(outerOptions, clock);
        }

        @Override
        public Integer call() {
            Period billingPeriod = period.value();
            MeterlakeConfig config = existingWarehouse();
            // Without Spark, but for --changes, which recomputes from raw; each table read at one version.
            io.meterlake.table.DeltaReads reads = changes
                    ? null
                    : reads(config)
                            .prefetch(java.util.stream.Stream.concat(
                                            BillingPeriods.READS.stream(), Closing.READS.stream())
                                    .distinct()
                                    .toList());
            BillingPeriods periods = changes
                    ? new BillingPeriods(new Warehouse(spark(config), config.warehouse()))
                    : new BillingPeriods(reads);
            BillingPeriod header =
                    periods.require(billingPeriod, revision == null ? OptionalInt.empty() : OptionalInt.of(revision));
            if (changes) {
                BillingPeriod superseded =
                        header.supersedes().isPresent() ? periods.require(billingPeriod, header.supersedes()) : null;
                progress("recomputing revision " + header.revision()
                        + (superseded == null ? "" : " and revision " + superseded.revision()) + " of " + billingPeriod
                        + " from raw_usage_events");
                List<RevisionChanges.Change> list = RevisionChanges.between(periods, superseded, header);
                switch (output.format()) {
                    case json -> Output.json(out(), ChangesReport.changesJson(header, list));
                    case csv -> Output.csv(out(), ChangesReport.CHANGE_COLUMNS, ChangesReport.changeRows(list));
                    default -> ChangesReport.changesTable(out(), header, list);
                }
                return ExitCodes.OK;
            }
            List<BillingLine> lines = periods.lines(header);
            List<CorrectionLine> corrections = periods.corrections(header);
            Closing.Status status = new Closing(reads, config.approvers()).status(billingPeriod);
            switch (output.format()) {
                case json -> Output.json(out(), PeriodReport.json(header, lines, corrections, Optional.of(status)));
                case csv ->
                    Output.csv(
                            out(),
                            PeriodReport.CSV_COLUMNS,
                            PeriodReport.csvRows(header, lines, corrections, status.of(header.revision())));
                default -> PeriodReport.table(out(), header, lines, corrections, Optional.of(status));
            }
            return ExitCodes.OK;
        }
    }
}
