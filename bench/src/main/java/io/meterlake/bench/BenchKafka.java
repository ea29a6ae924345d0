package io.meterlake.bench;

import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.stack.LocalKafka;
import io.meterlake.stack.MeterlakeHome;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A benchmark's own temporary warehouse and Kafka broker (KRaft, its own process, free ports), with
 * the configuration that points at them; closing stops the broker and deletes them.
 */
final class BenchKafka implements AutoCloseable {
    static final String TOPIC = "usage-events";
    static final int PARTITIONS = 3;

    final Path work;
    final MeterlakeConfig config;
    private final LocalKafka kafka;

    private BenchKafka(Path work, MeterlakeConfig config, LocalKafka kafka) {
        this.work = work;
        this.config = config;
        this.kafka = kafka;
    }

    /** Starts a broker with the topic; {@code settings} are extra configuration on top of the defaults. */
    static BenchKafka start(String name, Map<String, String> settings, Benchmark benchmark) throws IOException {
        Path work = Files.createTempDirectory("meterlake-bench-" + name);
        int kafkaPort = freePort();
        Map<String, String> all = new LinkedHashMap<>();
        all.put("warehouse", work.resolve("warehouse").toString());
        all.put("stack.dir", work.resolve("stack").toString());
        all.put("stack.kafka-port", Integer.toString(kafkaPort));
        all.put("stack.kafka-controller-port", Integer.toString(freePort()));
        all.put("kafka.bootstrap-servers", "127.0.0.1:" + kafkaPort);
        all.put("kafka.topic", TOPIC);
        all.put("spark.master", "local[*]");
        all.putAll(settings);
        MeterlakeConfig config = ConfigLoader.load(ConfigLoader.defaultConfDir(), List.of(), all);
        LocalKafka kafka = new LocalKafka(work.resolve("stack"), MeterlakeHome.kafkaLib(), kafkaPort,
                config.stack().kafkaControllerPort());
        benchmark.progress("starting Kafka on " + kafka.bootstrapServers());
        kafka.start(TOPIC, PARTITIONS);
        return new BenchKafka(work, config, kafka);
    }

    String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** Stops the broker and deletes the warehouse, the broker's data and the checkpoints. */
    @Override
    public void close() {
        kafka.stop();
        Benchmark.deleteTree(work);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
