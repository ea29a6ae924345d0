package io.meterlake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meterlake.period.Period;
import io.meterlake.stack.FreePorts;
import io.meterlake.workload.Truth;
import io.meterlake.workload.TruthJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The real {@code bin/meterlake}, as a user runs it, each command in its own JVM. The tests are
 * independent (each its own directory, warehouse and ports) and mostly wait for the JVMs they start,
 * so two run at a time ({@code @Execution(CONCURRENT)} on each test, not on the class: on the class it
 * would also run beside the other classes of this JVM).
 */
class LauncherIT {
    private static final Path LAUNCHER =
            Path.of("..", "bin", "meterlake").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    record Result(int exitCode, String out, String err) {}

    private Result run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(LAUNCHER.toString());
        command.addAll(List.of(args));
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!process.waitFor(8, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("bin/meterlake " + String.join(" ", args) + " did not finish in 8 minutes");
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    /**
     * The local stack through the launcher: start, status with the broker's port, stop; and a stream that
     * cannot reach Kafka says so in one line, in bounded time (exit 75: retry later). What the stream does with what it
     * reads, {@code produce} and a second run that writes nothing are in {@code StreamExactlyOnceIT}.
     */
    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void theStackStartsReportsAndStopsAndAnUnreachableBrokerIsOneLine() throws Exception {
        int port = FreePorts.next();
        String[] stack = {
            "--set",
            "stack.dir=" + dir.resolve("stack"),
            "--set",
            "stack.kafka-port=" + port,
            "--set",
            "stack.kafka-controller-port=" + FreePorts.next(),
            "--set",
            "kafka.bootstrap-servers=127.0.0.1:" + port,
            "--warehouse",
            "W"
        };
        Result started = run(concat(stack, "stack", "start"));
        assertThat(started.exitCode()).as(started.err()).isZero();
        assertThat(started.err()).contains("stack: starting Kafka on 127.0.0.1:" + port);
        try {
            assertThat(run(concat(stack, "stack", "status")).out()).contains("running", "127.0.0.1:" + port);
            // Again while it runs: it says so, and does not claim to be starting anything.
            Result again = run(concat(stack, "stack", "start"));
            assertThat(again.exitCode()).as(again.err()).isZero();
            assertThat(again.out()).startsWith("kafka already running on 127.0.0.1:" + port);
            assertThat(again.err()).doesNotContain("starting");
        } finally {
            assertThat(run(concat(stack, "stack", "stop")).out()).contains("kafka stopped");
        }
        assertThat(run(concat(stack, "stack", "status")).exitCode()).isEqualTo(1);

        long before = System.nanoTime();
        Result unreachable = run(concat(stack, "stream", "--available-now", "--bootstrap-servers", "127.0.0.1:1"));
        assertThat(unreachable.exitCode()).as("retry later").isEqualTo(75);
        assertThat(unreachable.err())
                .startsWith("meterlake: cannot reach Kafka at 127.0.0.1:1")
                .hasLineCount(1);
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - before)).isLessThan(java.time.Duration.ofSeconds(60));
    }

    private static String[] concat(String[] first, String... more) {
        String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }

    /**
     * File ingest through the launcher: a full disk is one line (exit 1), and once space is freed the same
     * command ingests the contract file with every record accounted for, reason by reason, as the truth says.
     */
    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void aFullDiskIsOneLineAndFreeingSpaceCompletesTheIngestExactlyOnce() throws Exception {
        Result generated = run(
                "generate",
                "--events",
                "5000",
                "--seed",
                "9",
                "--out",
                "events.jsonl",
                "--entitlements-out",
                "e.csv",
                "--truth-out",
                "truth.json");
        assertThat(generated.exitCode()).as(generated.err()).isZero();
        Truth truth = TruthJson.read(dir.resolve("truth.json"));
        // A real file system that fills up: a 4 MiB tmpfs (the tests run as root, as CI does).
        Path disk = Files.createDirectories(dir.resolve("small-disk"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", disk.toString())
                .redirectErrorStream(true)
                .start();
        assertThat(mount.waitFor(30, TimeUnit.SECONDS) && mount.exitValue() == 0)
                .as("mounting a tmpfs needs root: "
                        + new String(mount.getInputStream().readAllBytes()))
                .isTrue();
        try {
            String warehouse = disk.resolve("W").toString();
            assertThat(run("--warehouse", warehouse, "entitlements", "load", "e.csv")
                            .exitCode())
                    .isZero();
            Path filler = Files.write(disk.resolve("filler"), new byte[3 * 1024 * 1024]);

            Result full = run("--warehouse", warehouse, "ingest", "events.jsonl");

            assertThat(full.exitCode()).as(full.err()).isEqualTo(1);
            List<String> problems = full.err()
                    .lines()
                    .filter(line -> !line.startsWith("ingest "))
                    .toList();
            assertThat(problems).as(full.err()).hasSize(1);
            assertThat(problems.get(0))
                    .startsWith("meterlake: No space left on device while writing file:" + disk)
                    .contains("free space there and run the same command again");

            Files.delete(filler);
            Result again = run("--warehouse", warehouse, "ingest", "events.jsonl", "--format", "json");

            assertThat(again.exitCode()).as(again.err()).isZero();
            JsonNode report = new ObjectMapper().readTree(again.out());
            assertThat(report.get("records").longValue()).isEqualTo(5000);
            assertThat(report.get("accepted").longValue()).isEqualTo(truth.accepted());
            // What the tables hold for the file, whichever attempt wrote it: every record once.
            JsonNode stored = report.get("stored");
            long quarantined = 0;
            for (JsonNode n : stored.get("quarantined")) {
                quarantined += n.longValue();
            }
            assertThat(stored.get("accepted").longValue()).isEqualTo(truth.accepted());
            assertThat(stored.get("accepted").longValue() + quarantined).isEqualTo(5000);
            truth.quarantined()
                    .forEach((reason, n) -> assertThat(
                                    stored.get("quarantined").get(reason).longValue())
                            .as(reason)
                            .isEqualTo(n));
            assertThat(disk.resolve("W").resolve("raw_usage_events").resolve("_delta_log"))
                    .isDirectory();
        } finally {
            new ProcessBuilder("umount", "-l", disk.toString()).start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void badInputGetsOneReadableLineAndExit2() throws Exception {
        Files.writeString(dir.resolve("bad.csv"), "entitlement_id,tenant_id\n1,2\n");

        Files.writeString(dir.resolve("e.jsonl"), "{}\n");
        Files.writeString(
                dir.resolve("good.csv"),
                "entitlement_id,subscription_id,billing_account_id,tenant_id,app_id,"
                        + "plan,valid_from,valid_to\ne-1,s-1,a-1,acme,app-1,standard,2026-01-01T00:00:00Z,\n");
        Files.writeString(dir.resolve("a-file"), "x");
        for (Result result : List.of(
                run("ingest", "missing.jsonl"),
                run("entitlements", "load", "bad.csv"),
                run("--set", "validation.max-event-age=ninety", "ingest", "missing.jsonl"),
                run("frobnicate"),
                run("--set", "spark.master=bogus", "ingest", "e.jsonl"),
                run("--warehouse", "a-file/warehouse", "entitlements", "load", "good.csv"),
                run("--warehouse", "a-file", "periods", "show", "--period", "2026-10"),
                run("demo", "--period", "2026-13"),
                run("ingest", "e.jsonl", "--set", "publish.grace=soon"))) {
            assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
            assertThat(result.err())
                    .startsWith("meterlake: ")
                    .doesNotContain("\tat ")
                    .doesNotContain("Exception");
            assertThat(result.err().lines().count()).as(result.err()).isEqualTo(1);
        }
    }

    /** bin/meterlake with {@code args}, killed (SIGKILL) as soon as {@code killWhen} holds; true if it was. */
    private boolean killed(java.util.function.BooleanSupplier killWhen, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(dir.resolve("killed.out").toFile())
                .redirectError(dir.resolve("killed.err").toFile())
                .start();
        org.awaitility.Awaitility.await(String.join(" ", args))
                .atMost(java.time.Duration.ofMinutes(5))
                .pollInterval(java.time.Duration.ofMillis(20))
                .until(() -> killWhen.getAsBoolean() || !process.isAlive());
        boolean alive = process.isAlive();
        process.destroyForcibly(); // SIGKILL: no shutdown hooks
        process.waitFor();
        return alive;
    }

    private boolean newCommit(String table, long after) {
        return Files.exists(
                dir.resolve("W").resolve(table).resolve("_delta_log").resolve(String.format("%020d.json", after + 1)));
    }

    private long version(String table) throws IOException {
        try (var files = Files.list(dir.resolve("W").resolve(table).resolve("_delta_log"))) {
            return files.map(f -> f.getFileName().toString())
                    .filter(name -> name.matches("[0-9]{20}\\.json"))
                    .mapToLong(name -> Long.parseLong(name.substring(0, 20)))
                    .max()
                    .orElse(-1);
        }
    }

    private static JsonNode live(String... args) throws IOException {
        CommandLineTest.Run run = CommandLineTest.Run.at(CommandLineTest.LIVE, args);
        assertThat(run.exitCode()).as(run.err()).isZero();
        return new ObjectMapper().readTree(run.out());
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void aReplayAndABulkVoidKilledMidWayCompleteOnceWhenRunAgain() throws Exception {
        // Set up in process, on the real clock (bin/meterlake runs on it): a tenant's entitlements arrive late.
        String w = dir.resolve("W").toString();
        assertThat(CommandLineTest.Run.at(
                                CommandLineTest.LIVE,
                                "generate",
                                "--events",
                                "800",
                                "--seed",
                                "21",
                                "--late-entitlements",
                                "1",
                                "--early-entitlements-out",
                                dir.resolve("early.csv").toString(),
                                "--out",
                                dir.resolve("events.jsonl").toString(),
                                "--entitlements-out",
                                dir.resolve("e.csv").toString(),
                                "--truth-out",
                                dir.resolve("truth.json").toString())
                        .exitCode())
                .isZero();
        Truth truth = TruthJson.read(dir.resolve("truth.json"));
        String period = truth.lines().stream()
                .collect(java.util.stream.Collectors.groupingBy(
                        Truth.Line::period, java.util.stream.Collectors.counting()))
                .entrySet()
                .stream()
                .max(java.util.Map.Entry.comparingByValue())
                .orElseThrow()
                .getKey();
        CommandLineTest.Run.at(
                CommandLineTest.LIVE,
                "--warehouse",
                w,
                "entitlements",
                "load",
                dir.resolve("early.csv").toString());
        live("--warehouse", w, "ingest", dir.resolve("events.jsonl").toString(), "--format", "json");
        CommandLineTest.Run.at(
                CommandLineTest.LIVE,
                "--warehouse",
                w,
                "entitlements",
                "load",
                dir.resolve("e.csv").toString());
        long expected = truth.accepted() - truth.beforeLateEntitlements().accepted();
        assertThat(expected).isPositive();

        // The replay, killed the moment its raw append commits (before its resolutions), then run again.
        long raw = version("raw_usage_events");
        boolean wasKilled = killed(() -> newCommit("raw_usage_events", raw), "--warehouse", w, "quarantine", "replay");
        JsonNode again = live("--warehouse", w, "quarantine", "replay", "--format", "json");
        JsonNode conservation = again.get("conservation");
        assertThat(conservation.get("replayed_into_raw").asLong())
                .as("killed: " + wasKilled)
                .isEqualTo(expected);
        assertThat(conservation.get("holds").asBoolean()).isTrue();
        assertThat(conservation.get("received").asLong()).isEqualTo(truth.records());
        assertThat(conservation.get("open").asLong()).isEqualTo(truth.records() - truth.accepted());
        assertThat(live("--warehouse", w, "quarantine", "replay", "--format", "json")
                        .get("accepted")
                        .asLong())
                .as("again: nothing")
                .isZero();

        // A bulk void, killed the moment its file's first append commits, then run again, then once more.
        String[] bulk = {
            "--warehouse",
            w,
            "corrections",
            "void",
            "--source",
            "forge-kvs",
            "--tenant",
            "tenant-002",
            "--from",
            Period.parse(period).start().toString(),
            "--to",
            Period.parse(period).end().toString(),
            "--reason",
            "double-sent"
        };
        JsonNode dry = live(concat(bulk, "--dry-run", "--format", "json"));
        long selected = dry.get("selected").asLong();
        assertThat(selected).isPositive();
        long quarantine = version("quarantined_events");
        boolean voidKilled = killed(() -> newCommit("quarantined_events", quarantine), bulk);
        live(concat(bulk, "--format", "json"));
        assertThat(live(concat(bulk, "--dry-run", "--format", "json"))
                        .get("selected")
                        .asLong())
                .as("killed: " + voidKilled + "; everything selected is void")
                .isZero();
        JsonNode reconciled = live("--warehouse", w, "reconcile", "--period", period, "--format", "json");
        assertThat(reconciled.get("corrections").get("APPLIED").asLong())
                .as("each void once")
                .isEqualTo(selected);
        assertThat(reconciled.get("corrections").get("SUPERSEDED").asLong()).isZero();
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void demoRunsToTheEndOnTheEmbeddedDefault() throws Exception {
        int port = FreePorts.next();
        Result demo = run(
                "--set",
                "stack.kafka-port=" + port,
                "--set",
                "stack.kafka-controller-port=" + FreePorts.next(),
                "--set",
                "kafka.bootstrap-servers=127.0.0.1:" + port,
                "demo",
                "--events",
                "2000");

        assertThat(demo.exitCode()).as(demo.err()).isZero();
        assertThat(demo.out())
                .contains(
                        "records",
                        "accepted",
                        "quarantine reason",
                        "provisional usage",
                        "stream progress",
                        "reconciliation of",
                        "MATCH",
                        "signed billing period, published now",
                        "revision 1",
                        "signed by key",
                        "verified ",
                        "recomputed from raw_usage_events",
                        "the stream's ingest and the signed period",
                        "match the generator's truth: 2000 records",
                        "quarantine replay, once the late tenant's entitlements were loaded",
                        "replayed from quarantine",
                        // The workload's voids and amends: applied by the recompute, never by the stream.
                        "CORRECTED",
                        "corrections applied and",
                        "corrections not applied:",
                        "CORRECTION_FIELDS_DIFFER");
        // Times in ISO-8601 UTC as everywhere else, and no epoch watermark before the engine has one.
        assertThat(demo.out())
                .doesNotContain("1970-")
                .doesNotContainPattern("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d");
        assertThat(demo.err())
                .contains(
                        "demo: 1/8 stack start", "demo: 5/8 entitlements load", "demo: 8/8 verify", "demo: stack stop");
        assertThat(dir.resolve("demo").resolve("signing-key.pub.pem")).isRegularFile();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(dir.resolve("demo").resolve("signing-key.pem"))))
                .isEqualTo("rw-------");
        assertThat(dir.resolve("warehouse").resolve("billing_periods")).isDirectory();
        assertThat(dir.resolve("warehouse").resolve("usage_aggregates_provisional"))
                .isDirectory();
        assertThat(dir.resolve("demo").resolve("truth.json")).isRegularFile();
        // The demo started the broker, so it stopped it again.
        assertThat(run("--set", "stack.kafka-port=" + port, "stack", "status").exitCode())
                .isEqualTo(1);
    }
}
