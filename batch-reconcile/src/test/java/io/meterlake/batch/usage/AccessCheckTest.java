package io.meterlake.batch.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.catalog.MetricCatalog;
import io.meterlake.limits.Limit;
import io.meterlake.limits.Threshold;
import io.meterlake.period.Period;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What a check of access answers: the usage API's value against the limit that applies, by its enforcement. */
class AccessCheckTest {
    private static final Period PERIOD = Period.parse("2026-12");
    private static final Instant AS_OF = Instant.parse("2026-12-01T00:30:00Z");
    private static MetricCatalog catalog;

    @BeforeAll
    static void catalog() throws IOException {
        try (InputStream in = Files.newInputStream(Path.of("..", "conf", "metrics.json"))) {
            catalog = MetricCatalog.read(in, "conf/metrics.json");
        }
    }

    private static UsageQuery.Value value(String metric, String quantity, UsageQuery.Source source) {
        return new UsageQuery.Value(
                "s-1",
                null,
                metric,
                "unit",
                PERIOD.start(),
                PERIOD.end(),
                quantity == null ? null : new BigDecimal(quantity).setScale(9),
                3,
                source,
                quantity == null ? "not exact from the stream" : "provisional: the stream's windows added up");
    }

    private static Optional<Limit> limit(String amount, Limit.Enforcement enforcement) {
        return Optional.of(new Limit(
                "l-1",
                "standard",
                null,
                "kvs.reads",
                new BigDecimal(amount).setScale(9),
                enforcement,
                List.of(Threshold.parse("80%")),
                Instant.parse("2026-01-01T00:00:00Z"),
                null));
    }

    private static AccessCheck check(List<UsageQuery.Value> values, String metric, Optional<Limit> limit) {
        return AccessCheck.of(new UsageQuery.Answer(values, Optional.of(AS_OF)), "s-1", metric, PERIOD, limit, catalog);
    }

    @Test
    void aHardLimitAllowsUseWhileTheUsageIsBelowIt() {
        List<UsageQuery.Value> usage = List.of(
                value("kvs.reads", "99.5", UsageQuery.Source.PROVISIONAL),
                value("kvs.writes", "1000", UsageQuery.Source.PROVISIONAL));

        AccessCheck below = check(usage, "kvs.reads", limit("100", Limit.Enforcement.HARD));
        assertThat(below.allowed()).isTrue();
        assertThat(below.used()).isEqualByComparingTo("99.5");
        assertThat(below.remaining()).isEqualByComparingTo("0.5");
        assertThat(below.json())
                .containsEntry("used", "99.500000000")
                .containsEntry("limit", "100.000000000")
                .containsEntry("remaining", "0.500000000")
                .containsEntry("enforcement", "hard")
                .containsEntry("limit_id", "l-1")
                .containsEntry("source", "provisional")
                .containsEntry("as_of", "2026-12-01T00:30:00Z")
                .containsEntry("period", "2026-12");

        AccessCheck at = check(usage, "kvs.reads", limit("99.5", Limit.Enforcement.HARD));
        assertThat(at.allowed()).as("at the limit").isFalse();
        assertThat(at.remaining()).isEqualByComparingTo("0");
        AccessCheck over = check(usage, "kvs.reads", limit("10", Limit.Enforcement.HARD));
        assertThat(over.allowed()).isFalse();
        assertThat(over.json()).containsEntry("remaining", "0.000000000");
    }

    @Test
    void aSoftLimitOrNoneAllowsUseAndSaysHowMuchIsLeft() {
        List<UsageQuery.Value> usage = List.of(value("kvs.reads", "150", UsageQuery.Source.PUBLISHED));

        AccessCheck soft = check(usage, "kvs.reads", limit("100", Limit.Enforcement.SOFT));
        assertThat(soft.allowed()).isTrue();
        assertThat(soft.remaining()).isEqualByComparingTo("0");
        assertThat(soft.json()).containsEntry("enforcement", "soft").containsEntry("source", "published");
        AccessCheck none = check(usage, "kvs.reads", Optional.empty());
        assertThat(none.allowed()).isTrue();
        assertThat(none.json())
                .containsEntry("used", "150.000000000")
                .containsEntry("limit", null)
                .containsEntry("remaining", null)
                .containsEntry("enforcement", null);
    }

    @Test
    void noUsageYetIsZeroAndUnknownUsageNeverDenies() {
        AccessCheck unused = check(List.of(), "kvs.reads", limit("100", Limit.Enforcement.HARD));
        assertThat(unused.allowed()).isTrue();
        assertThat(unused.json()).containsEntry("used", "0.000000000").containsEntry("remaining", "100.000000000");
        assertThat(unused.note()).isEqualTo("no usage of kvs.reads in 2026-12 yet");

        AccessCheck unknown = check(
                List.of(value("app.active_users", null, UsageQuery.Source.PROVISIONAL)),
                "app.active_users",
                limit("1", Limit.Enforcement.HARD));
        assertThat(unknown.allowed()).isTrue();
        assertThat(unknown.used()).isNull();
        assertThat(unknown.remaining()).isNull();
        assertThat(unknown.note()).isEqualTo("not exact from the stream");
    }

    @Test
    void severalLinesOfOneMetricCombineByItsAggregationOrNotAtAll() {
        UsageQuery.Source published = UsageQuery.Source.PUBLISHED;
        assertThat(check(
                                List.of(value("kvs.reads", "60", published), value("kvs.reads", "50", published)),
                                "kvs.reads",
                                limit("100", Limit.Enforcement.HARD))
                        .json())
                .containsEntry("used", "110.000000000")
                .containsEntry("allowed", false);
        assertThat(check(
                                List.of(
                                        value("storage.stored", "60", published),
                                        value("storage.stored", "50", published)),
                                "storage.stored",
                                Optional.empty())
                        .used())
                .isEqualByComparingTo("60");
        AccessCheck distinct = check(
                List.of(value("app.active_users", "6", published), value("app.active_users", "5", published)),
                "app.active_users",
                limit("7", Limit.Enforcement.HARD));
        assertThat(distinct.used()).as("users of two lines may be the same").isNull();
        assertThat(distinct.allowed()).isTrue();
        assertThat(distinct.note()).isEqualTo("not exact: 2 lines of a UNIQUE_COUNT metric do not combine");
        assertThat(distinct.json()).containsEntry("used", null).containsEntry("remaining", null);
    }
}
