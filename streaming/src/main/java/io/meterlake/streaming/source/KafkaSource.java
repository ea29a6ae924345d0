package io.meterlake.streaming.source;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.meterlake.config.MeterlakeConfig;
import io.meterlake.schema.Columns;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

/**
 * The Kafka topic of usage events as pipeline input ({@link io.meterlake.schema.Tables#RECORD}):
 * the record's bytes, as received (the parse stage decodes them strictly), its topic/partition/offset as position and its Kafka timestamp as
 * ingest time. The timestamp is fixed per record (the topic is created with {@code LogAppendTime}),
 * so a micro-batch replayed after a crash classifies every record exactly as the first attempt did.
 */
public final class KafkaSource {
    private static final int PROBE_SECONDS = 10;

    private KafkaSource() {}

    public static Dataset<Row> records(SparkSession spark, MeterlakeConfig.Kafka kafka, int maxOffsetsPerTrigger) {
        return spark.readStream()
                .format("kafka")
                .option("kafka.bootstrap.servers", kafka.bootstrapServers())
                .option("subscribe", kafka.topic())
                .option("startingOffsets", "earliest")
                .option("failOnDataLoss", "true")
                .option("maxOffsetsPerTrigger", maxOffsetsPerTrigger)
                .load()
                .select(
                        col("value").as(Columns.PAYLOAD_BYTES),
                        lit("kafka").as(Columns.INGEST_KIND),
                        lit(null).cast(DataTypes.StringType).as(Columns.SOURCE_FILE),
                        lit(null).cast(DataTypes.StringType).as(Columns.FILE_SHA256),
                        lit(null).cast(DataTypes.LongType).as(Columns.LINE_NUMBER),
                        col("topic").as(Columns.KAFKA_TOPIC),
                        col("partition").as(Columns.KAFKA_PARTITION),
                        col("offset").as(Columns.KAFKA_OFFSET),
                        col("timestamp").as(Columns.INGESTED_AT));
    }

    /**
     * Fails with a readable message within seconds unless the broker answers and has the topic:
     * Kafka clients otherwise retry an unreachable address for minutes. Returns the largest record batch
     * the topic accepts (its effective {@code max.message.bytes}).
     */
    public static int requireTopic(String bootstrapServers, String topic) {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, PROBE_SECONDS * 1_000);
        try (Admin admin = Admin.create(properties)) {
            Set<String> topics = admin.listTopics().names().get(PROBE_SECONDS, TimeUnit.SECONDS);
            if (!topics.contains(topic)) {
                throw StreamErrors.noTopic(topic, bootstrapServers);
            }
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            return Integer.parseInt(admin.describeConfigs(List.of(resource))
                    .all()
                    .get(PROBE_SECONDS, TimeUnit.SECONDS)
                    .get(resource)
                    .get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG)
                    .value());
        } catch (ExecutionException | TimeoutException e) {
            throw StreamErrors.kafkaUnreachable(bootstrapServers, PROBE_SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw StreamErrors.badBootstrapServers(bootstrapServers, e.getMessage());
        }
    }
}
