package io.meterlake.bench;

import io.meterlake.config.ConfigKeys;
import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.period.Period;
import io.meterlake.schema.Tables;
import io.meterlake.table.Warehouse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.apache.spark.sql.SparkSession;

/**
 * The stream's sink as {@code bench usage-api} needs it: a JVM of its own (as the stream job is beside the gateway)
 * that appends an hour of windows to the provisional table every {@code every} and moves the stream's mark of how
 * fresh they are after it, printing {@code commit N} after each, until its standard input closes; then it ends
 * after the commit under way (no half-written table behind).
 */
final class WindowWriter implements AutoCloseable {
    private final Process process;
    private final BufferedReader said;
    private int commits;

    private WindowWriter(Process process) {
        this.process = process;
        this.said = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Starts the writer and returns once its first commit is in the table. */
    static WindowWriter start(String warehouse, Period period, int subscriptions, Duration every) throws IOException {
        // What Spark needs of this JVM's flags (the module openings, the system properties), not its recordings.
        List<String> flags = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(flag -> flag.startsWith("--add-") || flag.startsWith("-D"))
                .toList();
        List<String> argv = ChildJvm.command(
                flags,
                WindowWriter.class,
                warehouse,
                period.toString(),
                Integer.toString(subscriptions),
                Long.toString(every.toMillis()));
        WindowWriter writer = new WindowWriter(new ProcessBuilder(argv)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start());
        writer.awaitCommit();
        return writer;
    }

    private void awaitCommit() throws IOException {
        for (String line = said.readLine(); line != null; line = said.readLine()) {
            if (line.startsWith("commit ")) {
                commits = Integer.parseInt(line.substring("commit ".length()));
                return;
            }
        }
        throw new IllegalStateException("the window writer ended before its first commit (exit " + waitFor() + ")");
    }

    /** Stops the writer after its commit under way; how many commits it made. */
    @Override
    public void close() throws IOException {
        process.getOutputStream().close();
        for (String line = said.readLine(); line != null; line = said.readLine()) {
            if (line.startsWith("commit ")) {
                commits = Integer.parseInt(line.substring("commit ".length()));
            }
        }
        int exit = waitFor();
        if (exit != 0) {
            throw new IllegalStateException("the window writer failed (exit " + exit + ")");
        }
    }

    int commits() {
        return commits;
    }

    private int waitFor() {
        try {
            return process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return -1;
        }
    }

    /** The child: {@code <warehouse> <period> <subscriptions> <every ms>}. */
    public static void main(String[] args) throws IOException {
        MeterlakeConfig config =
                ConfigLoader.load(ConfigLoader.defaultConfDir(), List.of(), Map.of(ConfigKeys.WAREHOUSE, args[0]));
        Period period = Period.parse(args[1]);
        SignedHistory history = new SignedHistory();
        history.subscriptions = Integer.parseInt(args[2]);
        Duration every = Duration.ofMillis(Long.parseLong(args[3]));
        SparkSession spark = io.meterlake.spark.SparkSessions.getOrCreate(config, "meterlake-bench-window-writer");
        Warehouse warehouse = new Warehouse(spark, config.warehouse());
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread stdin = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // until the parent closes it
                }
            } catch (IOException e) {
                // the parent is gone: stop all the same
            }
            writing.set(false);
        });
        stdin.setDaemon(true);
        stdin.start();
        OutputStream out = System.out;
        for (int k = 0; writing.get(); k++) {
            warehouse.appendIdempotent(
                    spark.createDataFrame(
                            history.windows(period.start().plus(Duration.ofHours(k % 24)), 1, 1000 + k),
                            Tables.PROVISIONAL),
                    Tables.USAGE_AGGREGATES_PROVISIONAL,
                    "bench-writer",
                    k + 1);
            // As the stream does after its commits: its mark of how fresh the windows are (the answers' as_of).
            warehouse.markVisibleThrough(period.start().plusSeconds(10L * (k + 1)));
            out.write(("commit " + (k + 1) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            LockSupport.parkNanos(every.toNanos());
        }
        spark.stop();
        System.exit(0);
    }
}
