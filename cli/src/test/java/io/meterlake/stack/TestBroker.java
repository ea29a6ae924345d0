package io.meterlake.stack;

import java.nio.file.Path;

/** A real local broker on free ports in a scratch directory, for one test class. */
public final class TestBroker implements AutoCloseable {
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
        properties.put(org.apache.kafka.clients.consumer.ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName());
        properties.put(org.apache.kafka.clients.consumer.ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName());
        try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer =
                new org.apache.kafka.clients.consumer.KafkaConsumer<>(properties)) {
            java.util.Map<Integer, Long> result = new java.util.TreeMap<>();
            consumer.endOffsets(consumer.partitionsFor(topic).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition())).toList())
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
        return Path.of("..", "services", "kafka", "target", "lib").toAbsolutePath().normalize();
    }

}
