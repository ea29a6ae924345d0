package io.meterlake.cli.jobs;

import io.meterlake.cli.options.CommandLineErrors;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code meterlake events ...}: the commands that bring usage events in or look at them as a whole. */
@Command(
        name = "events",
        mixinStandardHelpOptions = true,
        description = {"Usage events: ingest files, send them to Kafka, generate a workload, audit the dedup horizon."})
public final class EventsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw CommandLineErrors.subcommandRequired(spec);
    }
}
