package io.meterlake.batch;

import io.meterlake.batch.publish.BillingPeriod;
import io.meterlake.batch.publish.BillingPeriods;
import io.meterlake.batch.publish.PublishJob;
import io.meterlake.batch.publish.Readiness;
import io.meterlake.batch.publish.RevisionChanges;
import io.meterlake.error.MeterlakeException;
import io.meterlake.config.ConfigOptions;
import io.meterlake.error.CommandLineErrors;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.model.BillingLine;
import io.meterlake.output.Output;
import io.meterlake.period.Period;
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

    @Command(name = "show", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Print a published revision of a billing period (default: the latest) with its lines.",
                "json: one object with period, revision, raw_table_version, content_sha256, signature, key_id,",
                "published_at and lines [{subscription_id, billing_account_id, plan, metric, unit, quantity,",
                "event_count}] (a line per plan a subscription was billed under),",
                "quantities as decimal strings with 9 fraction digits. csv: one row per line, with a header row.", "",
                "--changes: instead of the lines, the events that changed since the revision it supersedes (ADDED,",
                "VOIDED, AMENDED, REMOVED, each with its quantity before and after and the correction that caused",
                "it), both revisions recomputed from raw as they were computed; json: {period, revision, supersedes,",
                "counts, changes [{kind, source, event_id, subscription_id, metric, unit, quantity_before,",
                "quantity_after, correction_id}]}."})
    public static final class Show extends BatchCommand {
        enum Format { table, json, csv }

        @Mixin
        PeriodOption period;

        @Option(names = "--revision", paramLabel = "<n>", description = "The revision (default: the latest).")
        Integer revision;

        @Option(names = "--format", defaultValue = "table", paramLabel = "table|json|csv",
                description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
        Format format;

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
                switch (format) {
                    case json -> Output.json(out(), changesJson(header, list));
                    case csv -> Output.csv(out(), CHANGE_COLUMNS, changeRows(list));
                    default -> changesTable(out(), header, list);
                }
                return ExitCodes.OK;
            }
            List<BillingLine> lines = periods.lines(header);
            switch (format) {
                case json -> Output.json(out(), json(header, lines));
                case csv -> Output.csv(out(), List.of("period", "revision", "subscription_id", "billing_account_id",
                        "plan", "metric", "unit", "quantity", "event_count"), rows(header, lines, true));
                default -> table(out(), header, lines);
            }
            return ExitCodes.OK;
        }

        /** The {@code --format json} object, exactly as ARCHITECTURE.md's contract has it. */
        public static Map<String, Object> json(BillingPeriod header, List<BillingLine> lines) {
            Map<String, Object> json = contractHeader(header);
            List<Map<String, Object>> array = new ArrayList<>();
            for (BillingLine line : lines) {
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("subscription_id", line.subscriptionId());
                item.put("billing_account_id", line.billingAccountId());
                item.put("plan", line.plan());
                item.put("metric", line.metric());
                item.put("unit", line.unit());
                item.put("quantity", Quantities.render(line.quantity()));
                item.put("event_count", line.eventCount());
                array.add(item);
            }
            json.put("lines", array);
            return json;
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

        /** The readable form: the header, then the lines as a table. */
        public static void table(PrintWriter out, BillingPeriod header, List<BillingLine> lines) {
            out.println("period " + header.period() + ", revision " + header.revision()
                    + (header.supersedes().isPresent() ? " (supersedes " + header.supersedes().getAsInt() + ")" : "")
                    + ", from raw_usage_events v" + header.rawTableVersion() + ", published " + header.publishedAt()
                    + (header.forced() ? " (FORCED before the period was ready)" : ""));
            out.println("content sha256 " + header.contentSha256() + ", signed by key " + header.keyId());
            out.println();
            Output.table(out, List.of("subscription", "billing account", "plan", "metric", "unit", "quantity",
                    "events"), rows(header, lines, false));
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
