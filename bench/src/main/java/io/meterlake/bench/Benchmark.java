package io.meterlake.bench;

import io.meterlake.cli.options.FormatOption;
import io.meterlake.model.BillingLine;
import io.meterlake.output.Output;
import io.meterlake.stack.MeterlakeHome;
import io.meterlake.validation.Quantities;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** What every benchmark shares: where results go, the output format, progress lines, and the arithmetic. */
abstract class Benchmark implements Callable<Integer> {
    @Option(
            names = "--results-dir",
            paramLabel = "<dir>",
            description = "Where the JSON results go (default: bench/results of the installation).")
    Path resultsDir;

    @Mixin
    FormatOption format;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** The results file {@link #report} wrote. */
    Path file;

    void progress(String text) {
        spec.commandLine().getErr().println("bench " + spec.name() + ": " + text);
        spec.commandLine().getErr().flush();
    }

    Path resultsDir() {
        return Optional.ofNullable(resultsDir)
                .orElse(MeterlakeHome.path().resolve("bench").resolve("results"));
    }

    /**
     * Writes the results file; with {@code --format json} also prints them as one object (the
     * parameters, the rows, the extras and the file) and returns true, else returns false for the
     * benchmark to print its table.
     */
    boolean report(
            Map<String, Object> parameters,
            List<Map<String, Object>> rows,
            Map<String, Object> extra,
            PrintWriter out) {
        Path file = BenchResults.write(resultsDir(), spec.name(), Instant.now(), parameters, rows, extra);
        this.file = file;
        if (!format.json()) {
            return false;
        }
        Map<String, Object> json = new LinkedHashMap<>(parameters);
        json.put("results", rows);
        json.putAll(extra);
        json.put("file", file.toString());
        Output.json(out, json);
        return true;
    }

    /** The entitlements of a 20-tenant workload over the default span at {@code now} (what the stream benches bill). */
    static List<io.meterlake.model.Entitlement> entitlements(
            io.meterlake.config.MeterlakeConfig config, java.time.Instant now) {
        return new io.meterlake.workload.WorkloadGenerator(
                        new io.meterlake.workload.WorkloadSpec(
                                1,
                                42,
                                20,
                                io.meterlake.workload.WorkloadGenerator.defaultStart(now),
                                io.meterlake.workload.WorkloadGenerator.defaultDays(now),
                                0,
                                0,
                                0,
                                0),
                        config,
                        now)
                .entitlements();
    }

    /** A warehouse ready for the stream: {@code entitlements} loaded, the stream's tables created. */
    static io.meterlake.table.Warehouse streamWarehouse(
            org.apache.spark.sql.SparkSession spark,
            io.meterlake.config.MeterlakeConfig config,
            List<io.meterlake.model.Entitlement> entitlements) {
        io.meterlake.table.Warehouse warehouse = new io.meterlake.table.Warehouse(spark, config.warehouse());
        warehouse.replaceEntitlements(spark.createDataFrame(
                entitlements.stream().map(io.meterlake.schema.Rows::entitlement).toList(),
                io.meterlake.schema.Tables.ENTITLEMENT));
        warehouse.ensureStreamTables();
        return warehouse;
    }

    /** A billing line as one comparable string, quantity rendered with its 9 fraction digits. */
    static String key(BillingLine line) {
        return String.join(
                " ",
                line.subscriptionId(),
                line.billingAccountId(),
                line.plan(),
                line.metric(),
                line.unit(),
                Quantities.render(line.quantity()),
                Long.toString(line.eventCount()));
    }

    /** Writes the generator's lines into JSONL files {@code <prefix>-0000.jsonl}, ... of {@code perFile} lines each. */
    static List<Path> generate(io.meterlake.workload.WorkloadGenerator generator, Path work, String prefix, int perFile)
            throws java.io.IOException {
        List<Path> files = new java.util.ArrayList<>();
        java.io.BufferedWriter[] writer = {null};
        long[] written = {0};
        try {
            generator.generate(line -> {
                try {
                    if (written[0] % perFile == 0) {
                        if (writer[0] != null) {
                            writer[0].close();
                        }
                        Path file = work.resolve(String.format("%s-%04d.jsonl", prefix, files.size()));
                        files.add(file);
                        writer[0] =
                                java.nio.file.Files.newBufferedWriter(file, java.nio.charset.StandardCharsets.UTF_8);
                    }
                    writer[0].write(line);
                    writer[0].write('\n');
                    written[0]++;
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } finally {
            if (writer[0] != null) {
                writer[0].close();
            }
        }
        return files;
    }

    /** How fast Meterlake is relative to a pipeline that took {@code other}: other's time ÷ Meterlake's. */
    /** The {@code q} quantile (0.5, 0.99) of sorted nanoseconds, in milliseconds: the nearest rank below. */
    static double percentileMillis(long[] sorted, double q) {
        return sorted[(int) Math.floor(q * (sorted.length - 1))] / 1e6;
    }

    static double ratio(Duration other, Duration ours) {
        return Math.round(seconds(other) / seconds(ours) * 1000) / 1000.0;
    }

    /** Deletes a benchmark's temporary directory and everything in it. */
    static void deleteTree(Path dir) {
        try (java.util.stream.Stream<Path> paths = java.nio.file.Files.walk(dir)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.deleteIfExists(path);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot delete " + dir, e);
        }
    }

    static double seconds(Duration duration) {
        return Math.max(duration.toNanos(), 1) / 1e9;
    }
}
