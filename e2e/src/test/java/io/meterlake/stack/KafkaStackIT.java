package io.meterlake.stack;

import static io.meterlake.testing.UsageEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterlake.error.ExitCodes;
import io.meterlake.error.MeterlakeException;
import io.meterlake.streaming.source.EventProducer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local broker really runs, takes events keyed by tenant, and stops. */
class KafkaStackIT {
    @TempDir
    static Path dir;

    private static TestBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = TestBroker.start(dir, "events", 3);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
        assertThat(broker.kafka().process()).isEmpty();
    }

    @Test
    void startingAgainKeepsTheRunningBroker() {
        long pid = broker.kafka().process().orElseThrow().pid();

        assertThat(broker.kafka().start("events", 3)).isFalse();
        assertThat(broker.kafka().process().orElseThrow().pid()).isEqualTo(pid);
        assertThat(broker.kafka().listening()).isTrue();
    }

    @Test
    void sendsEachLineKeyedByTenantAndNonJsonWithoutKey() {
        List<String> lines = List.of(
                event().id("a").tenant("acme").json(),
                event().id("b").tenant("globex").json(),
                "not json at all",
                event().set("tenant_id", "7").json());
        try (EventProducer producer = EventProducer.open(broker.bootstrapServers(), "events")) {
            lines.forEach(producer::send);
            producer.flush();
            assertThat(producer.sent()).isEqualTo(4);
        }

        List<ConsumerRecord<byte[], byte[]>> records = readAll("events");

        assertThat(records)
                .extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .containsExactlyInAnyOrderElementsOf(lines);
        assertThat(records)
                .filteredOn(r -> new String(r.value(), StandardCharsets.UTF_8).contains("\"acme\""))
                .singleElement()
                .satisfies(r ->
                        assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("acme"));
        assertThat(records)
                .filteredOn(r -> !new String(r.value(), StandardCharsets.UTF_8).contains("acme")
                        && !new String(r.value(), StandardCharsets.UTF_8).contains("globex"))
                .allSatisfy(r -> assertThat(r.key()).isNull());
    }

    @Test
    void anUnreachableBrokerFailsWithinBoundedTime() {
        Instant start = Instant.now();

        assertThatThrownBy(() -> EventProducer.open("127.0.0.1:1", "events"))
                .isInstanceOf(MeterlakeException.class)
                .hasMessageContaining("cannot reach Kafka at 127.0.0.1:1 within 10 s")
                .satisfies(e -> assertThat(((MeterlakeException) e).exitCode()).isEqualTo(ExitCodes.NOT_READY));
        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(30));
        assertThatThrownBy(() -> EventProducer.open(broker.bootstrapServers(), "missing"))
                .hasMessageContaining("topic 'missing' does not exist");
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long end = consumer.endOffsets(partitions).values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
            Instant deadline = Instant.now().plusSeconds(30);
            while (records.size() < end && Instant.now().isBefore(deadline)) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
        }
        return records;
    }
}
