package io.meterlake.cli.jobs;

import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.spark.SparkSessions;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/**
 * What the batch commands share: the configuration options (given before the command under
 * {@code meterlake}, or after it), the clock, and the output streams.
 */
abstract class BatchCommand implements Callable<Integer> {
    private final Supplier<ConfigOptions> outerOptions;
    private final Clock clock;

    @Mixin
    ConfigOptions options;

    @Spec
    CommandLine.Model.CommandSpec spec;

    BatchCommand(Supplier<ConfigOptions> outerOptions, Clock clock) {
        this.outerOptions = outerOptions;
        this.clock = clock;
    }

    MeterlakeConfig config() {
        return outerOptions.get().andThen(options).resolve();
    }

    /**
     * The configuration of a command that only reads: a local warehouse directory that does not exist is a
     * mistyped {@code --warehouse} (exit 2, naming it), not an empty warehouse to report on.
     */
    MeterlakeConfig existingWarehouse() {
        MeterlakeConfig config = config();
        if (MeterlakeConfig.localDirectory(config.warehouse())
                .filter(dir -> !java.nio.file.Files.isDirectory(dir))
                .isPresent()) {
            throw io.meterlake.cli.options.CliErrors.noWarehouse(config.warehouse());
        }
        return config;
    }

    SparkSession spark(MeterlakeConfig config) {
        return SparkSessions.getOrCreate(config, "meterlake-" + spec.name());
    }

    /** The closing of the books over the configuration's warehouse and approvers. */
    io.meterlake.batch.publish.Closing closing(MeterlakeConfig config) {
        return new io.meterlake.batch.publish.Closing(
                spark(config), new io.meterlake.table.Warehouse(spark(config), config.warehouse()), config.approvers());
    }

    /**
     * The warehouse's small tables read without Spark (Delta Kernel): what the commands that only read use, so
     * they answer in about a second ({@code SparkSessions.requests()} stays as it was).
     */
    io.meterlake.table.DeltaReads reads(MeterlakeConfig config) {
        return new io.meterlake.table.DeltaReads(
                io.meterlake.storage.Storage.hadoopConfiguration(config), config.warehouse());
    }

    Clock clock() {
        return clock;
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    void progress(String text) {
        err().println(spec.name() + ": " + text);
        err().flush();
    }
}
