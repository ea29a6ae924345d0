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

    @Override
    public void close() {
        kafka.stop();
    }

    /** The broker jars: tests run in {@code cli/}, the jars are built by the sibling module. */
    public static Path libDir() {
        return Path.of("..", "services", "kafka", "target", "lib").toAbsolutePath().normalize();
    }

}
