package io.meterlake.cli;

import static io.meterlake.cli.BillingPeriodsCheck.json;
import static io.meterlake.cli.BillingPeriodsCheck.show;
import static io.meterlake.cli.BillingPeriodsCheck.shownLines;
import static io.meterlake.cli.BillingPeriodsCheck.truthLines;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meterlake.error.ExitCodes;
import io.meterlake.stack.LocalS3;
import io.meterlake.workload.Truth;
import io.meterlake.workload.TruthJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The production path on object storage: warehouse and checkpoints on s3a:// in a real S3-compatible
 * server (S3Proxy, the JVM's {@link SharedStack}), generate → produce → stream → reconcile
 * → publish → verify (also after maintenance), and Trino reading the published period from the same
 * S3 location.
 */
@org.junit.jupiter.api.parallel.ResourceLock(SharedStack.REGISTRATION)
@org.junit.jupiter.api.parallel.ResourceLock(SharedStack.STREAM_IN_PROCESS)
class S3EndToEndIT {
    private static final String BUCKET = SharedStack.BUCKET;
    private static final String WAREHOUSE = "s3a://" + BUCKET + "/prod/warehouse";
    /** The broker stamps ingest times, so every command runs on the real clock, on a month it makes ready. */
    private static final Clock CLOCK = CommandLineTest.LIVE;

    private static final String MONTH = BillingPeriodsCheck.readyMonth(CLOCK).toString();
    private static Path dir;
    private static List<String> settings;
    private static CommandLineTest.Run started;

    @BeforeAll
    static void runTheNightOnS3() throws IOException {
        System.setProperty(
                "meterlake.home", Path.of("..").toAbsolutePath().normalize().toString());
        dir = Files.createTempDirectory("meterlake-s3-it");
        settings = SharedStack.settings("s3-end-to-end-it");
        String kafkaPort = setting("stack.kafka-port");
        // The JVM's shared stack runs: this start makes the bucket and registers this warehouse.
        started = run(0, "stack", "start", "--with-s3", "--with-trino");

        run(
                0,
                "generate",
                "--events",
                "3000",
                "--seed",
                "21",
                "--period",
                MONTH,
                "--bootstrap-servers",
                "127.0.0.1:" + kafkaPort,
                "--entitlements-out",
                dir.resolve("e.csv").toString(),
                "--truth-out",
                dir.resolve("truth.json").toString());
        run(0, "entitlements", "load", dir.resolve("e.csv").toString());
        run(0, "stream", "--available-now");
        run(
                0,
                "keys",
                "generate",
                "--private-key-out",
                dir.resolve("k.pem").toString(),
                "--public-key-out",
                dir.resolve("k.pub.pem").toString());
        run(0, "reconcile", "--period", MONTH);
        run(
                0,
                "publish",
                "--period",
                MONTH,
                "--signing-key",
                dir.resolve("k.pem").toString());
        run(0, "trino", "register");
    }

    private static String setting(String key) {
        return settings.stream()
                .filter(setting -> setting.startsWith(key + "="))
                .findFirst()
                .map(setting -> setting.substring(key.length() + 1))
                .orElseThrow();
    }

    /** What {@code bin/meterlake} prints as JSON for {@code args} on the warehouse in the bucket (exit 0 required). */
    private static JsonNode launched(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of("..", "bin", "meterlake").toAbsolutePath().normalize().toString(), "--warehouse", WAREHOUSE));
        command.addAll(settings);
        command.addAll(List.of(args));
        Path out = dir.resolve("launched.out");
        Path err = dir.resolve("launched.err");
        Process process = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        assertThat(process.waitFor(5, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(Files.readString(err)).isZero();
        return BillingPeriodsCheck.JSON.readTree(out.toFile());
    }

    private static CommandLineTest.Run run(int exitCode, String... args) {
        List<String> all = new ArrayList<>(settings);
        all.addAll(List.of(args));
        return BillingPeriodsCheck.run(CLOCK, WAREHOUSE, exitCode, all.toArray(String[]::new));
    }

    @Test
    void theStackStartsS3WithTheBucketAndKeepsItsKeysOutOfTheOutput() throws IOException {
        // The first start of the stack started S3 (SharedStack asserts it); this one made this class's bucket.
        assertThat(started.out())
                .contains("s3 already running on " + setting("s3.endpoint"))
                .contains("bucket " + BUCKET + " ready");
        LocalS3.Credentials credentials = new LocalS3(SharedStack.dir(), Path.of("unused"), 0).credentials();
        assertThat(credentials.secretKey()).isNotBlank();
        assertThat(started.out()
                        + started.err()
                        + SharedStack.started().out()
                        + SharedStack.started().err())
                .doesNotContain(credentials.secretKey());
        assertThat(Files.readString(SharedStack.dir().resolve("trino/etc/catalog/meterlake.properties")))
                .contains("fs.native-s3.enabled=true")
                .doesNotContain(credentials.secretKey());
        assertThat(run(0, "stack", "status").out()).containsPattern("s3 +running");
    }

    @Test
    void aSecondStreamIsRefusedAlsoOnS3AndAReceiptVerifies() {
        io.meterlake.table.Warehouse warehouse = new io.meterlake.table.Warehouse(
                org.apache.spark.sql.SparkSession.getDefaultSession().get(), WAREHOUSE);
        try (io.meterlake.table.Lease first = warehouse.lease("stream", "stream", CLOCK)) {
            CommandLineTest.Run second = run(ExitCodes.NOT_READY, "stream", "--available-now");
            assertThat(second.err()
                            .lines()
                            .filter(line -> line.startsWith("meterlake:"))
                            .toList())
                    .singleElement()
                    .asString()
                    .startsWith("meterlake: another stream (host ")
                    .contains("holds this warehouse's stream lease");
            assertThat(SharedStack.dir()
                            .resolve("s3/data")
                            .resolve(BUCKET)
                            .resolve("prod/warehouse/_meterlake/leases/stream"))
                    .isDirectoryContaining(path -> path.getFileName().toString().endsWith(".json"));
        }
        String receipt = dir.resolve("receipt.json").toString();
        run(
                0,
                "publish",
                "--period",
                MONTH,
                "--signing-key",
                dir.resolve("k.pem").toString(),
                "--receipt",
                receipt);
        assertThat(run(
                                0,
                                "verify",
                                "--period",
                                MONTH,
                                "--public-key",
                                dir.resolve("k.pub.pem").toString(),
                                "--receipt",
                                receipt)
                        .out())
                .startsWith("verified " + MONTH);
    }

    @Test
    void tablesAndCheckpointsAreObjectsInTheBucket() throws IOException {
        Path root = SharedStack.dir().resolve("s3/data").resolve(BUCKET).resolve("prod/warehouse");
        for (String table : List.of(
                "raw_usage_events",
                "usage_aggregates_provisional",
                "stream_progress",
                "usage_aggregates_authoritative",
                "reconciliation_report",
                "billing_periods",
                "billing_period_lines")) {
            assertThat(root.resolve(table).resolve("_delta_log")).as(table).isDirectory();
        }
        try (Stream<Path> checkpoints = Files.walk(root.resolve("_checkpoints"))) {
            assertThat(checkpoints
                            .filter(file -> file.toString().contains("/commits/"))
                            .count())
                    .isPositive();
        }
        assertThat(Path.of("prod")).doesNotExist();
    }

    /**
     * The stream's mark of how fresh its windows are is an object in the bucket, and a read without Spark in a JVM of
     * its own gives it as the provisional values' as_of.
     */
    @Test
    void theStreamsMarkIsAnObjectThatTheReadsWithoutSparkGive() throws IOException, InterruptedException {
        Path mark = SharedStack.dir()
                .resolve("s3/data")
                .resolve(BUCKET)
                .resolve("prod/warehouse")
                .resolve(io.meterlake.table.VisibleThrough.FILE);
        assertThat(mark).isRegularFile();
        String through = BillingPeriodsCheck.JSON
                .readTree(Files.readString(mark))
                .get("visible_through")
                .asText();
        String subscription = TruthJson.read(dir.resolve("truth.json")).lines().stream()
                .filter(line -> line.period().equals(MONTH))
                .findFirst()
                .orElseThrow()
                .subscriptionId();
        JsonNode usage = launched(
                "usage", "--subscription", subscription, "--period", MONTH, "--window", "day", "--format", "json");
        assertThat(usage.get("values").findValuesAsText("source")).isNotEmpty().containsOnly("provisional");
        assertThat(usage.get("as_of").asText()).isEqualTo(through);
    }

    @Test
    void thePublishedPeriodEqualsTheTruthAndVerifies() throws IOException, InterruptedException {
        Truth truth = TruthJson.read(dir.resolve("truth.json"));

        assertThat(shownLines(show(WAREHOUSE, MONTH)))
                .isEqualTo(truthLines(truth, MONTH))
                .isNotEmpty();
        // The same from a JVM of its own (bin/meterlake), where nothing has opened the bucket before the read.
        assertThat(shownLines(launched("periods", "show", "--period", MONTH, "--format", "json")))
                .isEqualTo(truthLines(truth, MONTH));
        assertThat(run(
                                0,
                                "verify",
                                "--period",
                                MONTH,
                                "--public-key",
                                dir.resolve("k.pub.pem").toString())
                        .out())
                .contains("verified " + MONTH + " revision 1")
                .contains("identical");
        JsonNode report = json(run(0, "reconcile", "--period", MONTH, "--format", "json"));
        assertThat(report.toString()).contains("MATCH");
    }

    @Test
    void maintenanceOnS3KeepsThePeriodVerifiable() {
        JsonNode maintained = json(run(0, "maintain", "--retain", "2d", "--format", "json"));

        assertThat(maintained.findValuesAsText("table")).contains("raw_usage_events", "billing_period_lines");
        assertThat(maintained.get(0).get("files_after").asLong())
                .isLessThan(maintained.get(0).get("files_before").asLong());
        assertThat(run(
                                0,
                                "verify",
                                "--period",
                                MONTH,
                                "--public-key",
                                dir.resolve("k.pub.pem").toString())
                        .out())
                .contains("identical");
        assertThat(run(2, "maintain", "--retain", "1h").err()).containsPattern("use --retain 1d[0-9hm]* or longer");
    }

    @Test
    void trinoReadsThePublishedPeriodFromS3() {
        JsonNode period = json(run(
                0,
                "sql",
                "SELECT period, revision, content_sha256 FROM current_periods",
                "--user",
                "finance",
                "--format",
                "json"));
        assertThat(period).hasSize(1);
        assertThat(period.get(0).get("content_sha256").textValue())
                .isEqualTo(show(WAREHOUSE, MONTH).get("content_sha256").textValue());
        JsonNode lines = json(run(
                0,
                "sql",
                "SELECT subscription_id, billing_account_id, plan, metric, unit, quantity,"
                        + " event_count FROM invoice_lines WHERE period = '" + MONTH + "'",
                "--user",
                "finance",
                "--format",
                "json"));
        List<String> seen = new ArrayList<>();
        for (JsonNode line : lines) {
            seen.add(String.join(
                    " ",
                    line.get("subscription_id").textValue(),
                    line.get("billing_account_id").textValue(),
                    line.get("plan").textValue(),
                    line.get("metric").textValue(),
                    line.get("unit").textValue(),
                    line.get("quantity").textValue(),
                    line.get("event_count").asText()));
        }
        assertThat(seen.stream().sorted().toList()).isEqualTo(shownLines(show(WAREHOUSE, MONTH)));
        JsonNode location = json(run(
                0,
                "sql",
                "SELECT DISTINCT regexp_replace(\"$path\", '/[^/]*$', '') AS dir" + " FROM billing_period_lines",
                "--user",
                "admin",
                "--format",
                "json"));
        assertThat(location.get(0).get("dir").textValue()).startsWith(WAREHOUSE + "/billing_period_lines");
    }
}
