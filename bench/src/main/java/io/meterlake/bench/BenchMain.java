package io.meterlake.bench;

import io.meterlake.cli.options.CommandLineErrors;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code meterlake bench}: benchmarks of the pipeline on this machine, against the machine's limit
 * and peers, in one run each. Every benchmark prints a table and writes
 * {@code bench/results/<name>-<date>.json}.
 */
@Command(
        name = "meterlake bench",
        mixinStandardHelpOptions = true,
        description = {
            "Benchmark the pipeline against the machine's limit and its peers.",
            "",
            "Each benchmark runs its real parts on this machine (a Kafka broker, Spark, Delta), prints a table",
            "and writes bench/results/<name>-<date>.json. Not part of the unit tests; a tiny run of each in the test",
            "suite keeps it working."
        },
        subcommands = {
            GatewayBench.class,
            StreamBench.class,
            FreshnessBench.class,
            StreamGrowthBench.class,
            RecomputeBench.class,
            ScaleBench.class,
            StateBench.class,
            ReadsBench.class,
            UsageApiBench.class,
            NotificationsBench.class
        })
public final class BenchMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(CommandLineErrors.install(new CommandLine(new BenchMain())).execute(args));
    }

    @Override
    public void run() {
        throw CommandLineErrors.subcommandRequired(spec);
    }
}
