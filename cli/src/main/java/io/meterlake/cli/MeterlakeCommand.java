package io.meterlake.cli;

import io.meterlake.cli.options.CommandLineErrors;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.spark.SparkSessions;
import java.io.PrintWriter;
import java.time.Clock;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code meterlake}: the root command. It holds the global options and resolves, once and only
 * when a command needs them, the configuration and the Spark session.
 *
 * @see ConfigOptions
 */
@Command(
        name = "meterlake",
        mixinStandardHelpOptions = true,
        description = "Finance-grade usage metering on Spark and Delta Lake.",
        footer = {
            "",
            "Exit codes: 0 done; 1 the job or check failed; 2 bad usage, config or input; 75 not ready, retry later."
        })
public final class MeterlakeCommand implements Runnable {
    private final Clock clock;
    private MeterlakeConfig config;

    @Mixin
    ConfigOptions global;

    @Spec
    CommandSpec spec;

    public MeterlakeCommand(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void run() {
        throw CommandLineErrors.subcommandRequired(spec);
    }

    /** The root of the command line {@code command} belongs to, at whatever depth it is (grouped or an alias). */
    static MeterlakeCommand of(CommandSpec command) {
        for (CommandSpec at = command; at != null; at = at.parent()) {
            if (at.userObject() instanceof MeterlakeCommand root) {
                return root;
            }
        }
        throw new IllegalStateException("'" + command.qualifiedName() + "' runs under meterlake only");
    }

    public Clock clock() {
        return clock;
    }

    /**
     * The configuration, resolved with this invocation's overrides (see {@link ConfigLoader}). The
     * global options may come before the command or after it (every command mixes them in); the later
     * win, as they do for the batch commands.
     */
    public MeterlakeConfig config() {
        if (config == null) {
            config = options().resolve();
        }
        return config;
    }

    /** This invocation's configuration options, merged in command-line order (later win). */
    public ConfigOptions options() {
        ConfigOptions options = global;
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        while (parsed != null && parsed.hasSubcommand()) {
            parsed = parsed.subcommand();
            for (CommandSpec mixin : parsed.commandSpec().mixins().values()) {
                if (mixin.userObject() instanceof ConfigOptions more) {
                    options = options.andThen(more);
                }
            }
        }
        return options;
    }

    public SparkSession spark(String appName) {
        return SparkSessions.getOrCreate(config(), appName);
    }

    public PrintWriter out() {
        return spec.commandLine().getOut();
    }

    public PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
