package io.meterlake.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.catalog.MetricCatalog;
import io.meterlake.error.ExitCodes;
import io.meterlake.error.MeterlakeException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The limits file: what it holds, every kind of problem in one line each, and which limit applies when. */
class LimitsTest {
    private static final String HEADER = String.join(",", Limits.HEADER);
    private static MetricCatalog catalog;

    @TempDir
    Path dir;

    @BeforeAll
    static void catalog() throws IOException {
        try (InputStream in = Files.newInputStream(Path.of("..", "conf", "metrics.json"))) {
            catalog = MetricCatalog.read(in, "conf/metrics.json");
        }
    }

    private List<Limit> read(String... lines) throws IOException {
        Path file = dir.resolve("limits.csv");
        Files.writeString(file, HEADER + "\n" + String.join("\n", lines) + "\n");
        return Limits.read(file, catalog);
    }

    private String problem(String... lines) {
        MeterlakeException e = (MeterlakeException) org.assertj.core.api.Assertions.catchThrowable(() -> read(lines));
        assertThat(e).isNotNull();
        assertThat(e.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(e.getMessage()).doesNotContain("\n");
        return e.getMessage();
    }

    @Test
    void readsPlanAndSubscriptionLimitsWithTheirThresholdsInOrder() throws IOException {
        List<Limit> limits = read(
                "l-1,standard,,functions.invocations,1000000,soft,100%;50%;800000,2026-01-01T00:00:00Z,",
                "\"l-2\",,sub-7,functions.invocations,2.5,HARD,,2026-01-01T00:00:00+01:00,2027-01-01T00:00:00Z");

        Limit plan = limits.get(0);
        assertThat(plan.plan()).isEqualTo("standard");
        assertThat(plan.subscriptionId()).isNull();
        assertThat(plan.limit()).isEqualByComparingTo("1000000").hasScaleOf(9);
        assertThat(plan.enforcement()).isEqualTo(Limit.Enforcement.SOFT);
        assertThat(plan.thresholdsText()).isEqualTo("50%;800000;100%");
        assertThat(plan.thresholds().stream().map(t -> t.of(plan.limit())).toList())
                .usingElementComparator(BigDecimal::compareTo)
                .containsExactly(new BigDecimal("500000"), new BigDecimal("800000"), new BigDecimal("1000000"));
        assertThat(plan.validTo()).isNull();
        Limit own = limits.get(1);
        assertThat(own.scope()).isEqualTo("subscription:sub-7");
        assertThat(own.enforcement()).isEqualTo(Limit.Enforcement.HARD);
        assertThat(own.thresholds()).isEmpty();
        assertThat(own.validFrom()).isEqualTo(Instant.parse("2025-12-31T23:00:00Z"));
    }

    @Test
    void aPercentageOfALimitIsExact() {
        assertThat(Threshold.parse("33.333%").of(new BigDecimal("0.000000003")))
                .isEqualByComparingTo("0.00000000099999");
        assertThat(Threshold.parse(" 80 % ")).isEqualTo(new Threshold(new BigDecimal("80.000000000"), true));
        assertThat(Threshold.parse("-5%")).isNull();
        assertThat(Threshold.parse("0")).isNull();
        assertThat(Threshold.parse("1.0000000001")).isNull();
    }

    @Test
    void everyProblemIsNamedWithItsLineInOneLine() {
        String message = problem(
                "l-1,standard,sub-1,functions.invocations,10,soft,,2026-01-01T00:00:00Z,",
                "l-2,,,functions.invocations,10,soft,,2026-01-01T00:00:00Z,",
                "l-3,standard,,functions.invoked,10,soft,,2026-01-01T00:00:00Z,",
                "l-4,standard,,kvs.reads,-1,soft,,2026-01-01T00:00:00Z,",
                "l-5,standard,,kvs.writes,10,strict,,2026-01-01T00:00:00Z,",
                "l-6,standard,,logs.ingested,10,soft,80%;lots,2026-01-01T00:00:00Z,",
                "l-7,standard,,network.egress,10,soft,,2026-01-01,",
                "l-8,standard,,storage.held,10,soft,,2026-02-01T00:00:00Z,2026-01-01T00:00:00Z",
                "l-9,standard,,storage.stored,10,soft,50%;5,2026-01-01T00:00:00Z,",
                "l-10,standard,,app.active_users,10,soft",
                "l-11,standard,,functions.compute,10,soft,,,");
        assertThat(message)
                .startsWith("limits file ")
                .contains("line 2: give plan or subscription_id, not both")
                .contains("line 3: give plan or subscription_id, not neither")
                .contains("line 4: metric 'functions.invoked' is not in the catalog (app.active_users, ")
                .contains("line 5: limit_amount '-1' is not a positive decimal with at most 9 fraction digits")
                .contains("line 6: enforcement 'strict' is not soft or hard")
                .contains("line 7: threshold 'lots' is not an amount or a percentage like 80%")
                .contains("line 8: valid_from '2026-01-01' is not ISO-8601 with an offset")
                .contains("line 9: valid_from must be before valid_to")
                .contains("line 10: thresholds 50% and 5 are the same amount")
                .contains("line 11: 6 fields, the header has 9")
                .contains("(and 1 more)")
                .contains("expected a header " + HEADER);
        assertThat(problem("l-12,standard,,functions.compute,10,soft,,2026-02-29T00:00:00Z,"))
                .as("2026 has no Feb 29")
                .contains("line 2: valid_from '2026-02-29T00:00:00Z' is not ISO-8601 with an offset");
        assertThat(problem("l-11,standard,,functions.compute,10,soft,,,")).contains("line 2: valid_from is empty");
        assertThat(problem("l-10,standard,,app.active_users,10,soft")).contains("line 2: 6 fields, the header has 9");
    }

    @Test
    void twoLimitsOfOneScopeAndMetricMayNotOverlapNorShareAnId() {
        assertThat(problem(
                        "a,standard,,kvs.reads,10,soft,,2028-01-01T00:00:00Z,2028-03-01T00:00:00Z",
                        "b,standard,,kvs.reads,20,soft,,2028-02-29T00:00:00Z,",
                        "a,standard,,kvs.writes,10,soft,,2026-01-01T00:00:00Z,"))
                .contains("line 4: limit_id a appears twice")
                .contains("limits a and b of plan:standard for kvs.reads are in force at the same time")
                .doesNotContain("line 4: valid_from");
        org.assertj.core.api.Assertions.assertThatCode(() -> read(
                        "a,standard,,kvs.reads,10,soft,,2026-01-01T00:00:00Z,2026-03-01T00:00:00Z",
                        "b,standard,,kvs.reads,20,soft,,2026-03-01T00:00:00Z,",
                        "c,,s-1,kvs.reads,20,soft,,2026-01-01T00:00:00Z,",
                        "d,premium,,kvs.reads,20,soft,,2026-01-01T00:00:00Z,"))
                .as("back to back, or another scope: no overlap")
                .doesNotThrowAnyException();
    }

    @Test
    void theSubscriptionsOwnLimitOverridesItsPlansAtTheInstantsThatMatter() throws IOException {
        List<Limit> limits = read(
                "p-2026,standard,,kvs.reads,100,soft,,2026-01-01T00:00:00Z,2027-01-01T00:00:00Z",
                "p-2027,standard,,kvs.reads,200,soft,,2027-01-01T00:00:00Z,",
                "p-writes,standard,,kvs.writes,5,hard,,2026-01-01T00:00:00Z,",
                "leap,,s-1,kvs.reads,7,hard,,2028-02-29T00:00:00Z,2028-03-01T00:00:00Z",
                "other,premium,,kvs.reads,9,soft,,2026-01-01T00:00:00Z,");

        // Dec 31 -> Jan 1: valid_to is exclusive, valid_from inclusive.
        assertThat(ids(Limits.applying(limits, "s-1", "standard", Instant.parse("2026-12-31T23:59:59.999999Z"))))
                .containsExactly("p-2026", "p-writes");
        assertThat(ids(Limits.applying(limits, "s-1", "standard", Instant.parse("2027-01-01T00:00:00Z"))))
                .containsExactly("p-2027", "p-writes");
        // Feb 29: the subscription's own limit, that day only; its plan's other metric still applies.
        assertThat(ids(Limits.applying(limits, "s-1", "standard", Instant.parse("2028-02-29T00:30:00Z"))))
                .containsExactly("leap", "p-writes");
        assertThat(ids(Limits.applying(limits, "s-1", "standard", Instant.parse("2028-03-01T00:30:00Z"))))
                .containsExactly("p-2027", "p-writes");
        assertThat(ids(Limits.applying(limits, "s-2", "standard", Instant.parse("2028-02-29T00:30:00Z"))))
                .containsExactly("p-2027", "p-writes");
        assertThat(Limits.applying(limits, "s-1", null, "kvs.reads", Instant.parse("2028-02-29T00:30:00Z")))
                .map(Limit::limitId)
                .contains("leap");
        assertThat(Limits.applying(limits, "s-3", "free", "kvs.reads", Instant.parse("2026-06-01T00:30:00Z")))
                .isEmpty();
        assertThat(ids(Limits.applying(limits, "s-3", "premium", Instant.parse("2026-06-01T00:30:00Z"))))
                .containsExactly("other");
    }

    private static List<String> ids(List<Limit> limits) {
        return limits.stream().map(Limit::limitId).toList();
    }
}
