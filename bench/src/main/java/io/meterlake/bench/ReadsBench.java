package io.meterlake.bench;

import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.output.Output;
import io.meterlake.period.Period;
import io.meterlake.stack.MeterlakeHome;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench reads}: the commands that only read, each run as a user runs it ({@code bin/meterlake}, its own
 * JVM), against the CLI's own {@code --help} in the same run, over a warehouse with a year of signed history.
 */
@Command(
        name = "reads",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Read commands without Spark: seconds per command against the CLI's own --help.",
            "",
            "Builds a warehouse with --months signed periods (--lines lines each; approved and locked but the",
            "last), 20 tenants' entitlements, the last month's hourly provisional windows of --subscriptions",
            "subscriptions and a tenth of --lines quarantined records a month. Then, after one unmeasured run of",
            "each, runs every read command in turn --runs times with bin/meterlake (a JVM each) and prints the",
            "median seconds and the ratio to --help's median. Goal: every read at most 2x --help."
        })
final class ReadsBench extends Benchmark {
    @Mixin
    SignedHistory history;

    @Option(
            names = "--runs",
            defaultValue = "5",
            paramLabel = "<n>",
            description = "Runs of each command; the median counts (default: ${DEFAULT-VALUE}).")
    int runs;

    @Override
    public Integer call() throws Exception {
        Path work = Files.createTempDirectory("meterlake-bench-reads");
        String warehouse = work.resolve("warehouse").toString();
        MeterlakeConfig config = ConfigLoader.load(
                ConfigLoader.defaultConfDir(), List.of(), Map.of(io.meterlake.config.ConfigKeys.WAREHOUSE, warehouse));
        Period last = history.last();
        progress("building " + history.months + " periods of " + history.lines + " lines, entitlements and "
                + history.subscriptions + " subscriptions' hourly windows in " + warehouse);
        SparkSession spark = SparkSessionsForBench.session(config);
        // The entitlements as of the history's end, whatever the date (the reads' answers depend on nothing else).
        history.build(spark, config, last, Benchmark.entitlements(config, last.end()));
        spark.stop(); // the reads start none, and nothing runs beside them

        List<List<String>> commands = List.of(
                List.of("--help"),
                List.of("periods", "status", "--period", last.toString()),
                List.of("periods", "show", "--period", last.toString(), "--format", "json"),
                List.of("periods", "list"),
                List.of("entitlements", "show"),
                List.of("usage", "--subscription", "sub-0", "--period", last.toString(), "--window", "day"),
                List.of("quarantine", "list"));
        List<Map<String, Object>> rows = new ArrayList<>();
        // One unmeasured run of each (the files and the class archive in the page cache), then the runs in turn,
        // a command after the other: what the machine does meanwhile weighs on every command alike.
        progress("one unmeasured run of each command");
        for (List<String> command : commands) {
            time(work, warehouse, command);
        }
        double[][] measured = new double[commands.size()][runs];
        for (int run = 0; run < runs; run++) {
            progress("run " + (run + 1) + " of " + runs + " of every command");
            for (int c = 0; c < commands.size(); c++) {
                measured[c][run] = time(work, warehouse, commands.get(c));
            }
        }
        double help = 0;
        for (int c = 0; c < commands.size(); c++) {
            List<String> command = commands.get(c);
            double[] seconds = measured[c];
            Arrays.sort(seconds);
            double median = seconds[runs / 2];
            help = command.equals(List.of("--help")) ? median : help;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("command", String.join(" ", command));
            row.put("median_seconds", median);
            row.put("ratio_to_help", median / help);
            rows.add(row);
        }
        Map<String, Object> parameters = history.parameters();
        parameters.put("runs", runs);
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("target_ratio_to_help", 2.0);
        extra.put(
                "worst_ratio_to_help",
                rows.stream()
                        .mapToDouble(r -> (Double) r.get("ratio_to_help"))
                        .max()
                        .orElse(0));
        PrintWriter out = spec.commandLine().getOut();
        if (!report(parameters, rows, extra, out)) {
            List<List<String>> table = new ArrayList<>();
            for (Map<String, Object> row : rows) {
                table.add(List.of(
                        row.get("command").toString(),
                        String.format("%.2f", (Double) row.get("median_seconds")),
                        String.format("%.2f", (Double) row.get("ratio_to_help"))));
            }
            out.println("reads benchmark: " + history.months + " periods of " + history.lines + " lines, "
                    + BenchResults.machine());
            Output.table(out, List.of("command", "median s", "÷ --help"), table);
            out.printf("worst ÷ --help: %.2f (target 2)%n", extra.get("worst_ratio_to_help"));
            out.println("results: " + file);
            out.flush();
        }
        return 0;
    }

    /** Seconds of one bin/meterlake run (exit 0 required). */
    private static double time(Path work, String warehouse, List<String> command) throws Exception {
        List<String> argv = new ArrayList<>();
        argv.add(MeterlakeHome.path().resolve("bin").resolve("meterlake").toString());
        if (!command.equals(List.of("--help"))) {
            argv.addAll(List.of("--warehouse", warehouse));
        }
        argv.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(argv)
                .redirectOutput(work.resolve("out.txt").toFile())
                .redirectError(work.resolve("err.txt").toFile());
        long started = System.nanoTime();
        Process process = builder.start();
        if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw BenchErrors.commandFailed(String.join(" ", command), Files.readString(work.resolve("err.txt")));
        }
        return (System.nanoTime() - started) / 1e9;
    }

    /** A local session for building the warehouse (the reads themselves start none). */
    private static final class SparkSessionsForBench {
        static SparkSession session(MeterlakeConfig config) {
            return io.meterlake.spark.SparkSessions.getOrCreate(config, "meterlake-bench-reads");
        }
    }
}
