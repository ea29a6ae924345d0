package io.meterlake.cli;

import io.meterlake.access.TrinoRegistry;
import io.meterlake.cli.options.CliErrors;
import io.meterlake.cli.options.CommandLineErrors;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.error.ExitCodes;
import io.meterlake.stack.LocalTrino;
import io.meterlake.storage.Storage;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code meterlake trino register}: the warehouse's tables and views in the local Trino. */
@Command(
        name = "trino",
        mixinStandardHelpOptions = true,
        description = "The local Trino: register the warehouse in its catalog, run SQL as finance or a tenant.",
        subcommands = {TrinoCommand.Register.class})
final class TrinoCommand implements Runnable {
    @ParentCommand
    MeterlakeCommand root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw CommandLineErrors.subcommandRequired(spec);
    }

    static String describe(TrinoRegistry.Registration registration) {
        return registration.tables().size() + " tables and "
                + registration.views().size() + " views in "
                + LocalTrino.CATALOG + "." + LocalTrino.SCHEMA + ", access rules for finance and "
                + registration.tenants().size() + " tenants";
    }

    @Command(
            name = "register",
            mixinStandardHelpOptions = true,
            description = {
                "Register the warehouse's tables and views in Trino and rewrite its access rules.",
                "",
                "Register every Meterlake table of the warehouse in schema billing, (re)create the views",
                "current_periods, invoice_lines, usage_hourly and reconciliation, and rewrite the access rules",
                "from the entitlements (a user tenant_<tenant_id> per tenant). Idempotent; run it again after",
                "new tables appear or the entitlements change."
            })
    static final class Register implements Callable<Integer> {
        @ParentCommand
        TrinoCommand trino;

        @Mixin
        ConfigOptions options;

        @Override
        public Integer call() throws Exception {
            MeterlakeCommand root = trino.root;
            LocalTrino server = StackCommand.trino(root.config());
            if (server.process().isEmpty()) {
                throw CliErrors.trinoNotRunning(server.port());
            }
            TrinoRegistry.Registration registration = new TrinoRegistry(server)
                    .register(
                            root.config().warehouse(),
                            Storage.hadoopConfiguration(root.config()),
                            root.config().approvers(),
                            root.config().catalog());
            root.out().println("registered " + describe(registration) + " (" + server.jdbcUrl() + ")");
            root.out().flush();
            return ExitCodes.OK;
        }
    }
}
