package io.meterlake.batch.reconcile;

import static io.meterlake.testing.Fixtures.entitlement;
import static io.meterlake.testing.Fixtures.entitlements;
import static io.meterlake.testing.Fixtures.fileRecords;
import static io.meterlake.testing.UsageEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.batch.recompute.PeriodUsage;
import io.meterlake.batch.recompute.RankedRaw;
import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.period.Period;
import io.meterlake.pipeline.EventPipeline;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.testing.SparkTestBase;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

class ReconciliationTest extends SparkTestBase {
    private static final MeterlakeConfig CONFIG = ConfigLoader.load(Optional.empty(), List.of(), Map.of());
    private static final Period OCTOBER = Period.parse("2026-10");

    /** Raw rows of these payloads, in file order, all on one entitlement. */
    private Dataset<Row> raw(String... payloads) {
        Dataset<Row> processed = new EventPipeline(CONFIG.catalog(), CONFIG.maxClockSkew(), CONFIG.maxEventAge())
                .process(
                        fileRecords(spark(), Instant.parse("2026-11-20T00:00:00Z"), List.of(payloads)),
                        entitlements(
                                spark(),
                                entitlement(
                                        "e-std",
                                        "sub-std",
                                        "acct-1",
                                        "acme",
                                        "app-1",
                                        "standard",
                                        "2026-01-01T00:00:00Z",
                                        null)));
        return EventPipeline.accepted(processed);
    }

    private Dataset<Row> provisional(Row... rows) {
        return spark().createDataFrame(List.of(rows), Tables.PROVISIONAL);
    }

    /** A provisional window of functions.invocations starting at {@code start}. */
    private static Row window(String start, String quantity, long events) {
        Instant from = Instant.parse(start);
        return RowFactory.create(
                "sub-std",
                "e-std",
                "acct-1",
                "functions.invocations",
                "count",
                Timestamp.from(from),
                Timestamp.from(from.plus(Duration.ofHours(1))),
                new BigDecimal(quantity).setScale(9),
                events,
                1L,
                Timestamp.from(Instant.parse("2026-11-20T00:00:00Z")));
    }

    private Dataset<Row> workload() {
        return raw(
                event().id("a").quantity("3").at("2026-10-05T10:15:00Z").json(),
                event().id("b").quantity("2").at("2026-10-05T11:15:00Z").json(),
                event().id("b").quantity("5").at("2026-10-05T11:15:00Z").json(), // conflict: 2 is billed
                event().id("c").quantity("4").at("2026-10-05T12:15:00Z").json(),
                event().id("d").quantity("1").at("2026-10-05T13:15:00Z").json(),
                event().id("e").quantity("6").at("2026-10-05T13:45:00Z").json(), // reached the stream too late
                event().id("f").quantity("2").at("2026-10-06T10:15:00Z").json(), // not streamed yet
                event().id("g").quantity("9").at("2026-11-01T00:00:00Z").json()); // next period
    }

    /** Cause and (provisional, authoritative, difference) by window start. */
    private static Map<Instant, List<String>> byWindow(Dataset<Row> report) {
        Map<Instant, List<String>> result = new TreeMap<>();
        for (Row row : report.collectAsList()) {
            result.put(
                    row.<Timestamp>getAs(Columns.WINDOW_START).toInstant(),
                    List.of(
                            row.getAs(Columns.CAUSE),
                            String.valueOf((Object) row.getAs(Columns.PROVISIONAL_QUANTITY)),
                            String.valueOf((Object) row.getAs(Columns.AUTHORITATIVE_QUANTITY)),
                            row.<BigDecimal>getAs(Columns.DIFFERENCE).toPlainString()));
        }
        return result;
    }

    @Test
    void classifiesEveryWindowOfThePeriod() {
        Dataset<Row> provisional = provisional(
                window("2026-10-05T10:00:00Z", "3", 1), // equal
                window("2026-10-05T11:00:00Z", "5", 1), // the stream kept the other content
                window("2026-10-05T12:00:00Z", "8", 2), // the stream counted c twice
                window("2026-10-05T13:00:00Z", "1", 1), // e arrived behind the watermark
                window("2026-11-01T00:00:00Z", "9", 1)); // November: not part of the report
        // The stream's watermark has passed 2026-10-05 but not 2026-10-06T11:00.
        Instant watermark = Instant.parse("2026-10-06T00:00:00Z");

        Dataset<Row> report = Reconciliation.compare(usage(), provisional, OCTOBER, watermark);

        assertThat(byWindow(report))
                .containsExactlyEntriesOf(new TreeMap<>(Map.of(
                        Instant.parse("2026-10-05T10:00:00Z"),
                        List.of("MATCH", "3.000000000", "3.000000000", "0.000000000"),
                        Instant.parse("2026-10-05T11:00:00Z"),
                        List.of("CONFLICT", "5.000000000", "2.000000000", "-3.000000000"),
                        Instant.parse("2026-10-05T12:00:00Z"),
                        List.of("DUPLICATE_ONLY_IN_BATCH", "8.000000000", "4.000000000", "-4.000000000"),
                        Instant.parse("2026-10-05T13:00:00Z"),
                        List.of("LATE_BEYOND_WATERMARK", "1.000000000", "7.000000000", "6.000000000"),
                        Instant.parse("2026-10-06T10:00:00Z"),
                        List.of("NOT_YET_STREAMED", "null", "2.000000000", "2.000000000"))));
        assertThat(report.collectAsList())
                .allSatisfy(row -> assertThat(
                                row.<Timestamp>getAs(Columns.WINDOW_END).toInstant())
                        .isEqualTo(row.<Timestamp>getAs(Columns.WINDOW_START)
                                .toInstant()
                                .plus(Duration.ofHours(1))));
    }

    @Test
    void withoutAStreamNothingIsLateOnlyNotYetStreamed() {
        Dataset<Row> report = Reconciliation.compare(usage(), provisional(), OCTOBER, null);

        assertThat(byWindow(report).values())
                .extracting(cells -> cells.get(0))
                .containsExactly(
                        "NOT_YET_STREAMED", "CONFLICT", "NOT_YET_STREAMED", "NOT_YET_STREAMED", "NOT_YET_STREAMED");
    }

    @Test
    void authoritativeWindowsUseTheStreamsWindowsAndAggregation() {
        Dataset<Row> windows = usage().windows();

        assertThat(windows.count()).isEqualTo(5);
        Row late = windows.where(org.apache
                        .spark
                        .sql
                        .functions
                        .col(Columns.WINDOW_START)
                        .equalTo(Timestamp.from(Instant.parse("2026-10-05T13:00:00Z"))))
                .first();
        assertThat(late.<BigDecimal>getAs(Columns.QUANTITY)).isEqualByComparingTo("7");
        assertThat(late.<Long>getAs(Columns.EVENT_COUNT)).isEqualTo(2L);
    }

    private PeriodUsage usage() {
        return PeriodUsage.of(RankedRaw.of(workload()), OCTOBER, Duration.ofHours(1), CONFIG.catalog());
    }
}
