package io.meterlake.cli;

import io.meterlake.attribution.EntitlementChanges;
import io.meterlake.attribution.EntitlementsCsv;
import io.meterlake.cli.options.CliErrors;
import io.meterlake.cli.options.CommandLineErrors;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.cli.options.ReadsOnly;
import io.meterlake.error.ExitCodes;
import io.meterlake.model.Entitlement;
import io.meterlake.output.Output;
import io.meterlake.schema.Rows;
import io.meterlake.schema.Tables;
import io.meterlake.table.Warehouse;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code meterlake entitlements}: the table that maps usage to subscriptions. */
@Command(
        name = "entitlements",
        description =
                "The entitlements that attribute usage to subscriptions: load them, showing what changes; show them.",
        subcommands = {EntitlementsCommand.Load.class, EntitlementsCommand.Show.class},
        mixinStandardHelpOptions = true)
final class EntitlementsCommand implements Runnable {
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
                "Load entitlements from a CSV file: add and update them by entitlement_id, showing what changes.",
                "",
                "The CSV has the header",
                "entitlement_id,subscription_id,billing_account_id,tenant_id,app_id,plan,valid_from,valid_to",
                "(ISO-8601 times with offset; empty valid_to = open-ended).",
                "Prints per tenant the entitlements added, changed, removed and kept, then writes a new version of",
                "the table; a file that changes nothing writes nothing and says so. Entitlements in force that the",
                "file leaves out are kept unless --replace says the file is the whole set (their usage would then",
                "be quarantined UNATTRIBUTED). Earlier versions stay readable by time travel."
            })
    static final class Load implements Callable<Integer> {
        @ParentCommand
        EntitlementsCommand entitlements;

        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "<csv>", description = "The entitlements CSV file.")
        Path csv;

        @Option(
                names = "--replace",
                description = "The file is the whole set: remove the entitlements in force that it leaves out.")
        boolean replace;

        @Option(names = "--dry-run", description = "Show what would change; write nothing.")
        boolean dryRun;

        @Mixin
        FormatOption format;

        @Override
        public Integer call() {
            EntitlementChanges changes = load(entitlements.root, csv, replace, dryRun);
            print(entitlements.root.out(), changes, dryRun, format.json());
            return ExitCodes.OK;
        }
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "List the entitlements in force (or all of them), by tenant and app.",
                "",
                "Reads the entitlements table without Spark (Delta Kernel): an answer in about a second. In force at",
                "--at (default: now): valid_from <= at < valid_to (an empty valid_to is open-ended). json: {version,",
                "at, entitlements: [{entitlement_id, subscription_id, billing_account_id, tenant_id, app_id, plan,",
                "valid_from, valid_to, in_force}]}."
            })
    static final class Show implements Callable<Integer>, ReadsOnly {
        @ParentCommand
        EntitlementsCommand entitlements;

        @Mixin
        ConfigOptions options;

        @Option(
                names = "--at",
                paramLabel = "<instant>",
                description = "In force at this instant, ISO-8601 UTC like 2026-11-01T00:00:00Z (default: now).")
        java.time.Instant at;

        @Option(names = "--all", description = "Every entitlement, also those not in force at --at.")
        boolean all;

        @Option(names = "--tenant", paramLabel = "<tenant_id>", description = "Only this tenant's.")
        String tenant;

        @Mixin
        FormatOption format;

        @Override
        public Integer call() {
            MeterlakeCommand root = entitlements.root;
            io.meterlake.config.MeterlakeConfig config = root.config();
            io.meterlake.table.DeltaReads reads = new io.meterlake.table.DeltaReads(
                    io.meterlake.storage.Storage.hadoopConfiguration(config), config.warehouse());
            java.time.Instant when = at != null ? at : root.clock().instant();
            List<Entitlement> shown = reads.rows(Tables.ENTITLEMENTS).stream()
                    .map(Rows::entitlement)
                    .filter(e -> tenant == null || e.tenantId().equals(tenant))
                    .filter(e -> all || inForce(e, when))
                    .sorted(java.util.Comparator.comparing(Entitlement::tenantId)
                            .thenComparing(Entitlement::appId)
                            .thenComparing(Entitlement::validFrom)
                            .thenComparing(Entitlement::entitlementId))
                    .toList();
            PrintWriter out = root.out();
            Long version = reads.version(Tables.ENTITLEMENTS).orElse(null);
            if (format.json()) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("version", version);
                json.put("at", when.toString());
                List<Map<String, Object>> rows = new ArrayList<>();
                for (Entitlement e : shown) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("entitlement_id", e.entitlementId());
                    row.put("subscription_id", e.subscriptionId());
                    row.put("billing_account_id", e.billingAccountId());
                    row.put("tenant_id", e.tenantId());
                    row.put("app_id", e.appId());
                    row.put("plan", e.plan());
                    row.put("valid_from", e.validFrom().toString());
                    row.put("valid_to", e.validTo() == null ? null : e.validTo().toString());
                    row.put("in_force", inForce(e, when));
                    rows.add(row);
                }
                json.put("entitlements", rows);
                Output.json(out, json);
            } else if (version == null) {
                out.println("no entitlements table in " + config.warehouse()
                        + ": load one with 'meterlake entitlements load <csv>'");
            } else {
                List<List<String>> rows = new ArrayList<>();
                for (Entitlement e : shown) {
                    rows.add(List.of(
                            e.tenantId(),
                            e.appId(),
                            e.entitlementId(),
                            e.subscriptionId(),
                            e.billingAccountId(),
                            e.plan(),
                            e.validFrom().toString(),
                            e.validTo() == null ? "-" : e.validTo().toString()));
                }
                Output.table(
                        out,
                        List.of("tenant", "app", "entitlement", "subscription", "account", "plan", "from", "to"),
                        rows);
                out.println(Output.count(shown.size(), "entitlement") + (all ? "" : " in force at " + when)
                        + " (entitlements v" + version + ")");
            }
            out.flush();
            return ExitCodes.OK;
        }

        private static boolean inForce(Entitlement e, java.time.Instant at) {
            return !e.validFrom().isAfter(at)
                    && (e.validTo() == null || e.validTo().isAfter(at));
        }
    }

    /**
     * Reads and checks the CSV, compares it with the table in force (read without Spark) and, unless
     * {@code dryRun} or unchanged, writes it with Spark and reads the new version back: it must hold exactly
     * the entitlements in force the changes say (exit 1 otherwise).
     */
    static EntitlementChanges load(MeterlakeCommand root, Path csv, boolean replace, boolean dryRun) {
        List<Entitlement> loaded = EntitlementsCsv.read(csv);
        io.meterlake.config.MeterlakeConfig config = root.config();
        io.meterlake.table.DeltaReads reads = new io.meterlake.table.DeltaReads(
                io.meterlake.storage.Storage.hadoopConfiguration(config), config.warehouse());
        boolean exists = reads.exists(Tables.ENTITLEMENTS);
        List<Entitlement> current =
                reads.rows(Tables.ENTITLEMENTS).stream().map(Rows::entitlement).toList();
        EntitlementChanges changes = EntitlementChanges.of(current, loaded, replace);
        if (!dryRun && (!changes.unchanged() || !exists)) {
            SparkSession spark = root.spark("meterlake-entitlements-load");
            List<Row> rows = changes.result().stream().map(Rows::entitlement).toList();
            new Warehouse(spark, config.warehouse())
                    .replaceEntitlements(spark.createDataFrame(rows, Tables.ENTITLEMENT));
            java.util.Set<Entitlement> stored = new java.util.HashSet<>(new io.meterlake.table.DeltaReads(
                            io.meterlake.storage.Storage.hadoopConfiguration(config), config.warehouse())
                    .rows(Tables.ENTITLEMENTS).stream().map(Rows::entitlement).toList());
            if (!stored.equals(new java.util.HashSet<>(changes.result()))) {
                throw CliErrors.entitlementsNotAsWritten(
                        config.warehouse(), stored.size(), changes.result().size());
            }
        }
        return changes;
    }

    /** What the demo loads: an upsert, printed as the command prints it. */
    static void load(MeterlakeCommand root, Path csv) {
        print(root.out(), load(root, csv, false, false), false, false);
    }

    private static void print(PrintWriter out, EntitlementChanges changes, boolean dryRun, boolean json) {
        Map<String, long[]> perTenant = changes.perTenant();
        if (json) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("changed", !changes.unchanged());
            result.put("written", !changes.unchanged() && !dryRun);
            result.put("mode", changes.replace() ? "replace" : "upsert");
            result.put("in_force", changes.result().size());
            List<Map<String, Object>> tenants = new ArrayList<>();
            perTenant.forEach((tenant, counts) -> tenants.add(new LinkedHashMap<>(Map.of(
                    "tenant_id",
                    tenant,
                    "added",
                    counts[0],
                    "changed",
                    counts[1],
                    "removed",
                    counts[2],
                    "kept_not_in_file",
                    counts[3]))));
            result.put("tenants", tenants);
            Output.json(out, result);
            return;
        }
        if (!perTenant.isEmpty()) {
            List<List<String>> rows = new ArrayList<>();
            perTenant.forEach((tenant, counts) -> rows.add(List.of(
                    tenant,
                    Long.toString(counts[0]),
                    Long.toString(counts[1]),
                    Long.toString(counts[2]),
                    Long.toString(counts[3]))));
            Output.table(out, List.of("tenant", "added", "changed", "removed", "kept (not in file)"), rows);
        }
        out.println(
                changes.unchanged()
                        ? "unchanged: the " + Output.count(changes.result().size(), "entitlement")
                                + " in force " + (changes.result().size() == 1 ? "is" : "are") + " what the file says;"
                                + " nothing written"
                        : (dryRun ? "dry run: would leave " : "loaded: ")
                                + Output.count(changes.result().size(), "entitlement")
                                + " in force (" + changes.added().size() + " added, "
                                + changes.changed().size()
                                + " changed, " + changes.removed().size() + " removed"
                                + (changes.replace()
                                        ? ""
                                        : ", " + changes.notInFile().size() + " not in the file kept") + ")"
                                + (dryRun ? "; nothing written" : ""));
        out.flush();
    }
}
