package io.meterlake.cli;

import io.meterlake.batch.BatchCommands;
import io.meterlake.config.CommandLineErrors;
import io.meterlake.streaming.StreamCommand;
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
        // The stream command lives in the streaming module, where spark-submit runs it as a main class.
        commandLine.addSubcommand("stream", new StreamCommand(() -> root.global));
        // So do the batch commands, in the batch module.
        BatchCommands.addTo(commandLine, () -> root.global, clock);
        // The HTTP gateway lives in the gateway module; its clock is the ingest time its rules compare.
        commandLine.addSubcommand("gateway", new io.meterlake.gateway.GatewayCommand(() -> root.global, clock));
        return CommandLineErrors.install(commandLine);
    }
}
