package io.meterlake.streaming;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meterlake.config.ConfigOptions;
import io.meterlake.period.Durations;
import io.meterlake.config.FormatOption;
import io.meterlake.config.KafkaOptions;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.config.CommandLineErrors;
import io.meterlake.error.ExitCodes;
import io.meterlake.error.MeterlakeException;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.spark.SparkSessions;
import io.meterlake.streaming.source.KafkaSource;
import io.meterlake.table.Warehouse;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;

/**
 * {@code meterlake stream}: the speed layer ({@link StreamJob}). The same class is the main class
 * under {@code spark-submit}: {@code --class io.meterlake.streaming.StreamCommand app.jar [options]}.
 */
@Command(name = "stream", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the speed layer: Kafka to raw, quarantine and provisional aggregates.", "",
            "Kafka to raw_usage_events and quarantined_events exactly once,",
            "and hourly provisional aggregates (deduplicated within the watermark) by MERGE.", "",
            "With --available-now it processes what the topic holds and exits; otherwise it runs until stopped.",
            "One stream per warehouse: a second one exits 75 naming the running one (host, pid, since when)."})
public final class StreamCommand implements Callable<Integer> {
    private final Supplier<ConfigOptions> outerOptions;

    @Mixin
    ConfigOptions options;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--trigger", paramLabel = "<duration>",
            description = {"Micro-batch interval of the Kafka query, e.g. 10s, 500ms, 2m (default: the stream.trigger",
                "setting, 10s). The provisional aggregates follow each raw commit within a second."})
    String trigger;

    @Option(names = "--available-now", description = "Process what is available now, then exit.")
    boolean availableNow;

    @Option(names = "--checkpoint", paramLabel = "<dir>",
            description = "Checkpoint root (default: <warehouse>/_checkpoints).")
    String checkpoint;

    @Mixin
    FormatOption format;

    @Spec
    CommandLine.Model.CommandSpec spec;

    /** {@code outerOptions}: options given before the command when it runs under {@code meterlake}. */
    public StreamCommand(Supplier<ConfigOptions> outerOptions) {
        this.outerOptions = outerOptions;
    }

    public static void main(String[] args) {
        System.exit(CommandLineErrors.install(new CommandLine(new StreamCommand(ConfigOptions::new))).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (availableNow && trigger != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--trigger and --available-now exclude each other");
        }
        ConfigOptions merged = outerOptions.get().andThen(options);
        if (checkpoint != null) {
            merged = merged.andThen(set("stream.checkpoint", checkpoint));
        }
        MeterlakeConfig config = kafka.applyTo(merged.resolve());
        Duration interval = trigger == null ? config.stream().trigger() : Durations.parse("--trigger", trigger);
        KafkaSource.requireTopic(config.kafka().bootstrapServers(), config.kafka().topic());

        SparkSession spark = SparkSessions.getOrCreate(config, "meterlake-stream");
        Warehouse warehouse = new Warehouse(spark, config.warehouse());
        if (!warehouse.exists(Tables.ENTITLEMENTS)) {
            throw MeterlakeException.badInput("the warehouse " + config.warehouse() + " has no entitlements table",
                    "load one first with 'meterlake entitlements load <file.csv>'");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Timestamp since = new Timestamp(System.currentTimeMillis());
        StreamJob job = new StreamJob(spark, config, Clock.systemUTC(), err);
        if (availableNow) {
            err.println("stream: reading " + config.kafka().topic() + " at " + config.kafka().bootstrapServers()
                    + " until caught up");
            err.flush();
            job.runAvailableNow();
        } else {
            err.println("stream: reading " + config.kafka().topic() + " at " + config.kafka().bootstrapServers()
                    + " every " + interval.toMillis() + " ms; stop with Ctrl-C");
            err.flush();
            job.runContinuously(interval);
        }
        printSummary(out, warehouse, since, format.json());
        return ExitCodes.OK;
    }

    /** What this run recorded in stream_progress, per query. */
    private static void printSummary(PrintWriter out, Warehouse warehouse, Timestamp since, boolean json) {
        List<Row> rows = warehouse.read(Tables.STREAM_PROGRESS).where(col(Columns.RECORDED_AT).geq(lit(since)))
                .groupBy(col(Columns.QUERY))
                .agg(count(lit(1)), sum(col(Columns.RECORDS_IN)), sum(col(Columns.ACCEPTED)),
                        sum(col(Columns.QUARANTINED)), sum(col(Columns.LATE_DROPPED)), max(col(Columns.WATERMARK)))
                .orderBy(col(Columns.QUERY).desc()).collectAsList();
        if (json) {
            List<Map<String, Object>> queries = new ArrayList<>();
            for (Row row : rows) {
                Map<String, Object> query = new LinkedHashMap<>();
                query.put("query", row.getString(0));
                query.put("batches", row.getLong(1));
                query.put("records", row.getLong(2));
                query.put("accepted", row.get(3));
                query.put("quarantined", row.get(4));
                query.put("late", row.get(5));
                query.put("watermark", row.isNullAt(6) ? null : row.getTimestamp(6).toInstant().toString());
                queries.add(query);
            }
            try {
                out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(Map.of("queries", queries)));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            out.flush();
            return;
        }
        out.printf("%-12s %8s %10s %10s %12s %10s  %s%n", "query", "batches", "records", "accepted", "quarantined",
                "late", "watermark");
        for (Row row : rows) {
            out.printf("%-12s %8d %10d %10s %12s %10s  %s%n", row.getString(0), row.getLong(1), row.getLong(2),
                    text(row.get(3)), text(row.get(4)), text(row.get(5)), text(row.get(6)));
        }
        if (rows.isEmpty()) {
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
