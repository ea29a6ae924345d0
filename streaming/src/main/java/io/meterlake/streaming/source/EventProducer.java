package io.meterlake.streaming.source;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.meterlake.error.MeterlakeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Sends usage events to Kafka, one record per event, keyed by {@code tenant_id} so one tenant's
 * events stay in order on one partition. A line that is not a JSON object with a string
 * {@code tenant_id} is sent as it is, without a key, so the stream quarantines it instead of it
 * being lost here.
 *
 * <p>Idempotent, acks from all replicas; every call fails within a bounded time when the broker is
 * unreachable or the topic is missing ({@link #open}).
 */
public final class EventProducer implements AutoCloseable {
    private static final JsonFactory JSON = new JsonFactory();

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final LongAdder sent = new LongAdder();
    private final Map<Integer, LongAdder> perPartition = new ConcurrentHashMap<>();
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    /** The largest record batch the topic accepts, and so the largest request this producer makes. */
    private final int maxBatchBytes;

    private EventProducer(KafkaProducer<byte[], byte[]> producer, String topic, int maxBatchBytes) {
        this.producer = producer;
        this.topic = topic;
        this.maxBatchBytes = maxBatchBytes;
    }

    /** Checks that {@code topic} exists at {@code bootstrapServers}, then opens a producer to it. */
    public static EventProducer open(String bootstrapServers, String topic) {
        return open(bootstrapServers, topic, java.time.Duration.ofSeconds(60));
    }

    /**
     * As {@link #open(String, String)}, with every send settled (acknowledged or failed) within
     * {@code deliveryTimeout}: the HTTP gateway answers within that bound.
     */
    public static EventProducer open(String bootstrapServers, String topic, java.time.Duration deliveryTimeout) {
        int maxBatchBytes = KafkaSource.requireTopic(bootstrapServers, topic);
        int delivery = (int) deliveryTimeout.toMillis();
        int request = Math.min(15_000, Math.max(1_000, delivery / 2));
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        properties.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        // Whatever the topic takes, the producer sends (its own default, 1 MiB, is no limit of the broker's).
        properties.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxBatchBytes);
        properties.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, request);
        properties.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, request);
        // Kafka requires delivery >= linger + request.
        properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Math.max(delivery, request + 5));
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new EventProducer(new KafkaProducer<>(properties), topic, maxBatchBytes);
    }

    /**
     * The bytes a record takes on the topic at most (alone in its batch, uncompressed, with its key):
     * what the producer and the broker compare with their limits.
     */
    public static int framedBytes(String key, byte[] record) {
        return org.apache.kafka.common.record.AbstractRecords.estimateSizeInBytesUpperBound(
                org.apache.kafka.common.record.RecordBatch.CURRENT_MAGIC_VALUE,
                org.apache.kafka.common.record.CompressionType.NONE,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                record,
                org.apache.kafka.common.record.Record.EMPTY_HEADERS);
    }

    /** The largest record batch the topic accepts ({@code max.message.bytes}): a record must frame within it. */
    public int maxBatchBytes() {
        return maxBatchBytes;
    }

    /** Sends one line; asynchronous, failures surface in {@link #flush()}. */
    public void send(String line) {
        send(line.getBytes(StandardCharsets.UTF_8), 0);
    }

    /**
     * Sends one record as the bytes it is, whatever they hold (the stream quarantines what is not
     * an event); {@code lineNumber} (from 1, 0 if none) names it should sending fail.
     */
    public void send(byte[] record, long lineNumber) {
        Exception earlier = failure.get();
        if (earlier != null) {
            throw sendFailed(earlier);
        }
        send(
                tenantId(new String(record, StandardCharsets.UTF_8)),
                record,
                exception -> failure.compareAndSet(
                        null,
                        lineNumber > 0
                                ? new SendFailure("line " + lineNumber + ": " + exception.getMessage())
                                : exception));
    }

    /**
     * Sends one record with {@code key} (a tenant id, or null); the future completes once the broker
     * acknowledged it or sending failed. Unlike {@link #send(byte[], long)}, a failure here does not
     * stop later sends: each caller decides (the gateway answers 503 for its request).
     */
    public java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata> send(
            String key, byte[] record) {
        return send(key, record, exception -> {});
    }

    private java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata> send(
            String key, byte[] record, java.util.function.Consumer<Exception> onFailure) {
        return producer.send(
                new ProducerRecord<>(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), record),
                (metadata, exception) -> {
                    if (exception != null) {
                        onFailure.accept(exception);
                    } else {
                        sent.increment();
                        perPartition
                                .computeIfAbsent(metadata.partition(), p -> new LongAdder())
                                .increment();
                    }
                });
    }

    /** Waits until everything sent so far is acknowledged; throws if anything failed. */
    public void flush() {
        producer.flush();
        Exception exception = failure.get();
        if (exception != null) {
            throw sendFailed(exception);
        }
    }

    public long sent() {
        return sent.sum();
    }

    /** Acknowledged records per partition, in partition order. */
    public Map<Integer, Long> perPartition() {
        Map<Integer, Long> result = new TreeMap<>();
        perPartition.forEach((partition, count) -> result.put(partition, count.sum()));
        return result;
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(30));
    }

    private MeterlakeException sendFailed(Exception exception) {
        return StreamErrors.sendFailed(topic, sent(), exception.getMessage());
    }

    /** Why sending stopped, naming the line that failed. */
    private static final class SendFailure extends Exception {
        private static final long serialVersionUID = 1L;

        SendFailure(String message) {
            super(message, null, false, false);
        }
    }

    /** The top-level string {@code tenant_id} of a JSON object, or null. */
    public static String tenantId(String line) {
        return topLevelString(line, "tenant_id");
    }

    /** The top-level string {@code field} of a JSON object, or null (not an object, absent, not a string). */
    public static String topLevelString(String line, String field) {
        if (line == null) {
            return null;
        }
        try (JsonParser parser = JSON.createParser(line)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (field.equals(name)) {
                    return value == JsonToken.VALUE_STRING ? parser.getText() : null;
                }
                parser.skipChildren();
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }
}
