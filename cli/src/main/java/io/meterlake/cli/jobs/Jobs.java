package io.meterlake.cli.jobs;

import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.CommandLineErrors;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.time.Clock;
import java.util.function.Supplier;

/**
 * The commands that run Spark jobs: the speed layer's {@code stream} and the batch layer's ({@code reconcile},
 * {@code publish}, {@code verify}, {@code approve}, {@code lock}, {@code statement}, {@code periods},
 * {@code maintain}, {@code dedup-audit}, {@code quarantine}, {@code corrections}), added to {@code meterlake}
 * and, under {@code spark-submit}, run by this class's {@code main}, the main class of the application jar
 * {@code meterlake-cli-app.jar}: {@code --class io.meterlake.cli.jobs.Jobs meterlake-cli-app.jar reconcile --period 2026-10}.
 */
@Command(name = "meterlake-jobs", mixinStandardHelpOptions = true,
        description = "Meterlake's Spark jobs: stream, reconcile, publish, verify, approve, lock, statement, periods, maintain, dedup-audit, quarantine, corrections.",
        footer = {"", "Exit codes: 0 done; 1 the job or check failed; 2 bad usage, config or input; 75 not ready, retry later."})
public final class Jobs implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        CommandLine commandLine = new CommandLine(new Jobs());
        addTo(commandLine, ConfigOptions::new, Clock.systemUTC());
        System.exit(CommandLineErrors.install(commandLine).execute(args));
    }

    /** Adds the batch commands to {@code commandLine}; {@code outerOptions}: options given before the command. */
    public static void addTo(CommandLine commandLine, Supplier<ConfigOptions> outerOptions, Clock clock) {
        commandLine.addSubcommand("stream", new StreamCommand(outerOptions));
        commandLine.addSubcommand("reconcile", new ReconcileCommand(outerOptions, clock));
        commandLine.addSubcommand("publish", new PublishCommand(outerOptions, clock));
        commandLine.addSubcommand("verify", new VerifyCommand(outerOptions, clock));
        commandLine.addSubcommand("approve", new ApproveCommand(outerOptions, clock));
        commandLine.addSubcommand("lock", new LockCommand(outerOptions, clock));
        commandLine.addSubcommand("statement", new StatementCommand(outerOptions, clock));
        CommandLine periods = new CommandLine(new PeriodsCommand());
        periods.addSubcommand("show", new PeriodsCommand.Show(outerOptions, clock));
        periods.addSubcommand("ready", new PeriodsCommand.Ready(outerOptions, clock));
        periods.addSubcommand("status", new PeriodsCommand.Status(outerOptions, clock));
        commandLine.addSubcommand("periods", periods);
        commandLine.addSubcommand("maintain", new MaintainCommand(outerOptions, clock));
        commandLine.addSubcommand("dedup-audit", new DedupAuditCommand(outerOptions, clock));
        CommandLine quarantine = new CommandLine(new QuarantineCommand());
        quarantine.addSubcommand("list", new QuarantineCommand.ListRecords(outerOptions, clock));
        quarantine.addSubcommand("replay", new QuarantineCommand.Replay(outerOptions, clock));
        commandLine.addSubcommand("quarantine", quarantine);
        CommandLine corrections = new CommandLine(new CorrectionsCommand());
        corrections.addSubcommand("void", new CorrectionsCommand.Void(outerOptions, clock));
        commandLine.addSubcommand("corrections", corrections);
    }

    @Override
    public void run() {
        throw CommandLineErrors.subcommandRequired(spec);
    }
}
