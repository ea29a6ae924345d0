package io.meterlake.cli;

import io.meterlake.cli.jobs.Jobs;
import io.meterlake.cli.options.CommandLineErrors;
import picocli.CommandLine;

import java.time.Clock;

/** Entry point of {@code bin/meterlake}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(createCommandLine(Clock.systemUTC()).execute(args));
    }

    /** The command line with every command and Meterlake's error handling ({@link CommandLineErrors}). */
    public static CommandLine createCommandLine(Clock clock) {
        MeterlakeCommand root = new MeterlakeCommand(clock);
        CommandLine commandLine = new CommandLine(root);
        // The commands spark-submit also runs (the application jar's main class is Jobs).
        Jobs.addTo(commandLine, () -> root.global, clock);
        // The HTTP gateway; its clock is the ingest time its rules compare.
        commandLine.addSubcommand("gateway", new GatewayCommand(() -> root.global, clock));
        return CommandLineErrors.install(commandLine);
    }
}
