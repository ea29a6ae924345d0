package io.meterlake.cli.jobs;

import io.meterlake.cli.options.CommandLineErrors;
import io.meterlake.cli.options.ConfigOptions;
import java.time.Clock;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The commands that run Spark jobs: the speed layer's {@code stream} and the batch layer's ({@code periods
 * reconcile|publish|verify|approve|lock|statement|show|ready|status}, {@code events dedup-audit},
 * {@code quarantine list|replay}, {@code corrections void}, {@code maintain}), added to {@code meterlake} and,
 * under {@code spark-submit}, run by this class's {@code main}, the main class of the application jar
 * {@code meterlake-cli-app.jar}:
 * {@code --class io.meterlake.cli.jobs.Jobs meterlake-cli-app.jar periods reconcile --period 2026-10}.
 */
@Command(
        name = "meterlake-jobs",
        mixinStandardHelpOptions = true,
        description = "Meterlake's Spark jobs: stream, events, periods, quarantine, corrections, maintain.",
        footer = {
            "",
            "Exit codes: 0 done; 1 the job or check failed; 2 bad usage, config or input; 75 not ready, retry later."
        })
public final class Jobs implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        CommandLine commandLine = new CommandLine(new Jobs());
        addTo(commandLine, ConfigOptions::new, Clock.systemUTC());
        System.exit(CommandLineErrors.install(commandLine).execute(args));
    }

    /**
     * Adds the Spark jobs to {@code commandLine}, grouped by what they act on ({@code events}, {@code periods},
     * {@code quarantine}, {@code corrections}); {@code outerOptions}: options given before the command. The
     * commands that moved into a group keep their old top-level names as hidden aliases ({@link #grouped}).
     */
    public static void addTo(CommandLine commandLine, Supplier<ConfigOptions> outerOptions, Clock clock) {
        commandLine.addSubcommand("stream", new StreamCommand(outerOptions));
        commandLine.addSubcommand("usage", new UsageCommand(outerOptions, clock));
        CommandLine events = group(commandLine, new EventsCommand());
        grouped(commandLine, events, () -> new DedupAuditCommand(outerOptions, clock));
        CommandLine periods = group(commandLine, new PeriodsCommand());
        grouped(commandLine, periods, () -> new ReconcileCommand(outerOptions, clock));
        grouped(commandLine, periods, () -> new PublishCommand(outerOptions, clock));
        grouped(commandLine, periods, () -> new VerifyCommand(outerOptions, clock));
        grouped(commandLine, periods, () -> new ApproveCommand(outerOptions, clock));
        grouped(commandLine, periods, () -> new LockCommand(outerOptions, clock));
        grouped(commandLine, periods, () -> new StatementCommand(outerOptions, clock));
        periods.addSubcommand("show", new PeriodsCommand.Show(outerOptions, clock));
        periods.addSubcommand("ready", new PeriodsCommand.Ready(outerOptions, clock));
        periods.addSubcommand("status", new PeriodsCommand.Status(outerOptions, clock));
        periods.addSubcommand("list", new PeriodsCommand.ListPeriods(outerOptions, clock));
        CommandLine quarantine = group(commandLine, new QuarantineCommand());
        quarantine.addSubcommand("list", new QuarantineCommand.ListRecords(outerOptions, clock));
        quarantine.addSubcommand("replay", new QuarantineCommand.Replay(outerOptions, clock));
        CommandLine corrections = group(commandLine, new CorrectionsCommand());
        corrections.addSubcommand("void", new CorrectionsCommand.Void(outerOptions, clock));
        commandLine.addSubcommand("maintain", new MaintainCommand(outerOptions, clock));
        CommandLine notifications = group(commandLine, new NotificationsCommand());
        notifications.addSubcommand("list", new NotificationsCommand.ListNotifications(outerOptions, clock));
        notifications.addSubcommand("deliver", new DeliverCommand(outerOptions, clock));
        notifications.addSubcommand("deliveries", new NotificationsCommand.Deliveries(outerOptions, clock));
        notifications.addSubcommand("redeliver", new DeliverCommand.Redeliver(outerOptions, clock));
        CommandLine endpoints = group(notifications, new EndpointsCommand());
        endpoints.addSubcommand("add", new EndpointsCommand.Add(outerOptions, clock));
        endpoints.addSubcommand("list", new EndpointsCommand.ListEndpoints(outerOptions, clock));
        endpoints.addSubcommand("remove", new EndpointsCommand.Remove(outerOptions, clock));
    }

    /** Adds a command that only groups others; returns it, to add them to. */
    public static CommandLine group(CommandLine commandLine, Object groupCommand) {
        CommandLine group = new CommandLine(groupCommand);
        commandLine.addSubcommand(group);
        return group;
    }

    /**
     * Adds a command to {@code group} and, hidden from the help, under its old name at the top, so scripts
     * written before the commands were grouped keep working ({@code meterlake publish} is
     * {@code meterlake periods publish}). Each place gets its own instance: picocli binds options to one.
     */
    public static void grouped(CommandLine root, CommandLine group, Supplier<?> command) {
        group.addSubcommand(command.get());
        CommandLine alias = new CommandLine(command.get());
        root.addSubcommand(alias);
        alias.getCommandSpec().usageMessage().hidden(true);
    }

    @Override
    public void run() {
        throw CommandLineErrors.subcommandRequired(spec);
    }
}
