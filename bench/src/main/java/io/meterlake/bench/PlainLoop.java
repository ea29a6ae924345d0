package io.meterlake.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The machine's limit for the stream's work: a plain Java loop, one thread per share of the topic's
 * partitions, each a KafkaConsumer + Jackson parse + HashSet dedup of (source, event_id) + HashMap
 * sums per (tenant, metric, UTC hour). No validation, attribution, durability or exactly-once: what
 * is left is the floor any engine pays to read, parse, dedup and sum.
 *
 * <p>Producers key records by tenant, so the duplicates of an event share its partition and a
 * thread's own set dedups them.
 */
final class PlainLoop {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a run read: records, distinct events kept, hourly sums. */
    record Result(long records, long events, int sums, Duration elapsed) {}

    private PlainLoop() {}

    static Result run(String bootstrapServers, String topic, int threads) throws Exception {
        List<TopicPartition> partitions = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> probe = consumer(bootstrapServers)) {
            for (PartitionInfo info : probe.partitionsFor(topic)) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long started = System.nanoTime();
        try {
            List<Future<Result>> shares = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<TopicPartition> share = new ArrayList<>();
                for (int p = t; p < partitions.size(); p += threads) {
                    share.add(partitions.get(p));
                }
                shares.add(pool.submit(() -> consume(bootstrapServers, share)));
            }
            long records = 0;
            long events = 0;
            int sums = 0;
            for (Future<Result> share : shares) {
                Result result = share.get();
                records += result.records();
                events += result.events();
                sums += result.sums();
            }
            return new Result(records, events, sums, Duration.ofNanos(System.nanoTime() - started));
        } finally {
            pool.shutdownNow();
        }
    }

    private static Result consume(String bootstrapServers, List<TopicPartition> share) throws IOException {
        Set<String> seen = new HashSet<>();
        Map<String, BigDecimal> sums = new HashMap<>();
        long records = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrapServers)) {
            consumer.assign(share);
            consumer.seekToBeginning(share);
            Map<TopicPartition, Long> end = consumer.endOffsets(share);
            while (share.stream().anyMatch(partition -> consumer.position(partition) < end.get(partition))) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    records++;
                    JsonNode event;
                    try {
                        event = JSON.readTree(record.value());
                    } catch (IOException e) {
                        continue; // not JSON: the pipeline quarantines it
                    }
                    JsonNode id = event.get("event_id");
                    JsonNode quantity = event.get("quantity");
                    JsonNode time = event.get("event_time");
                    if (id == null
                            || quantity == null
                            || !quantity.isNumber()
                            || time == null
                            || time.asText().length() < 13) {
                        continue;
                    }
                    if (seen.add(event.path("source").asText() + '\u0000' + id.asText())) {
                        String key = event.path("tenant_id").asText()
                                + '|'
                                + event.path("metric").asText()
                                + '|'
                                + time.asText().substring(0, 13);
                        sums.merge(key, quantity.decimalValue(), BigDecimal::add);
                    }
                }
            }
        }
        return new Result(records, seen.size(), sums.size(), Duration.ZERO);
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrapServers) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        properties.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 32 * 1024 * 1024);
        properties.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        return new KafkaConsumer<>(properties);
    }
}
