package io.meterlake.batch;

import io.meterlake.config.FormatOption;
import io.meterlake.batch.publish.BillingPeriod;
import io.meterlake.batch.publish.BillingPeriods;
import io.meterlake.batch.publish.Closing;
import io.meterlake.batch.publish.PublishJob;
import io.meterlake.batch.publish.Readiness;
import io.meterlake.batch.publish.RevisionChanges;
import io.meterlake.error.MeterlakeException;
import io.meterlake.config.ConfigOptions;
import io.meterlake.config.CommandLineErrors;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.model.BillingLine;
import io.meterlake.model.CorrectionLine;
import io.meterlake.output.Output;
import io.meterlake.period.Period;
import io.meterlake.period.PeriodState;
import io.meterlake.table.Warehouse;
import io.meterlake.validation.Quantities;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;

/** {@code meterlake periods show}: the published lines of a billing period. */
@Command(name = "periods", mixinStandardHelpOptions = true, description = "Published billing periods.")
public final class PeriodsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw CommandLineErrors.subcommandRequired(spec);
    }

    /** {@code publish --format json}: the header fields of {@code periods show}, then what publish did. */
    static Map<String, Object> headerJson(BillingPeriod header, boolean published) {
        Map<String, Object> json = contractHeader(header);
        json.put("published", published);
        json.put("supersedes", header.supersedes().isPresent() ? header.supersedes().getAsInt() : null);
        json.put("forced", header.forced());
        json.put("line_count", header.lineCount());
        json.put("sequence", header.chain().map(c -> (Object) c.sequence()).orElse(null));
        json.put("header_sha256", header.chain().map(BillingPeriod.Chain::headerSha256).orElse(null));
        return json;
    }

    /** The header fields of {@code periods show --format json} (the contract in ARCHITECTURE.md), in order. */
    private static Map<String, Object> contractHeader(BillingPeriod header) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("period", header.period());
        json.put("revision", header.revision());
        json.put("raw_table_version", header.rawTableVersion());
        json.put("content_sha256", header.contentSha256());
        json.put("signature", header.signature());
        json.put("key_id", header.keyId());
        json.put("published_at", header.publishedAt().toString());
        return json;
    }

    /** {@code periods show --period P [--revision n] [--format table|json|csv]}. */
    /** {@code meterlake periods ready}: whether a period may be published, as an exit code for schedulers. */
    @Command(name = "ready", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Exit 0 if a period is ready to publish, 75 (and what it waits for) if not.", "",
                "Ready: the period has ended plus the grace, and the stream's watermark (if a stream runs) has",
                "passed its end. A scheduler's sensor polls this before reconcile and publish."})
    public static final class Ready extends BatchCommand {
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
            Readiness readiness = new PublishJob(spark(config), config, clock())
                    .readiness(billingPeriod, grace.value(config));
            if (!readiness.ready()) {
                throw MeterlakeException.notReady("period " + billingPeriod + " waits for "
                        + String.join("; and for ", readiness.waitingFor()));
            }
            out().println("period " + billingPeriod + " is ready to publish");
            out().flush();
            return ExitCodes.OK;
        }
    }

    /** {@code meterlake periods status}: draft, approved or locked; with {@code --until}, an exit code for sensors. */
    @Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Print a published period's state: draft, approved or locked.", "",
                "draft: published, not approved; approved: by which key ids; locked: at which revision, and",
                "which open period its late usage goes into.",
                "--until approved|locked: exit 75 (retry later) while the period has not reached that state, so a",
                "scheduler's sensor waits for an approval before it locks. json: {period, revision, status,",
                "approved_by [key ids], locked_revision, locked_at, corrections_go_to}."})
    public static final class Status extends BatchCommand {
        enum Until { approved, locked }

        @Mixin
        PeriodOption period;

        @Option(names = "--until", paramLabel = "approved|locked",
                description = "Exit 75 until the period is ${COMPLETION-CANDIDATES} (locked counts as approved).")
        Until until;

        @Mixin
        io.meterlake.config.FormatOption format;

        public Status(Supplier<ConfigOptions> outerOptions, Clock clock) {
            super(outerOptions, clock);
        }

        @Override
        public Integer call() {
            Period billingPeriod = period.value();
            MeterlakeConfig config = config();
            Closing closing = new Closing(spark(config), new Warehouse(spark(config), config.warehouse()), config.approvers());
            Closing.Status status = closing.status(billingPeriod);
            Period next = closing.nextOpen(billingPeriod);
            if (format.json()) {
                Output.json(out(), statusJson(status, next));
            } else {
                out().println(statusLine(status) + (status.state() == PeriodState.LOCKED
                        ? "; late usage goes into " + next + " as correction lines" : ""));
            }
            out().flush();
            boolean reached = until == null || status.state() == PeriodState.LOCKED
                    || until == Until.approved && status.state() == PeriodState.APPROVED;
            if (!reached) {
                throw MeterlakeException.notReady("period " + billingPeriod + " is " + stateName(status)
                        + ", not yet " + until + (until == Until.approved
                                ? ": approve it with 'meterlake approve --period " + billingPeriod + " --approver-key <file>'"
                                : ": lock it with 'meterlake lock --period " + billingPeriod + "'"));
            }
            return ExitCodes.OK;
        }
    }

    static String stateName(Closing.Status status) {
        return status.of(status.latest().revision());
    }

    /** One line: the period, its latest revision and its state, with who approved it and when it was locked. */
    public static String statusLine(Closing.Status status) {
        return "period " + status.latest().period() + ", revision " + status.latest().revision() + ": "
                + switch (status.state()) {
                    case DRAFT -> "draft (published by key " + status.latest().keyId() + ", not approved)";
                    case APPROVED -> "approved by key " + status.approvedBy() + " (published by key "
                            + status.latest().keyId() + "), not locked";
                    case LOCKED -> "locked at revision " + status.lock().orElseThrow().revision() + " on "
                            + status.lock().orElseThrow().lockedAt() + " (approved by key " + status.approvedBy() + ")";
                };
    }

    /** The state fields of {@code periods status --format json} (and of {@code periods show}'s header). */
    static Map<String, Object> statusFields(Closing.Status status) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("status", stateName(status));
        json.put("approved_by", status.approvals().stream().map(Closing.Approval::approverKeyId).toList());
        json.put("locked_revision", status.lock().map(l -> (Object) l.revision()).orElse(null));
        json.put("locked_at", status.lock().map(l -> (Object) l.lockedAt().toString()).orElse(null));
        return json;
    }

    static Map<String, Object> statusJson(Closing.Status status, Period next) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("period", status.latest().period());
        json.put("revision", status.latest().revision());
        json.putAll(statusFields(status));
        json.put("corrections_go_to", status.state() == PeriodState.LOCKED ? next.toString() : null);
        return json;
    }

    @Command(name = "show", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Print a published revision of a billing period (default: the latest) with its lines.",
                "json: one object with period, revision, raw_table_version, content_sha256, signature, key_id,",
                "published_at, lines [{subscription_id, billing_account_id, plan, metric, unit, quantity,",
                "event_count}] (a line per plan a subscription was billed under), status (draft|approved|locked),",
                "approved_by [key ids], locked_revision, locked_at and corrections [{service_period, the same fields}]",
                "(late changes of locked periods, quantity and event_count may be negative); quantities as",
                "decimal strings with 9 fraction digits. csv: one row per line, with a header row; its last",
                "columns are service_period, charge_class (usage or correction) and status.", "",
                "--changes: instead of the lines, the events that changed since the revision it supersedes (ADDED,",
                "VOIDED, AMENDED, REMOVED, each with its quantity before and after and the correction that caused",
                "it), both revisions recomputed from raw as they were computed; json: {period, revision, supersedes,",
                "counts, changes [{kind, source, event_id, subscription_id, metric, unit, quantity_before,",
                "quantity_after, correction_id}]}."})
    public static final class Show extends BatchCommand {
        @Mixin
        PeriodOption period;

        @Option(names = "--revision", paramLabel = "<n>", description = "The revision (default: the latest).")
        Integer revision;

        @Mixin
        FormatOption.WithCsv output;

        @Option(names = "--changes", description = "The events that changed since the superseded revision, not the lines.")
        boolean changes;

        public Show(Supplier<ConfigOptions> outerOptions, Clock clock) {
            super(outerOptions, clock);
        }

        @Override
        public Integer call() {
            Period billingPeriod = period.value();
            MeterlakeConfig config = config();
            BillingPeriods periods = new BillingPeriods(new Warehouse(spark(config), config.warehouse()));
            BillingPeriod header = periods.require(billingPeriod,
                    revision == null ? OptionalInt.empty() : OptionalInt.of(revision));
            if (changes) {
                BillingPeriod superseded = header.supersedes().isPresent()
                        ? periods.require(billingPeriod, header.supersedes()) : null;
                progress("recomputing revision " + header.revision() + (superseded == null ? ""
                        : " and revision " + superseded.revision()) + " of " + billingPeriod + " from raw_usage_events");
                List<RevisionChanges.Change> list = RevisionChanges.between(periods, superseded, header);
                switch (output.format()) {
                    case json -> Output.json(out(), changesJson(header, list));
                    case csv -> Output.csv(out(), CHANGE_COLUMNS, changeRows(list));
                    default -> changesTable(out(), header, list);
                }
                return ExitCodes.OK;
            }
            List<BillingLine> lines = periods.lines(header);
            List<CorrectionLine> corrections = periods.corrections(header);
            Closing.Status status = new Closing(spark(config), new Warehouse(spark(config), config.warehouse()),
                    config.approvers()).status(billingPeriod);
            switch (output.format()) {
                case json -> Output.json(out(), json(header, lines, corrections, Optional.of(status)));
                case csv -> Output.csv(out(), List.of("period", "revision", "subscription_id", "billing_account_id",
                        "plan", "metric", "unit", "quantity", "event_count", "service_period", "charge_class", "status"),
                        csvRows(header, lines, corrections, status.of(header.revision())));
                default -> table(out(), header, lines, corrections, Optional.of(status));
            }
            return ExitCodes.OK;
        }

        public static Map<String, Object> json(BillingPeriod header, List<BillingLine> lines) {
            return json(header, lines, List.of(), Optional.empty());
        }

        /**
         * The {@code --format json} object: ARCHITECTURE.md's contract (header fields, then lines), then the
         * state when known, then the correction lines.
         */
        public static Map<String, Object> json(BillingPeriod header, List<BillingLine> lines,
                List<CorrectionLine> corrections, Optional<Closing.Status> status) {
            Map<String, Object> json = contractHeader(header);
            List<Map<String, Object>> array = new ArrayList<>();
            for (BillingLine line : lines) {
                array.add(lineJson(new LinkedHashMap<>(), line.subscriptionId(), line.billingAccountId(), line.plan(),
                        line.metric(), line.unit(), line.quantity(), line.eventCount()));
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
                correctionArray.add(lineJson(item, line.subscriptionId(), line.billingAccountId(), line.plan(),
                        line.metric(), line.unit(), line.quantity(), line.eventCount()));
            }
            json.put("corrections", correctionArray);
            return json;
        }

        /** A line's fields after what {@code item} holds already; the quantity as a decimal string with 9 fraction digits. */
        private static Map<String, Object> lineJson(Map<String, Object> item, String subscription, String account,
                String plan, String metric, String unit, java.math.BigDecimal quantity, long events) {
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
        private static List<List<String>> csvRows(BillingPeriod header, List<BillingLine> lines,
                List<CorrectionLine> corrections, String status) {
            List<List<String>> rows = new ArrayList<>();
            for (List<String> row : rows(header, lines, true)) {
                List<String> usage = new ArrayList<>(row);
                usage.addAll(List.of(header.period(), CorrectionLine.USAGE, status));
                rows.add(usage);
            }
            for (CorrectionLine line : corrections) {
                rows.add(List.of(header.period(), Integer.toString(header.revision()), line.subscriptionId(),
                        line.billingAccountId(), line.plan(), line.metric(), line.unit(), Quantities.render(line.quantity()),
                        Long.toString(line.eventCount()), line.servicePeriod(), CorrectionLine.CORRECTION, status));
            }
            return rows;
        }

        private static final List<String> CHANGE_COLUMNS = List.of("kind", "source", "event_id", "subscription_id",
                "metric", "unit", "quantity_before", "quantity_after", "correction_id");

        private static List<List<String>> changeRows(List<RevisionChanges.Change> changes) {
            List<List<String>> rows = new ArrayList<>();
            for (RevisionChanges.Change change : changes) {
                rows.add(List.of(change.kind().name(), change.source(), change.eventId(), change.subscriptionId(),
                        change.metric(), change.unit(), change.before() == null ? "" : Quantities.render(change.before()),
                        change.after() == null ? "" : Quantities.render(change.after()),
                        change.correctionId() == null ? "" : change.correctionId()));
            }
            return rows;
        }

        /** {@code --changes --format json}: quantities as decimal strings with 9 fraction digits, null when absent. */
        public static Map<String, Object> changesJson(BillingPeriod header, List<RevisionChanges.Change> changes) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("period", header.period());
            json.put("revision", header.revision());
            json.put("supersedes", header.supersedes().isPresent() ? header.supersedes().getAsInt() : null);
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

        static void changesTable(PrintWriter out, BillingPeriod header, List<RevisionChanges.Change> changes) {
            List<String> counts = new ArrayList<>();
            RevisionChanges.counts(changes).forEach((kind, n) -> counts.add(n + " " + kind.name().toLowerCase(java.util.Locale.ROOT)));
            out.println("period " + header.period() + ", revision " + header.revision() + (header.supersedes().isPresent()
                    ? ", since revision " + header.supersedes().getAsInt() : " (supersedes none: every event is new)")
                    + ": " + (changes.isEmpty() ? "no event changed" : String.join(", ", counts)));
            if (!changes.isEmpty()) {
                out.println();
                Output.table(out, List.of("kind", "source", "event id", "subscription", "metric", "unit",
                        "quantity before", "quantity after", "by correction"), changeRows(changes));
            }
        }

        public static void table(PrintWriter out, BillingPeriod header, List<BillingLine> lines) {
            table(out, header, lines, List.of(), Optional.empty());
        }

        /** The readable form: the header and state, the lines as a table, then the correction lines. */
        public static void table(PrintWriter out, BillingPeriod header, List<BillingLine> lines,
                List<CorrectionLine> corrections, Optional<Closing.Status> status) {
            out.println("period " + header.period() + ", revision " + header.revision()
                    + (header.supersedes().isPresent() ? " (supersedes " + header.supersedes().getAsInt() + ")" : "")
                    + ", from raw_usage_events v" + header.rawTableVersion() + ", published " + header.publishedAt()
                    + (header.forced() ? " (FORCED before the period was ready)" : ""));
            out.println("content sha256 " + header.contentSha256() + ", signed by key " + header.keyId());
            status.ifPresent(known -> out.println(known.latest().revision() == header.revision() ? "status: "
                    + statusLine(known).substring(statusLine(known).indexOf(": ") + 2)
                    : "status: superseded by revision " + known.latest().revision()));
            out.println();
            Output.table(out, List.of("subscription", "billing account", "plan", "metric", "unit", "quantity",
                    "events"), rows(header, lines, false));
            if (!corrections.isEmpty()) {
                out.println();
                out.println("correction lines (late changes of locked periods, billed in " + header.period() + "):");
                List<List<String>> rows = new ArrayList<>();
                for (CorrectionLine line : corrections) {
                    rows.add(List.of(line.servicePeriod(), line.subscriptionId(), line.billingAccountId(), line.plan(),
                            line.metric(), line.unit(), Quantities.render(line.quantity()), Long.toString(line.eventCount())));
                }
                Output.table(out, List.of("service period", "subscription", "billing account", "plan", "metric", "unit",
                        "quantity", "events"), rows);
            }
        }

        private static List<List<String>> rows(BillingPeriod header, List<BillingLine> lines, boolean withPeriod) {
            List<List<String>> rows = new ArrayList<>();
            for (BillingLine line : lines) {
                List<String> row = new ArrayList<>();
                if (withPeriod) {
                    row.add(header.period());
                    row.add(Integer.toString(header.revision()));
                }
                row.addAll(List.of(line.subscriptionId(), line.billingAccountId(), line.plan(), line.metric(),
                        line.unit(), Quantities.render(line.quantity()), Long.toString(line.eventCount())));
                rows.add(row);
            }
            return rows;
        }
    }
}
