package io.meterlake.cli;

import io.meterlake.attribution.EntitlementsCsv;
import io.meterlake.cli.options.CommandLineErrors;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.error.ExitCodes;
import io.meterlake.model.Entitlement;
import io.meterlake.schema.Rows;
import io.meterlake.schema.Tables;
import io.meterlake.table.Warehouse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code meterlake entitlements}: the table that maps usage to subscriptions. */
@Command(
        name = "entitlements",
        description = "Manage the entitlements that attribute usage to subscriptions.",
        subcommands = EntitlementsCommand.Load.class,
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
            description = {
                "Load or replace the entitlements table from a CSV file.",
                "",
                "The CSV has the header",
                "entitlement_id,subscription_id,billing_account_id,tenant_id,app_id,plan,valid_from,valid_to",
                "(ISO-8601 times with offset; empty valid_to = open-ended). Earlier contents stay readable by time travel."
            })
    static final class Load implements Callable<Integer> {
        @ParentCommand
        EntitlementsCommand entitlements;

        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "<csv>", description = "The entitlements CSV file.")
        Path csv;

        @Override
        public Integer call() {
            load(entitlements.root, csv);
            return ExitCodes.OK;
        }
    }

    /** Reads and checks the CSV, then replaces the table; prints what it loaded. */
    static void load(MeterlakeCommand root, Path csv) {
        List<Entitlement> rows = EntitlementsCsv.read(csv);
        SparkSession spark = root.spark("meterlake-entitlements-load");
        Warehouse warehouse = new Warehouse(spark, root.config().warehouse());
        List<Row> sparkRows = rows.stream().map(Rows::entitlement).toList();
        warehouse.replaceEntitlements(spark.createDataFrame(sparkRows, Tables.ENTITLEMENT));
        root.out()
                .println("loaded " + rows.size() + " entitlements into " + warehouse.path(Tables.ENTITLEMENTS)
                        + " (version " + warehouse.version(Tables.ENTITLEMENTS) + ")");
        root.out().flush();
    }
}
