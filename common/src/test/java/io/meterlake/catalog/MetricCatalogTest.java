package io.meterlake.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterlake.error.MeterlakeException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricCatalogTest {

    @Test
    void shipsTheDefaultCatalog() throws IOException {
        MetricCatalog catalog;
        try (InputStream in = Files.newInputStream(Path.of("..", "conf", "metrics.json"))) {
            catalog = MetricCatalog.read(in, "conf/metrics.json");
        }

        assertThat(catalog.metrics())
                .containsExactly(
                        new Metric(
                                "app.active_users",
                                "users",
                                Map.of("users", BigDecimal.ONE),
                                Aggregation.UNIQUE_COUNT,
                                new BigDecimal("1E+12"),
                                Metric.Parameters.uniqueCount("user_id")),
                        metric("functions.calls", "count", Aggregation.COUNT, Map.of("count", "1"), "1E+12"),
                        metric(
                                "functions.compute",
                                "GB-s",
                                Aggregation.SUM,
                                Map.of("GB-s", "1", "GB-ms", "0.001"),
                                "1E+12"),
                        metric("functions.invocations", "count", Aggregation.SUM, Map.of("count", "1"), "1E+12"),
                        metric("kvs.reads", "count", Aggregation.SUM, Map.of("count", "1"), "1E+12"),
                        metric("kvs.writes", "count", Aggregation.SUM, Map.of("count", "1"), "1E+12"),
                        metric(
                                "logs.ingested",
                                "GB",
                                Aggregation.SUM,
                                Map.of("B", "0.000000001", "KB", "0.000001", "MB", "0.001", "GB", "1"),
                                "1E+9"),
                        new Metric(
                                "network.egress",
                                "MB",
                                Map.of(
                                        "KB",
                                        new BigDecimal("0.001"),
                                        "MB",
                                        BigDecimal.ONE,
                                        "GB",
                                        new BigDecimal("1000")),
                                Aggregation.PERCENTILE,
                                new BigDecimal("1E+9"),
                                Metric.Parameters.percentile(95, java.time.Duration.ofMinutes(5))),
                        new Metric(
                                "storage.held",
                                "GB",
                                Map.of(
                                        "B",
                                        new BigDecimal("0.000000001"),
                                        "KB",
                                        new BigDecimal("0.000001"),
                                        "MB",
                                        new BigDecimal("0.001"),
                                        "GB",
                                        BigDecimal.ONE),
                                Aggregation.TIME_WEIGHTED,
                                new BigDecimal("1E+9"),
                                Metric.Parameters.timeWeighted(
                                        java.time.Duration.ofHours(1),
                                        java.time.Duration.ofHours(2),
                                        java.util.List.of())),
                        metric(
                                "storage.stored",
                                "GB",
                                Aggregation.MAX,
                                Map.of("B", "0.000000001", "KB", "0.000001", "MB", "0.001", "GB", "1"),
                                "1E+9"));
    }

    @Test
    void maxQuantityDefaultsAndIsBounded() {
        String base = "{\"metrics\":[{\"name\":\"m\",\"canonical_unit\":\"u\",\"aggregation\":\"SUM\","
                + "\"units\":{\"u\":\"1\"}%s}]}";
        MetricCatalog defaulted = MetricCatalog.read(stream(String.format(base, "")), "t");
        assertThat(defaulted.metric("m").orElseThrow().maxQuantity()).isEqualByComparingTo(Metric.DEFAULT_MAX_QUANTITY);

        for (String bad : new String[] {"\"0\"", "\"-1\"", "\"1E+19\"", "\"0.0000000001\"", "5", "\"lots\""}) {
            assertThatThrownBy(() -> MetricCatalog.read(stream(String.format(base, ",\"max_quantity\":" + bad)), "t"))
                    .as(bad)
                    .isInstanceOf(MeterlakeException.class)
                    .hasMessageContaining("metrics[0].max_quantity must be");
        }
    }

    @Test
    void uniqueCountNeedsItsPropertyAndNoOtherAggregationTakesOne() {
        String metric = "{\"name\":\"%s\",\"canonical_unit\":\"users\",\"aggregation\":\"%s\","
                + "\"units\":{\"users\":\"1\"}%s}";
        MetricCatalog catalog = MetricCatalog.read(
                stream("{\"metrics\":["
                        + String.format(metric, "app.active_users", "UNIQUE_COUNT", ",\"property\":\"user_id\"")
                        + "]}"),
                "t");
        assertThat(catalog.metric("app.active_users").orElseThrow().property()).isEqualTo("user_id");

        // Every problem at once.
        assertThatThrownBy(() -> MetricCatalog.read(
                        stream("{\"metrics\":[" + String.format(metric, "a", "UNIQUE_COUNT", "")
                                + "," + String.format(metric, "b", "UNIQUE_COUNT", ",\"property\":\" \"") + ","
                                + String.format(metric, "c", "SUM", ",\"property\":\"user_id\"") + "]}"),
                        "t"))
                .isInstanceOf(MeterlakeException.class)
                .hasMessageContaining(
                        "metrics[0]: UNIQUE_COUNT needs \"property\", the attribute whose distinct values it counts")
                .hasMessageContaining("metrics[1]: UNIQUE_COUNT needs \"property\"")
                .hasMessageContaining("metrics[2].property is not a parameter of SUM");
    }

    @Test
    void timeWeightedTakesItsTimeUnitMaxHoldAndSeriesAndRejectsEveryBadOneAtOnce() {
        String metric = "{\"name\":\"%s\",\"canonical_unit\":\"GB\",\"aggregation\":\"%s\","
                + "\"units\":{\"GB\":\"1\",\"MB\":\"0.001\"}%s}";
        MetricCatalog catalog = MetricCatalog.read(
                stream("{\"metrics\":["
                        + String.format(
                                metric,
                                "storage.held",
                                "TIME_WEIGHTED",
                                ",\"time_unit\":\"PT1H\",\"max_hold\":\"PT2H\",\"series_by\":[\"bucket\"]")
                        + "]}"),
                "t");
        Metric held = catalog.metric("storage.held").orElseThrow();
        assertThat(held.parameters())
                .isEqualTo(Metric.Parameters.timeWeighted(
                        java.time.Duration.ofHours(1), java.time.Duration.ofHours(2), java.util.List.of("bucket")));
        assertThat(held.lineUnit()).isEqualTo("GB-h");
        assertThat(held.canonicalUnit()).isEqualTo("GB");

        assertThatThrownBy(() -> MetricCatalog.read(
                        stream("{\"metrics\":["
                                + String.format(metric, "a", "TIME_WEIGHTED", "") + ","
                                + String.format(
                                        metric, "b", "TIME_WEIGHTED", ",\"time_unit\":\"PT2H\",\"max_hold\":\"0s\"")
                                + ","
                                + String.format(
                                        metric,
                                        "c",
                                        "TIME_WEIGHTED",
                                        ",\"time_unit\":\"PT1H\",\"max_hold\":\"PT2H\","
                                                + "\"series_by\":[\"x\",\"x\"]")
                                + ","
                                + String.format(metric, "d", "MAX", ",\"max_hold\":\"PT2H\"") + "]}"),
                        "t"))
                .isInstanceOf(MeterlakeException.class)
                .hasMessageContaining(
                        "metrics[0]: TIME_WEIGHTED needs \"time_unit\", one of \"PT1S\", \"PT1M\", \"PT1H\", \"P1D\"")
                .hasMessageContaining("metrics[0]: TIME_WEIGHTED needs \"max_hold\"")
                .hasMessageContaining("metrics[1]: TIME_WEIGHTED needs \"time_unit\"")
                .hasMessageContaining("metrics[1]: TIME_WEIGHTED needs \"max_hold\"")
                .hasMessageContaining("metrics[2].series_by must be an array of distinct attribute keys")
                .hasMessageContaining("metrics[3].max_hold is not a parameter of MAX");
    }

    private static InputStream stream(String json) {
        return new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void rejectsFactorsThatAreNotDecimalStrings() {
        String json = "{\"metrics\":[{\"name\":\"m\",\"canonical_unit\":\"u\",\"aggregation\":\"AVG\","
                + "\"units\":{\"u\":\"1\",\"k\":1000}}]}";

        assertThatThrownBy(
                        () -> MetricCatalog.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "t"))
                .isInstanceOf(MeterlakeException.class)
                .hasMessageContaining(
                        "aggregation must be one of SUM, MAX, LATEST, COUNT, UNIQUE_COUNT, PERCENTILE, TIME_WEIGHTED")
                .hasMessageContaining("units.k must be a decimal string");
    }

    private static Metric metric(
            String name, String unit, Aggregation aggregation, Map<String, String> factors, String maxQuantity) {
        Map<String, BigDecimal> exact = new java.util.HashMap<>();
        factors.forEach((k, v) -> exact.put(k, new BigDecimal(v)));
        return new Metric(name, unit, exact, aggregation, new BigDecimal(maxQuantity));
    }
}
