package io.meterlake.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;
import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.stack.FreePorts;
import io.meterlake.stack.TestBroker;
import io.meterlake.streaming.source.EventProducer;
import io.meterlake.table.Warehouse;
import io.meterlake.testing.SparkTestBase;
import io.meterlake.workload.Truth;
import io.meterlake.workload.TruthJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream's application jar on a real Spark standalone cluster: a master and a worker started from
 * Spark's jars on 127.0.0.1, the job submitted through {@code org.apache.spark.deploy.SparkSubmit}
 * (what {@code bin/spark-submit} runs) in {@code --available-now} mode against a real broker.
 */
class SparkSubmitIT extends SparkTestBase {
    private static final Path HOME = Path.of("..").toAbsolutePath().normalize();
    private static final Path SPARK_HOME = HOME.resolve("services/spark/target/spark-home");
    private static final Path APP_JAR = HOME.resolve("cli/target/meterlake-cli-app.jar");
    private static final String TOPIC = "spark-submit-it";

    @TempDir
    static Path dir;

    private static TestBroker broker;
    private static Process master;
    private static Process worker;
    private static int masterPort;
    private static int masterUiPort;

    @BeforeAll
    static void startCluster() throws Exception {
        broker = TestBroker.shared();
        broker.topic(TOPIC, 3);
        masterPort = FreePorts.next();
        masterUiPort = FreePorts.next();
        master = spark(
                "master",
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(masterPort),
                "--webui-port",
                Integer.toString(masterUiPort));
        worker = spark(
                "worker",
                "org.apache.spark.deploy.worker.Worker",
                "--host",
                "127.0.0.1",
                "--cores",
                "2",
                "--memory",
                "3g",
                "--webui-port",
                Integer.toString(FreePorts.next()),
                masterUrl());
        Awaitility.await("the worker registers with the master")
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> masterState().contains("\"aliveworkers\" : 1"));
    }

    @AfterAll
    static void stopCluster() {
        for (Process process : new Process[] {worker, master}) {
            if (process != null) {
                process.destroy();
            }
        }
    }

    @Test
    void streamsOnAStandaloneClusterThroughSparkSubmit() throws Exception {
        Path warehouse = dir.resolve("warehouse");
        Path events = dir.resolve("events.jsonl");
        // The broker stamps the ingest times: the workload follows the real clock.
        assertThat(CommandLineTest.Run.at(
                                CommandLineTest.LIVE,
                                "generate",
                                "--events",
                                "2000",
                                "--seed",
                                "21",
                                "--out",
                                events.toString(),
                                "--entitlements-out",
                                dir.resolve("e.csv").toString(),
                                "--truth-out",
                                dir.resolve("truth.json").toString())
                        .exitCode())
                .isZero();
        Truth truth = TruthJson.read(dir.resolve("truth.json"));
        assertThat(CommandLineTest.Run.at(
                                CommandLineTest.LIVE,
                                "--warehouse",
                                warehouse.toString(),
                                "entitlements",
                                "load",
                                dir.resolve("e.csv").toString())
                        .exitCode())
                .isZero();
        try (EventProducer producer = EventProducer.open(broker.bootstrapServers(), TOPIC)) {
            Files.readAllLines(events).forEach(producer::send);
            producer.flush();
        }

        List<String> submit = new ArrayList<>(javaWithOpens());
        submit.addAll(List.of(
                "-cp",
                SPARK_HOME.resolve("jars") + "/*",
                "org.apache.spark.deploy.SparkSubmit",
                "--master",
                masterUrl(),
                "--deploy-mode",
                "client",
                "--class",
                "io.meterlake.cli.jobs.Jobs",
                "--conf",
                "spark.driver.host=127.0.0.1",
                "--conf",
                "spark.executor.memory=1g",
                "--conf",
                "spark.sql.shuffle.partitions=2",
                APP_JAR.toString(),
                "stream",
                "--warehouse",
                warehouse.toString(),
                "--set",
                "kafka.bootstrap-servers=" + broker.bootstrapServers(),
                "--set",
                "kafka.topic=" + TOPIC,
                "--available-now"));
        Process driver = new ProcessBuilder(submit)
                .directory(dir.toFile())
                .redirectOutput(dir.resolve("driver.out").toFile())
                .redirectError(dir.resolve("driver.err").toFile())
                .start();
        assertThat(driver.waitFor(10, TimeUnit.MINUTES))
                .as("spark-submit did not finish")
                .isTrue();
        assertThat(driver.exitValue())
                .as(Files.readString(dir.resolve("driver.err")))
                .isZero();

        // The application ran on the cluster, not in local mode.
        assertThat(masterState()).contains("\"completedapps\"").contains("meterlake-stream");

        Warehouse tables = new Warehouse(spark(), warehouse.toString());
        long raw = tables.read(Tables.RAW_USAGE_EVENTS).count();
        long quarantined = tables.read(Tables.QUARANTINED_EVENTS).count();
        assertThat(raw).isEqualTo(truth.accepted());
        assertThat(raw + quarantined).isEqualTo(2000);
        assertThat(tables.read(Tables.USAGE_AGGREGATES_PROVISIONAL).count()).isPositive();
        Row progress = tables.read(Tables.STREAM_PROGRESS)
                .where(col(Columns.QUERY).equalTo("raw"))
                .agg(sum(col(Columns.RECORDS_IN)))
                .first();
        assertThat(progress.getLong(0)).isEqualTo(2000);
        assertThat(Files.readString(dir.resolve("driver.out"))).contains("raw", "provisional");

        // 'periods ready' reads the stream's watermark without Spark (from the newest files' statistics), the
        // same instant Spark reads, and waits for it three days after the month's end (the grace is over).
        java.time.Instant watermark = io.meterlake.batch.reconcile.StreamWatermark.read(tables)
                .watermark()
                .orElseThrow();
        assertThat(io.meterlake.batch.reconcile.StreamWatermark.latest(
                        new io.meterlake.table.DeltaReads(spark().sparkContext().hadoopConfiguration(), tables.root())))
                .hasValue(watermark);
        io.meterlake.period.Period month = io.meterlake.period.Period.monthOf(watermark);
        long sessions = io.meterlake.spark.SparkSessions.requests();
        CommandLineTest.Run ready = CommandLineTest.Run.at(
                java.time.Clock.fixed(month.end().plus(Duration.ofDays(3)), java.time.ZoneOffset.UTC),
                "--warehouse",
                warehouse.toString(),
                "periods",
                "ready",
                "--period",
                month.toString());
        assertThat(ready.exitCode()).as(ready.err()).isEqualTo(io.meterlake.error.ExitCodes.NOT_READY);
        assertThat(ready.err()).contains("its watermark " + watermark + " has not passed");
        assertThat(io.meterlake.spark.SparkSessions.requests()).isEqualTo(sessions);
    }

    private static Process spark(String name, String mainClass, String... args) throws IOException {
        List<String> command =
                new ArrayList<>(List.of(javaPath(), "-Xmx512m", "-cp", SPARK_HOME.resolve("jars") + "/*", mainClass));
        command.addAll(Arrays.asList(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        Map<String, String> environment = builder.environment();
        environment.put("SPARK_HOME", SPARK_HOME.toString());
        // Without it the worker looks for a Spark source build and its executors die.
        environment.put("SPARK_SCALA_VERSION", "2.12");
        environment.put("SPARK_LOCAL_IP", "127.0.0.1");
        environment.put("SPARK_WORKER_DIR", dir.resolve("work").toString());
        return builder.start();
    }

    private static List<String> javaWithOpens() {
        List<String> command = new ArrayList<>();
        command.add(javaPath());
        command.addAll(
                Arrays.asList(System.getProperty("spark.java17.opens").trim().split("\\s+")));
        command.add("-Duser.timezone=UTC");
        return command;
    }

    private static String javaPath() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    private static String masterState() {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterUiPort + "/json/"))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return response.body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static String log(String name) {
        try {
            return Files.readString(dir.resolve(name + ".log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }
}
