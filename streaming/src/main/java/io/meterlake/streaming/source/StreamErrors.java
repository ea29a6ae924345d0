package io.meterlake.streaming.source;

import io.meterlake.error.MeterlakeException;

/**
 * Every message of {@code streaming}, with its fix, in one place (as Delta keeps its messages in
 * {@code DeltaErrors}): a broker that cannot be reached, a topic that is missing, a send that failed.
 */
public final class StreamErrors {
    private StreamErrors() {}

    public static MeterlakeException sendFailed(String topic, long acknowledged, String problem) {
        return MeterlakeException.checkFailed(
                "sending to topic '" + topic + "' failed after " + acknowledged + " acknowledged records: " + problem);
    }

    public static MeterlakeException noTopic(String topic, String bootstrapServers) {
        return MeterlakeException.checkFailed("topic '" + topic + "' does not exist at " + bootstrapServers
                + ": create it, or run 'meterlake stack start', which creates it");
    }

    public static MeterlakeException kafkaUnreachable(String bootstrapServers, int seconds) {
        return MeterlakeException.unavailable(
                "cannot reach Kafka at " + bootstrapServers + " within " + seconds + " s",
                "start the local broker with 'meterlake stack start', or check"
                        + " --bootstrap-servers / kafka.bootstrap-servers");
    }

    public static MeterlakeException badBootstrapServers(String bootstrapServers, String problem) {
        return MeterlakeException.badInput(
                "bootstrap servers '" + bootstrapServers + "' are not usable (" + problem + ")",
                "pass host:port of a Kafka broker");
    }
}
