package io.meterlake.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterlake.error.MeterlakeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private static final Path CONF_DIR = Path.of("..", "conf");

    @Test
    void pinsEveryKeyAndItsDefault() {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("warehouse", "./warehouse");
        expected.put("catalog.file", "");
        expected.put("validation.max-clock-skew", "PT5M");
        expected.put("validation.max-event-age", "P90D");
        expected.put("spark.master", "local[*]");
        expected.put("spark.shuffle-partitions", "4");
        expected.put("kafka.bootstrap-servers", "127.0.0.1:19092");
        expected.put("kafka.topic", "usage-events");
        expected.put("kafka.partitions", "3");
        expected.put("stack.dir", "./.meterlake/stack");
        expected.put("stack.kafka-port", "19092");
        expected.put("stack.kafka-controller-port", "19093");
        expected.put("stack.trino-port", "18080");
        expected.put("stack.tenant-sql-port", "18081");
        expected.put("stack.s3-port", "19000");
        expected.put("s3.endpoint", "http://127.0.0.1:19000");
        expected.put("s3.region", "us-east-1");
        expected.put("s3.path-style-access", "true");
        expected.put("s3.credential-providers", "");
        expected.put("stream.trigger", "PT10S");
        expected.put("stream.watermark-delay", "PT1H");
        expected.put("stream.window", "PT1H");
        expected.put("stream.max-offsets-per-trigger", "500000");
        expected.put("stream.checkpoint", "");
        expected.put("publish.grace", "PT48H");
        expected.put("reconcile.dedup-horizon", "");
        expected.put("approval.approvers", "");
        expected.put("gateway.host", "127.0.0.1");
        expected.put("gateway.port", "18090");
        expected.put("gateway.tokens-file", "./.meterlake/gateway-tokens");
        expected.put("gateway.read-tokens-file", "./.meterlake/read-tokens");
        expected.put("gateway.ack-timeout", "PT10S");
        expected.put("gateway.max-concurrent-requests", "64");
        expected.put("gateway.max-concurrent-requests-per-token", "16");
        expected.put("gateway.body-timeout", "PT10S");
        expected.put("notifications.endpoints-file", "./.meterlake/webhook-endpoints");
        expected.put("notifications.max-attempts", "10");
        expected.put("notifications.first-retry", "PT5S");

        assertThat(ConfigKeys.defaults()).containsExactlyEntriesOf(expected);
    }

    @Test
    void shippedDefaultsFileStatesTheCodeDefaults() throws IOException {
        Properties shipped = new Properties();
        try (var reader = Files.newBufferedReader(CONF_DIR.resolve("meterlake.properties"))) {
            shipped.load(reader);
        }

        assertThat(shipped).containsExactlyInAnyOrderEntriesOf(ConfigKeys.defaults());
    }

    @Test
    void resolvesDefaults() {
        MeterlakeConfig config = ConfigLoader.load(Optional.of(CONF_DIR), List.of(), Map.of());

        assertThat(config.warehouse()).isEqualTo("./warehouse");
        assertThat(config.maxClockSkew()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.maxEventAge()).isEqualTo(Duration.ofDays(90));
        assertThat(config.sparkMaster()).isEqualTo("local[*]");
        assertThat(config.shufflePartitions()).isEqualTo(4);
        assertThat(config.catalog().metrics()).hasSize(10);
        assertThat(config.kafka()).isEqualTo(new MeterlakeConfig.Kafka("127.0.0.1:19092", "usage-events", 3));
        assertThat(config.stack())
                .isEqualTo(new MeterlakeConfig.Stack("./.meterlake/stack", 19092, 19093, 18080, 18081, 19000));
        assertThat(config.stream())
                .isEqualTo(new MeterlakeConfig.Stream(
                        Duration.ofSeconds(10), Duration.ofHours(1), Duration.ofHours(1), 500_000, ""));
        assertThat(config.checkpointRoot()).isEqualTo("./warehouse/_checkpoints");
        assertThat(config.publishGrace()).isEqualTo(Duration.ofHours(48));
        // The dedup horizon follows the acceptance rules unless set.
        assertThat(config.dedupHorizon()).isEqualTo(Duration.ofDays(90).plusMinutes(5));
    }

    @Test
    void setBeatsConfFileBeatsDefaults(@TempDir Path dir) throws IOException {
        Path first = Files.writeString(
                dir.resolve("first.properties"),
                "warehouse=/from/first\nvalidation.max-clock-skew=PT1M\nspark.shuffle-partitions=8\n");
        Path second = Files.writeString(dir.resolve("second.properties"), "warehouse=/from/second/\n");

        MeterlakeConfig config = ConfigLoader.load(
                Optional.of(CONF_DIR),
                List.of(first, second),
                Map.of("spark.shuffle-partitions", "3", "reconcile.dedup-horizon", "7d"));

        assertThat(config.warehouse()).isEqualTo("/from/second");
        assertThat(config.dedupHorizon()).isEqualTo(Duration.ofDays(7));
        assertThat(config.maxClockSkew()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.shufflePartitions()).isEqualTo(3);
    }

    @Test
    void reportsEveryProblemAtOnce(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("bad.properties"), "warehose=/typo\n");

        assertThatThrownBy(() -> ConfigLoader.load(
                        Optional.of(CONF_DIR),
                        List.of(file, dir.resolve("absent")),
                        Map.of(
                                "validation.max-event-age",
                                "90 days",
                                "spark.shuffle-partitions",
                                "0",
                                "kafka.bootstrap-servers",
                                "localhost",
                                "stack.kafka-port",
                                "70000",
                                "s3.endpoint",
                                "minio:9000",
                                "s3.path-style-access",
                                "yes")))
                .isInstanceOf(MeterlakeException.class)
                .hasMessageContaining("unknown key 'warehose'")
                .hasMessageContaining("absent does not exist")
                .hasMessageContaining("validation.max-event-age '90 days' is not a duration")
                .hasMessageContaining("spark.shuffle-partitions must be a positive whole number")
                .hasMessageContaining("kafka.bootstrap-servers must be host:port")
                .hasMessageContaining("stack.kafka-port must be a port number")
                .hasMessageContaining("s3.endpoint must be http(s)://host[:port] or empty (AWS), got 'minio:9000'")
                .hasMessageContaining("s3.path-style-access must be true or false, got 'yes'")
                .satisfies(e -> assertThat(((MeterlakeException) e).exitCode()).isEqualTo(2));
    }

    @Test
    void readsTheApproversAsKeyIdsAndRefusesAnythingElse() {
        assertThat(ConfigLoader.load(
                                Optional.of(CONF_DIR),
                                List.of(),
                                Map.of("approval.approvers", "0123456789abcdef, fedcba9876543210"))
                        .approvers())
                .containsExactly("0123456789abcdef", "fedcba9876543210");
        assertThat(ConfigLoader.load(Optional.of(CONF_DIR), List.of(), Map.of()).approvers())
                .isEmpty();
        assertThatThrownBy(() ->
                        ConfigLoader.load(Optional.of(CONF_DIR), List.of(), Map.of("approval.approvers", "alice")))
                .isInstanceOf(MeterlakeException.class)
                .hasMessageContaining("approval.approvers must list key ids (16 lower-case hex digits");
    }

    @Test
    void refusesALevelHeldLongerThanTheSpanTheRecomputeReads() {
        // storage.held holds a level 2 h: a 1 h horizon would leave the samples it carries into a period unread.
        assertThatThrownBy(() ->
                        ConfigLoader.load(Optional.of(CONF_DIR), List.of(), Map.of("reconcile.dedup-horizon", "1h")))
                .isInstanceOf(MeterlakeException.class)
                .hasMessageContaining("metric storage.held holds a level for 2h (max_hold), longer than"
                        + " reconcile.dedup-horizon (1h)")
                .hasMessageContaining("shorten max_hold or lengthen the horizon");
        assertThat(ConfigLoader.load(Optional.of(CONF_DIR), List.of(), Map.of("reconcile.dedup-horizon", "2h"))
                        .dedupHorizon())
                .isEqualTo(java.time.Duration.ofHours(2));
    }

    @Test
    void theProductionExampleIsValidAndPointsAtS3() {
        MeterlakeConfig config =
                ConfigLoader.load(Optional.of(CONF_DIR), List.of(CONF_DIR.resolve("production.properties")), Map.of());

        assertThat(config.warehouse()).startsWith("s3a://");
        assertThat(config.s3()).isEqualTo(new MeterlakeConfig.S3("", "eu-west-1", false, ""));
        assertThat(config.checkpointRoot()).isEqualTo(config.warehouse() + "/_checkpoints");
    }

    @Test
    void fallsBackToThePackagedDefaults() {
        MeterlakeConfig config = ConfigLoader.load(Optional.empty(), List.of(), Map.of());

        assertThat(config.catalog().metric("storage.stored")).isPresent();
        assertThat(config.maxEventAge()).isEqualTo(Duration.ofDays(90));
    }

    @Test
    void readsAnotherCatalog(@TempDir Path dir) throws IOException {
        Path catalog = Files.writeString(
                dir.resolve("m.json"),
                "{\"metrics\":[{\"name\":\"gpu.seconds\","
                        + "\"canonical_unit\":\"s\",\"aggregation\":\"SUM\",\"units\":{\"s\":\"1\",\"ms\":\"0.001\"}}]}");

        MeterlakeConfig config =
                ConfigLoader.load(Optional.of(CONF_DIR), List.of(), Map.of("catalog.file", catalog.toString()));

        assertThat(config.catalog().metrics()).extracting(m -> m.name()).containsExactly("gpu.seconds");
    }
}
