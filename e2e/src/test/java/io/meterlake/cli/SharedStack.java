package io.meterlake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.stack.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One local stack (Kafka, S3, Trino and the tenant front door) for every class of a test JVM that needs
 * Trino or S3, started once by the first class that asks and stopped when the JVM exits: starting Trino
 * is the dearest set-up of the suite. It starts with an {@code s3a://} warehouse, so Trino's catalog
 * reads the S3 server as well as local directories whichever class comes first. Each class brings its
 * own warehouse and Kafka topic ({@link #settings(String)}) and registers its warehouse in Trino with
 * its own {@code stack start --with-trino} or {@code trino register}; a registration serves its class
 * until the next class registers, so a class that registers holds {@link #REGISTRATION} while it runs
 * (test classes run two at a time).
 */
final class SharedStack {
    /** The resource lock of the classes that register their warehouse in the shared Trino. */
    static final String REGISTRATION = "shared-stack-trino-registration";

    /**
     * The resource lock of the classes that run a stream in the test JVM: its one Spark session runs one
     * stream at a time (the queries' names are fixed). Also held by classes whose in-process jobs would set that
     * session's Hadoop settings (each job sets its configuration's S3 endpoint on it) while {@code S3EndToEndIT}
     * reads its bucket through it.
     */
    static final String STREAM_IN_PROCESS = "stream-in-the-test-jvm";

    static final String BUCKET = "meterlake-it";
    private static Path dir;
    private static List<String> settings;
    private static CommandLineTest.Run started;

    private SharedStack() {}

    /** {@code --set} options for the shared stack, with Kafka topic {@code topic}; starts the stack once. */
    static synchronized List<String> settings(String topic) {
        if (settings == null) {
            start();
        }
        List<String> all = new ArrayList<>(settings);
        all.addAll(List.of("--set", "kafka.topic=" + topic));
        return all;
    }

    /** The stack directory ({@code stack.dir}). */
    static synchronized Path dir() {
        settings("unused");
        return dir;
    }

    /** What the stack's first {@code stack start --with-s3 --with-trino} printed. */
    static synchronized CommandLineTest.Run started() {
        settings("unused");
        return started;
    }

    private static void start() {
        System.setProperty(
                "meterlake.home", Path.of("..").toAbsolutePath().normalize().toString());
        try {
            dir = Files.createTempDirectory("meterlake-shared-stack").resolve("stack");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int s3Port = FreePorts.next();
        List<String> options = new ArrayList<>(BillingPeriodsCheck.localStack(dir, FreePorts.next()));
        options.addAll(List.of("--set", "stack.s3-port=" + s3Port, "--set", "s3.endpoint=http://127.0.0.1:" + s3Port));
        List<String> start = new ArrayList<>(options);
        start.addAll(List.of(
                "--warehouse",
                "s3a://" + BUCKET + "/shared-stack",
                "--set",
                "kafka.topic=shared-stack",
                "stack",
                "start",
                "--with-s3",
                "--with-trino"));
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            List<String> stop = new ArrayList<>(options);
                            stop.addAll(List.of("stack", "stop"));
                            CommandLineTest.Run.at(CommandLineTest.LIVE, stop.toArray(String[]::new));
                        },
                        "stop-shared-stack"));
        started = CommandLineTest.Run.at(CommandLineTest.LIVE, start.toArray(String[]::new));
        assertThat(started.exitCode()).as(started.err()).isZero();
        assertThat(started.out())
                .contains(
                        "s3 started on http://127.0.0.1:" + s3Port,
                        "bucket " + BUCKET + " ready",
                        "kafka started on",
                        "trino started on jdbc:trino://127.0.0.1:",
                        "tenant front door started on");
        settings = options;
    }
}
