package io.meterlake.stack;

import java.nio.file.Path;

/**
 * A real local broker on free ports in a scratch directory: {@link #shared()} for every test class of a
 * test JVM (each class on topics of its own), {@link #start} for a class that stops or kills its broker.
 */
public final class TestBroker implements AutoCloseable {
    private static TestBroker shared;

    private final LocalKafka kafka;

    private TestBroker(Path dir) {
        this.kafka = new LocalKafka(dir, libDir(), FreePorts.next(), FreePorts.next());
    }

    /** Starts a broker with {@code topic} of {@code partitions} partitions. */
    public static TestBroker start(Path dir, String topic, int partitions) {
        TestBroker broker = new TestBroker(dir);
        broker.kafka.start(topic, partitions);
        return broker;
    }

    /**
     * The broker of this test JVM, started by the first class that asks and stopped when the JVM exits
     * (the integration tests of a module share one JVM). Classes must not stop it: they create their own
     * topics with {@link #topic}, so no class reads another's records.
     */
    public static synchronized TestBroker shared() {
        if (shared == null) {
            try {
                Path dir = java.nio.file.Files.createTempDirectory("meterlake-shared-broker");
                TestBroker broker = new TestBroker(dir);
                broker.kafka.start("shared", 1);
                Runtime.getRuntime().addShutdownHook(new Thread(broker.kafka::stop, "stop-shared-broker"));
                shared = broker;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return shared;
    }

    /** Creates {@code topic} with {@code partitions} partitions (LogAppendTime) unless it exists; returns its name. */
    public String topic(String topic, int partitions) {
        kafka.start(topic, partitions);
        return topic;
    }

    public LocalKafka kafka() {
        return kafka;
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** The end offset of each partition of {@code topic}: how many records each holds. */
    public java.util.Map<Integer, Long> endOffsets(String topic) {
        java.util.Properties properties = new java.util.Properties();
        properties.put(org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        properties.put(
                org.apache.kafka.clients.consumer.ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName());
        properties.put(
                org.apache.kafka.clients.consumer.ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName());
        try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer =
                new org.apache.kafka.clients.consumer.KafkaConsumer<>(properties)) {
            java.util.Map<Integer, Long> result = new java.util.TreeMap<>();
            consumer.endOffsets(consumer.partitionsFor(topic).stream()
                            .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition()))
                            .toList())
                    .forEach((partition, end) -> result.put(partition.partition(), end));
            return result;
        }
    }

    @Override
    public void close() {
        kafka.stop();
    }

    /** The broker jars: tests run in {@code cli/}, the jars are built by the sibling module. */
    public static Path libDir() {
        return Path.of("..", "services", "kafka", "target", "lib")
                .toAbsolutePath()
                .normalize();
    }
}
