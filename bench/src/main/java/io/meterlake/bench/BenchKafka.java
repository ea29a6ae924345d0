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
 * A benchmark's own temporary warehouse and Kafka topic, with the configuration that points at them;
 * closing deletes the warehouse and checkpoints. The broker (KRaft, its own process, free ports) is
 * one per JVM: started by the first benchmark that needs it and stopped when the JVM exits. A
 * benchmark run from the command line is alone in its JVM; the smoke test runs them all in one and
 * starts one broker instead of one each. Each benchmark writes a topic of its own.
 */
final class BenchKafka implements AutoCloseable {
    static final int PARTITIONS = 3;
    private static LocalKafka broker;
    private static int topics;

    final Path work;
    final MeterlakeConfig config;

    private BenchKafka(Path work, MeterlakeConfig config) {
        this.work = work;
        this.config = config;
    }

    /** The broker with a new topic; {@code settings} are extra configuration on top of the defaults. */
    static BenchKafka start(String name, Map<String, String> settings, Benchmark benchmark) throws IOException {
        Path work = Files.createTempDirectory("meterlake-bench-" + name);
        LocalKafka kafka = broker(benchmark);
        String topic;
        synchronized (BenchKafka.class) {
            topic = "usage-events-" + name + "-" + ++topics;
        }
        Map<String, String> all = new LinkedHashMap<>();
        all.put("warehouse", work.resolve("warehouse").toString());
        all.put("kafka.bootstrap-servers", kafka.bootstrapServers());
        all.put("kafka.topic", topic);
        all.put("spark.master", "local[*]");
        all.putAll(settings);
        MeterlakeConfig config = ConfigLoader.load(ConfigLoader.defaultConfDir(), List.of(), all);
        kafka.start(topic, PARTITIONS);
        return new BenchKafka(work, config);
    }

    private static synchronized LocalKafka broker(Benchmark benchmark) throws IOException {
        if (broker == null) {
            Path stack = Files.createTempDirectory("meterlake-bench-kafka");
            LocalKafka kafka = new LocalKafka(stack, MeterlakeHome.kafkaLib(), freePort(), freePort());
            benchmark.progress("starting Kafka on " + kafka.bootstrapServers());
            kafka.start("bench", 1);
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                kafka.stop();
                                Benchmark.deleteTree(stack);
                            },
                            "stop-bench-kafka"));
            broker = kafka;
        }
        return broker;
    }

    String bootstrapServers() {
        return config.kafka().bootstrapServers();
    }

    String topic() {
        return config.kafka().topic();
    }

    /** Deletes the warehouse and the checkpoints (the broker stays for the JVM's next benchmark). */
    @Override
    public void close() {
        Benchmark.deleteTree(work);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
