package io.meterlake.cli;

import io.meterlake.cli.jobs.Jobs;
import io.meterlake.cli.options.CommandLineErrors;
import java.time.Clock;
import picocli.CommandLine;

/** Entry point of {@code bin/meterlake}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(createCommandLine(Clock.systemUTC()).execute(args));
    }

    /**
     * The command line with every command, grouped by what it acts on (the old flat names are hidden aliases:
     * {@link Jobs#grouped}), and Meterlake's error handling ({@link CommandLineErrors}).
     */
    public static CommandLine createCommandLine(Clock clock) {
        MeterlakeCommand root = new MeterlakeCommand(clock);
        CommandLine commandLine = new CommandLine(root);
        commandLine.addSubcommand(new DemoCommand());
        commandLine.addSubcommand(new StackCommand());
        // The commands spark-submit also runs (the application jar's main class is Jobs).
        Jobs.addTo(commandLine, () -> root.global, clock);
        CommandLine events = commandLine.getSubcommands().get("events");
        Jobs.grouped(commandLine, events, IngestCommand::new);
        Jobs.grouped(commandLine, events, ProduceCommand::new);
        Jobs.grouped(commandLine, events, GenerateCommand::new);
        // The HTTP gateway; its clock is the ingest time its rules compare.
        commandLine.addSubcommand("gateway", new GatewayCommand(() -> root.global, clock));
        commandLine.addSubcommand(new EntitlementsCommand());
        commandLine.addSubcommand(new LimitsCommand());
        commandLine.addSubcommand(new KeysCommand());
        CommandLine trino = Jobs.group(commandLine, new TrinoCommand());
        Jobs.grouped(commandLine, trino, SqlCommand::new);
        return CommandLineErrors.install(commandLine);
    }
}
