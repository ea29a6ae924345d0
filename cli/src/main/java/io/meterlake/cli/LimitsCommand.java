package io.meterlake.cli;

import io.meterlake.cli.options.CliErrors;
import io.meterlake.cli.options.CommandLineErrors;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.cli.options.ReadsOnly;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.limits.Limit;
import io.meterlake.limits.Limits;
import io.meterlake.output.Output;
import io.meterlake.schema.Rows;
import io.meterlake.schema.Tables;
import io.meterlake.table.DeltaReads;
import io.meterlake.table.Warehouse;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code meterlake limits}: how much of each metric a plan's subscriptions, or one subscription, may use. */
@Command(
        name = "limits",
        description = "Usage limits per plan or subscription, with their thresholds: load them, show them.",
        subcommands = {LimitsCommand.Load.class, LimitsCommand.Show.class},
        mixinStandardHelpOptions = true)
final class LimitsCommand implements Runnable {
    @ParentCommand
    MeterlakeCommand root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw CommandLineErrors.subcommandRequired(spec);
    }

    @Command(
            name = "load",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "Load the limits from a CSV file, the whole set: showing what changes, writing a new version.",
                "",
                "The CSV has the header",
                "limit_id,plan,subscription_id,metric,limit_amount,enforcement,thresholds,valid_from,valid_to",
                "plan or subscription_id (one: a subscription's own limit counts over its plan's for that metric),",
                "a metric of the catalog, limit_amount in its canonical unit, soft or hard, thresholds like",
                "50%;80%;100% or amounts, ISO-8601 times with offset (empty valid_to = open-ended). Every problem is",
                "named with its line and nothing is written (exit 2). A file that changes nothing writes nothing.",
                "Earlier versions stay readable by time travel."
            })
    static final class Load implements Callable<Integer> {
        @ParentCommand
        LimitsCommand limits;

        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "<csv>", description = "The limits CSV file.")
        Path csv;

        @Option(names = "--dry-run", description = "Show what would change; write nothing.")
        boolean dryRun;

        @Mixin
        FormatOption format;

        @Override
        public Integer call() {
            MeterlakeCommand root = limits.root;
            MeterlakeConfig config = root.config();
            List<Limit> loaded = Limits.read(csv, config.catalog());
            DeltaReads reads = reads(config);
            boolean exists = reads.exists(Tables.USAGE_LIMITS);
            Map<String, Limit> current = byId(
                    reads.rows(Tables.USAGE_LIMITS).stream().map(Rows::limit).toList());
            Map<String, Limit> next = byId(loaded);
            List<String> added = next.keySet().stream()
                    .filter(id -> !current.containsKey(id))
                    .toList();
            List<String> removed = current.keySet().stream()
                    .filter(id -> !next.containsKey(id))
                    .toList();
            List<String> changed = next.keySet().stream()
                    .filter(id -> current.containsKey(id) && !current.get(id).equals(next.get(id)))
                    .toList();
            boolean unchanged = added.isEmpty() && removed.isEmpty() && changed.isEmpty() && exists;
            if (!dryRun && !unchanged) {
                SparkSession spark = root.spark("meterlake-limits-load");
                new Warehouse(spark, config.warehouse())
                        .replaceLimits(spark.createDataFrame(
                                loaded.stream().map(Rows::limit).toList(), Tables.USAGE_LIMIT));
                Set<Limit> stored = Set.copyOf(reads(config).rows(Tables.USAGE_LIMITS).stream()
                        .map(Rows::limit)
                        .toList());
                if (!stored.equals(Set.copyOf(loaded))) {
                    throw CliErrors.limitsNotAsWritten(config.warehouse(), stored.size(), loaded.size());
                }
            }
            PrintWriter out = root.out();
            if (format.json()) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("changed", !unchanged);
                json.put("written", !unchanged && !dryRun);
                json.put("limits", loaded.size());
                json.put("added", added);
                json.put("changed_ids", changed);
                json.put("removed", removed);
                Output.json(out, json);
            } else {
                out.println(
                        unchanged
                                ? "unchanged: the " + Output.count(loaded.size(), "limit")
                                        + (loaded.size() == 1 ? " is" : " are") + " what the file says; nothing written"
                                : (dryRun ? "dry run: would load " : "loaded: ") + Output.count(loaded.size(), "limit")
                                        + " (" + added.size() + " added, " + changed.size() + " changed, "
                                        + removed.size()
                                        + " removed)" + (dryRun ? "; nothing written" : ""));
                out.flush();
            }
            return ExitCodes.OK;
        }
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "List the limits in force (or all of them), or those that apply to one subscription.",
                "",
                "Reads the limits table without Spark (Delta Kernel). In force at --at (default: now): valid_from <=",
                "at < valid_to. --subscription: per metric, the subscription's own limit, else its plan's (the plan",
                "of its entitlement in force at --at, the latest valid_from first). json: {version, at,",
                "subscription_id, plan, limits: [{limit_id, plan, subscription_id, metric, limit_amount, unit,",
                "enforcement, thresholds: [{threshold, amount}], valid_from, valid_to, in_force}]}."
            })
    static final class Show implements Callable<Integer>, ReadsOnly {
        @ParentCommand
        LimitsCommand limits;

        @Mixin
        ConfigOptions options;

        @Option(
                names = "--at",
                paramLabel = "<instant>",
                description = "In force at this instant, ISO-8601 UTC like 2026-11-01T00:00:00Z (default: now).")
        Instant at;

        @Option(names = "--all", description = "Every limit, also those not in force at --at.")
        boolean all;

        @Option(
                names = "--subscription",
                paramLabel = "<subscription_id>",
                description = "The limits that apply to this subscription at --at.")
        String subscription;

        @Mixin
        FormatOption format;

        @Override
        public Integer call() {
            MeterlakeCommand root = limits.root;
            MeterlakeConfig config = root.config();
            DeltaReads reads = reads(config).prefetch(List.of(Tables.USAGE_LIMITS, Tables.ENTITLEMENTS));
            Instant when = at != null ? at : root.clock().instant();
            List<Limit> every =
                    reads.rows(Tables.USAGE_LIMITS).stream().map(Rows::limit).toList();
            String plan = subscription == null ? null : plan(reads, subscription, when);
            List<Limit> shown = subscription != null
                    ? Limits.applying(every, subscription, plan, when)
                    : every.stream()
                            .filter(limit -> all || limit.inForce(when))
                            .sorted(Comparator.comparing(Limit::scope)
                                    .thenComparing(Limit::metric)
                                    .thenComparing(Limit::validFrom))
                            .toList();
            Long version = reads.version(Tables.USAGE_LIMITS).orElse(null);
            PrintWriter out = root.out();
            if (format.json()) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("version", version);
                json.put("at", when.toString());
                json.put("subscription_id", subscription);
                json.put("plan", plan);
                json.put(
                        "limits",
                        shown.stream().map(limit -> json(limit, config, when)).toList());
                Output.json(out, json);
            } else if (version == null) {
                out.println(
                        "no limits table in " + config.warehouse() + ": load one with 'meterlake limits load <csv>'");
            } else {
                Output.table(
                        out,
                        List.of(
                                "limit",
                                "plan",
                                "subscription",
                                "metric",
                                "limit",
                                "unit",
                                "enforcement",
                                "thresholds",
                                "from",
                                "to"),
                        shown.stream().map(limit -> row(limit, config)).toList());
                out.println(Output.count(shown.size(), "limit")
                        + (subscription != null
                                ? " applying to " + subscription + (plan == null ? " (no entitlement)" : " on " + plan)
                                        + " at " + when
                                : all ? "" : " in force at " + when)
                        + " (limits v" + version + ")");
            }
            out.flush();
            return ExitCodes.OK;
        }

        /** The plan of the subscription at {@code at} ({@link Limits#plan}); null if it has no entitlement. */
        private static String plan(DeltaReads reads, String subscription, Instant at) {
            return Limits.plan(
                    reads
                            .rows(
                                    Tables.ENTITLEMENTS,
                                    Map.of(io.meterlake.schema.Columns.SUBSCRIPTION_ID, subscription))
                            .stream()
                            .map(Rows::entitlement)
                            .toList(),
                    subscription,
                    at);
        }

        private static Map<String, Object> json(Limit limit, MeterlakeConfig config, Instant at) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("limit_id", limit.limitId());
            row.put("plan", limit.plan());
            row.put("subscription_id", limit.subscriptionId());
            row.put("metric", limit.metric());
            row.put("limit_amount", limit.limit().toPlainString());
            row.put("unit", unit(limit, config));
            row.put("enforcement", limit.enforcement().text());
            row.put(
                    "thresholds",
                    limit.thresholds().stream()
                            .map(threshold -> Map.of(
                                    "threshold", threshold.text(),
                                    "amount", threshold.of(limit.limit()).toPlainString()))
                            .toList());
            row.put("valid_from", limit.validFrom().toString());
            row.put("valid_to", limit.validTo() == null ? null : limit.validTo().toString());
            row.put("in_force", limit.inForce(at));
            return row;
        }

        private static List<String> row(Limit limit, MeterlakeConfig config) {
            return List.of(
                    limit.limitId(),
                    limit.plan() == null ? "-" : limit.plan(),
                    limit.subscriptionId() == null ? "-" : limit.subscriptionId(),
                    limit.metric(),
                    limit.limit().toPlainString(),
                    unit(limit, config),
                    limit.enforcement().text(),
                    limit.thresholds().isEmpty() ? "-" : limit.thresholdsText(),
                    limit.validFrom().toString(),
                    limit.validTo() == null ? "-" : limit.validTo().toString());
        }

        private static String unit(Limit limit, MeterlakeConfig config) {
            return config.catalog()
                    .metric(limit.metric())
                    .map(m -> m.canonicalUnit())
                    .orElse("?");
        }
    }

    private static DeltaReads reads(MeterlakeConfig config) {
        return new DeltaReads(io.meterlake.storage.Storage.hadoopConfiguration(config), config.warehouse());
    }

    private static Map<String, Limit> byId(List<Limit> limits) {
        return limits.stream()
                .collect(Collectors.toMap(Limit::limitId, Function.identity(), (a, b) -> a, java.util.TreeMap::new));
    }
}
