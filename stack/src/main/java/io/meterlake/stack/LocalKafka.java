package io.meterlake.stack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * A single-node Kafka broker (KRaft, broker and controller in one JVM) on 127.0.0.1, run from the
 * Kafka jars that {@code services/kafka} copies out of Maven Central, in a process of its own that
 * outlives the command which started it.
 *
 * <p>State lives under {@code <stack dir>/kafka}: {@code server.properties}, the formatted log
 * directory {@code data/}, {@code broker.log} and {@code broker.pid}. Starting formats the storage
 * once; starting an already running broker only makes sure the topic exists.
 */
public final class LocalKafka {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final String HOST = "127.0.0.1";

    private final Path dir;
    private final Path libDir;
    private final int port;
    private final int controllerPort;

    public LocalKafka(Path stackDir, Path libDir, int port, int controllerPort) {
        this.dir = stackDir.toAbsolutePath().normalize().resolve("kafka");
        this.libDir = libDir;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    public Path dir() {
        return dir;
    }

    /** The broker's process, if its pid file names a live one. */
    public Optional<ProcessHandle> process() {
        return pidFile().process();
    }

    private PidFile pidFile() {
        return new PidFile(dir.resolve("broker.pid"));
    }

    /** Whether something accepts connections on the client port. */
    public boolean listening() {
        return PidFile.listening(HOST, port);
    }

    /** Starts the broker unless it runs, then creates {@code topic} if absent. Returns whether it started it. */
    public boolean start(String topic, int partitions) {
        boolean started = false;
        if (process().isEmpty()) {
            if (listening()) {
                throw StackErrors.portInUse(port, HOST, "stack.kafka-port and kafka.bootstrap-servers");
            }
            launch();
            started = true;
        }
        createTopic(topic, partitions);
        return started;
    }

    /** Stops the broker (TERM, then KILL after a timeout). Returns whether one was running. */
    public boolean stop() {
        return pidFile().stop();
    }

    private void launch() {
        if (!Files.isDirectory(libDir) || !Files.exists(libDir.resolve("kafka-clients-4.1.1.jar"))) {
            throw StackErrors.notBuilt("the Kafka broker jars are", libDir, "", "bin/meterlake does this");
        }
        try {
            Files.createDirectories(dir);
            Path properties = dir.resolve("server.properties");
            Files.writeString(properties, serverProperties(), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("log4j2.properties"), LOG_CONFIG, StandardCharsets.UTF_8);
            if (!Files.exists(dir.resolve("data").resolve("meta.properties"))) {
                format(properties);
            }
            Path log = dir.resolve("broker.log");
            Process process = new ProcessBuilder(java("-Xmx512m", "kafka.Kafka", properties.toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            pidFile().write(process);
            awaitReady(process, log);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the Kafka broker in " + dir, e);
        }
    }

    private void format(Path properties) throws IOException {
        Path log = dir.resolve("format.log");
        Process format = new ProcessBuilder(java(
                        "-Xmx256m",
                        "kafka.tools.StorageTool",
                        "format",
                        "-t",
                        clusterId(),
                        "-c",
                        properties.toString()))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
                format.destroyForcibly();
                throw new IllegalStateException("formatting Kafka storage failed: " + tail(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitReady(Process process, Path log) {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the Kafka broker exited while starting: " + tail(log));
            }
            if (listening() && clusterAnswers()) {
                return;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException(
                "the Kafka broker did not answer within " + START_TIMEOUT.toSeconds() + " s: " + tail(log));
    }

    private boolean clusterAnswers() {
        try (Admin admin = admin()) {
            return !admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty();
        } catch (ExecutionException | TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void createTopic(String topic, int partitions) {
        try (Admin admin = admin()) {
            // LogAppendTime: the broker stamps each record, and the stream uses that stamp as ingest time.
            NewTopic newTopic = new NewTopic(topic, partitions, (short) 1)
                    .configs(java.util.Map.of("message.timestamp.type", "LogAppendTime"));
            admin.createTopics(List.of(newTopic)).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException(
                        "cannot create topic " + topic + ": " + e.getCause().getMessage(), e);
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("the broker did not create topic " + topic + " within 30 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Admin admin() {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        return Admin.create(properties);
    }

    private List<String> java(String heap, String mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add(heap);
        command.add("-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"));
        command.add("-cp");
        command.add(libDir.toAbsolutePath() + "/*");
        command.add(mainClass);
        command.addAll(List.of(args));
        return command;
    }

    private String serverProperties() {
        String listeners = "PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort;
        return String.join(
                "\n",
                "# Written by 'meterlake stack start'; rewritten on each start.",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@" + HOST + ":" + controllerPort,
                "listeners=" + listeners,
                "advertised.listeners=PLAINTEXT://" + HOST + ":" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=1",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=false",
                "");
    }

    /** A Kafka cluster id: 16 random bytes, URL-safe Base64 without padding, not starting with '-'. */
    private static String clusterId() {
        SecureRandom random = new SecureRandom();
        byte[] bytes = new byte[16];
        String id;
        do {
            random.nextBytes(bytes);
            id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        } while (id.startsWith("-"));
        return id;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return "last lines of " + log + ": "
                    + String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "see " + log;
        }
    }

    private static final String LOG_CONFIG = String.join(
            "\n",
            "status = error",
            "appender.out.type = Console",
            "appender.out.name = out",
            "appender.out.layout.type = PatternLayout",
            "appender.out.layout.pattern = [%d] %p %m (%c)%n",
            "rootLogger.level = warn",
            "rootLogger.appenderRef.out.ref = out",
            "logger.kafka.name = kafka",
            "logger.kafka.level = info",
            "");
}
