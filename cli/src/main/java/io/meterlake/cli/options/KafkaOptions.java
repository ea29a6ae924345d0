package io.meterlake.cli.options;

import io.meterlake.config.MeterlakeConfig;
import picocli.CommandLine.Option;

/** {@code --bootstrap-servers} and {@code --topic}, overriding the {@code kafka.*} settings for one command. */
public final class KafkaOptions {
    @Option(
            names = "--bootstrap-servers",
            paramLabel = "<host:port>",
            description = "Kafka brokers (default: the kafka.bootstrap-servers setting).")
    String bootstrapServers;

    @Option(names = "--topic", description = "Topic (default: the kafka.topic setting).")
    String topic;

    public String bootstrapServers(MeterlakeConfig config) {
        return bootstrapServers != null ? bootstrapServers : config.kafka().bootstrapServers();
    }

    public String topic(MeterlakeConfig config) {
        return topic != null ? topic : config.kafka().topic();
    }

    /** {@code config} with these options applied. */
    public MeterlakeConfig applyTo(MeterlakeConfig config) {
        return config.withKafka(new MeterlakeConfig.Kafka(
                bootstrapServers(config), topic(config), config.kafka().partitions()));
    }
}
