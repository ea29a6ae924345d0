package io.meterlake.cli.jobs;

import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.cli.options.KafkaOptions;
import io.meterlake.cli.options.MetricsOption;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.output.Output;
import io.meterlake.period.Durations;
import io.meterlake.schema.Tables;
import io.meterlake.spark.SparkSessions;
import io.meterlake.streaming.StreamJob;
import io.meterlake.streaming.StreamSummary;
import io.meterlake.streaming.source.KafkaSource;
import io.meterlake.table.Warehouse;
import io.meterlake.table.WarehouseErrors;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meterlake stream}: the speed layer ({@link StreamJob}); under {@code spark-submit}:
 * {@code --class io.meterlake.cli.jobs.Jobs meterlake-cli-app.jar stream [options]}.
 */
@Command(
        name = "stream",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Run the speed layer: Kafka to raw, quarantine and provisional aggregates.",
            "",
            "Kafka to raw_usage_events and quarantined_events exactly once,",
            "and hourly provisional aggregates (deduplicated within the watermark) by MERGE.",
            "",
            "With --available-now it processes what the topic holds and exits; otherwise it runs until stopped.",
            "One stream per warehouse: a second one exits 75 naming the running one (host, pid, since when)."
        })
public final class StreamCommand implements Callable<Integer> {
    private final Supplier<ConfigOptions> outerOptions;

    @Mixin
    ConfigOptions options;

    @Mixin
    KafkaOptions kafka;

    @Option(
            names = "--trigger",
            paramLabel = "<duration>",
            description = {
                "Micro-batch interval of the Kafka query, e.g. 10s, 500ms, 2m (default: the stream.trigger",
                "setting, 10s). The provisional aggregates follow each raw commit within a second."
            })
    String trigger;

    @Option(names = "--available-now", description = "Process what is available now, then exit.")
    boolean availableNow;

    @Option(
            names = "--checkpoint",
            paramLabel = "<dir>",
            description = "Checkpoint root (default: <warehouse>/_checkpoints).")
    String checkpoint;

    @Mixin
    MetricsOption metrics;

    @Mixin
    FormatOption format;

    @Spec
    CommandLine.Model.CommandSpec spec;

    /** {@code outerOptions}: options given before the command when it runs under {@code meterlake}. */
    public StreamCommand(Supplier<ConfigOptions> outerOptions) {
        this.outerOptions = outerOptions;
    }

    @Override
    public Integer call() throws Exception {
        if (availableNow && trigger != null) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--trigger and --available-now exclude each other");
        }
        metrics.check();
        ConfigOptions merged = outerOptions.get().andThen(options);
        if (checkpoint != null) {
            merged = merged.andThen(set("stream.checkpoint", checkpoint));
        }
        MeterlakeConfig config = kafka.applyTo(merged.resolve());
        Duration interval = trigger == null ? config.stream().trigger() : Durations.parse("--trigger", trigger);
        KafkaSource.requireTopic(
                config.kafka().bootstrapServers(), config.kafka().topic());

        SparkSession spark = SparkSessions.getOrCreate(config, "meterlake-stream");
        Warehouse warehouse = new Warehouse(spark, config.warehouse());
        if (!warehouse.exists(Tables.ENTITLEMENTS)) {
            throw WarehouseErrors.noEntitlements(config.warehouse(), "the stream's records");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Instant since = Instant.now();
        StreamJob job = new StreamJob(
                spark,
                config,
                Clock.systemUTC(),
                err,
                new io.meterlake.batch.limits.LimitNotifier(config, Clock.systemUTC()));
        com.sun.net.httpserver.HttpServer server = metrics.serve(job.metrics().exposition());
        try {
            if (server != null) {
                err.println("stream: " + metrics.where(server));
            }
            if (availableNow) {
                err.println("stream: reading " + config.kafka().topic() + " at "
                        + config.kafka().bootstrapServers() + " until caught up");
                err.flush();
                job.runAvailableNow();
            } else {
                err.println("stream: reading " + config.kafka().topic() + " at "
                        + config.kafka().bootstrapServers() + " every " + interval.toMillis()
                        + " ms; stop with Ctrl-C");
                err.flush();
                job.runContinuously(interval);
            }
        } finally {
            if (server != null) {
                server.stop(0);
            }
        }
        printSummary(out, warehouse, since, format.json());
        return ExitCodes.OK;
    }

    /** What this run recorded in stream_progress, per query. */
    private static void printSummary(PrintWriter out, Warehouse warehouse, Instant since, boolean json) {
        List<StreamSummary> queries = StreamSummary.since(warehouse, since);
        if (json) {
            List<Map<String, Object>> array = new ArrayList<>();
            for (StreamSummary query : queries) {
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("query", query.query());
                item.put("batches", query.batches());
                item.put("records", query.records());
                item.put("accepted", query.accepted());
                item.put("quarantined", query.quarantined());
                item.put("late", query.late());
                item.put(
                        "watermark",
                        query.watermark() == null ? null : query.watermark().toString());
                array.add(item);
            }
            Output.json(out, Map.of("queries", array));
            return;
        }
        out.printf(
                "%-12s %8s %10s %10s %12s %10s  %s%n",
                "query", "batches", "records", "accepted", "quarantined", "late", "watermark");
        for (StreamSummary query : queries) {
            out.printf(
                    "%-12s %8d %10d %10s %12s %10s  %s%n",
                    query.query(),
                    query.batches(),
                    query.records(),
                    text(query.accepted()),
                    text(query.quarantined()),
                    text(query.late()),
                    text(query.watermark()));
        }
        if (queries.isEmpty()) {
            out.println("(no new records)");
        }
        out.flush();
    }

    private static String text(Object value) {
        return value == null ? "-" : value.toString();
    }

    private static ConfigOptions set(String key, String value) {
        ConfigOptions options = new ConfigOptions();
        new CommandLine(options).parseArgs("--set", key + "=" + value);
        return options;
    }
}
