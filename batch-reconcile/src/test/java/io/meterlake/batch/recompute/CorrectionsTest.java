package io.meterlake.batch.recompute;

import static io.meterlake.testing.Fixtures.entitlement;
import static io.meterlake.testing.Fixtures.entitlements;
import static io.meterlake.testing.Fixtures.fileRecords;
import static io.meterlake.testing.UsageEvents.event;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.batch.reconcile.Reconciliation;
import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.model.BillingLine;
import io.meterlake.period.Period;
import io.meterlake.pipeline.EventPipeline;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.schema.UsageWindow;
import io.meterlake.testing.SparkTestBase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** Voids and amends at a pinned raw snapshot: which applies, what it changes, and what is refused and why. */
class CorrectionsTest extends SparkTestBase {
    private static final MeterlakeConfig CONFIG = ConfigLoader.load(Optional.empty(), List.of(), Map.of());
    private static final Period OCTOBER = Period.parse("2026-10");
    private static final String AT = "2026-10-05T08:00:00Z";

    /** Raw rows of these payloads, in file order (ingest order), all of one entitlement. */
    private Dataset<Row> raw(String... payloads) {
        Dataset<Row> processed = new EventPipeline(CONFIG.catalog(), CONFIG.maxClockSkew(), CONFIG.maxEventAge())
                .process(
                        fileRecords(spark(), Instant.parse("2026-11-20T00:00:00Z"), List.of(payloads)),
                        entitlements(
                                spark(),
                                entitlement(
                                        "e-1",
                                        "sub-1",
                                        "acct-1",
                                        "acme",
                                        "app-1",
                                        "standard",
                                        "2026-01-01T00:00:00Z",
                                        null)));
        assertThat(EventPipeline.quarantined(processed).count())
                .as("every payload is accepted")
                .isZero();
        return EventPipeline.accepted(processed);
    }

    private Dataset<Row> workload() {
        return raw(
                event().id("a").quantity("3").at(AT).json(),
                event().id("void-a").voids("a").at(AT).json(),
                event().id("void-a").voids("a").at(AT).json(), // the same correction again
                event().id("b").quantity("5").at(AT).json(),
                event().id("fix-b-1").amends("b").quantity("7").at(AT).json(),
                event().id("fix-b-2").amends("b").quantity("11").at(AT).json(), // latest by ingest order wins
                event().id("void-c")
                        .voids("c")
                        .at(AT)
                        .without("quantity")
                        .without("unit")
                        .json(), // before its target
                event().id("c").quantity("2").at(AT).json(),
                event().id("d").quantity("4").at(AT).json(),
                event().id("fix-d")
                        .amends("d")
                        .metric("kvs.reads", "count")
                        .quantity("1")
                        .at(AT)
                        .json(),
                event().id("void-x").voids("x").at(AT).json(), // no such event
                event().id("void-void-a").voids("void-a").at(AT).json(), // a correction's correction
                event().id("s")
                        .metric("storage.stored", "GB")
                        .quantity("1.5")
                        .at(AT)
                        .json(),
                event().id("fix-s")
                        .amends("s")
                        .metric("storage.stored", "MB")
                        .quantity("2500")
                        .at(AT)
                        .json());
    }

    @Test
    void theLatestApplicableCorrectionOfEachTargetAppliesAndTheRestSayWhyNot() {
        Dataset<Row> raw = workload();
        RankedRaw ranked = RankedRaw.forPeriod(raw, OCTOBER, CONFIG.dedupHorizon());

        Map<String, Correction.Outcome> outcomes = ranked.corrections(OCTOBER).stream()
                .collect(Collectors.toMap(Correction::eventId, Correction::outcome));
        assertThat(outcomes)
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "void-a", Correction.Outcome.APPLIED,
                        "fix-b-1", Correction.Outcome.SUPERSEDED,
                        "fix-b-2", Correction.Outcome.APPLIED,
                        "void-c", Correction.Outcome.APPLIED,
                        "fix-d", Correction.Outcome.FIELDS_DIFFER,
                        "void-x", Correction.Outcome.TARGET_MISSING,
                        "void-void-a", Correction.Outcome.TARGETS_A_CORRECTION,
                        "fix-s", Correction.Outcome.APPLIED));

        // a and c voided; b amended to 11; d kept (its amend changes the metric); s amended to 2500 MB = 2.5 GB.
        List<BillingLine> lines = Recompute.collect(new Recompute(CONFIG.catalog()).lines(ranked, OCTOBER));
        assertThat(lines)
                .extracting(line -> line.metric() + " "
                        + line.quantity().stripTrailingZeros().toPlainString() + " " + line.unit() + " / "
                        + line.eventCount())
                .containsExactlyInAnyOrder("functions.invocations 15 count / 2", "storage.stored 2.5 GB / 1");
        assertThat(ranked.events(OCTOBER)
                        .select(Columns.EVENT_ID)
                        .as(org.apache.spark.sql.Encoders.STRING())
                        .collectAsList())
                .containsExactlyInAnyOrder("b", "d", "s");

        // The whole-table ranking agrees with the bounded one.
        assertThat(Recompute.collect(new Recompute(CONFIG.catalog()).lines(RankedRaw.of(raw), OCTOBER)))
                .isEqualTo(lines);
    }

    @Test
    void reconcileMarksCorrectedWindowsAndListsEveryCorrectionNotApplied() {
        Dataset<Row> raw = workload();
        // What the stream would hold: every usage event, no correction applied.
        try (PeriodUsage usage = PeriodUsage.of(
                RankedRaw.forPeriod(raw, OCTOBER, CONFIG.dedupHorizon()),
                OCTOBER,
                Duration.ofHours(1),
                CONFIG.catalog())) {
            Dataset<Row> provisional = raw.where(col(Columns.ACTION).isNull())
                    .groupBy(UsageWindow.grouping(Duration.ofHours(1)))
                    .agg(
                            org.apache
                                    .spark
                                    .sql
                                    .functions
                                    .sum(col(Columns.QUANTITY))
                                    .cast(Tables.QUANTITY_TYPE)
                                    .as(Columns.QUANTITY),
                            org.apache
                                    .spark
                                    .sql
                                    .functions
                                    .count(org.apache.spark.sql.functions.lit(1))
                                    .as(Columns.EVENT_COUNT))
                    .withColumn(Columns.WINDOW_START, UsageWindow.start())
                    .withColumn(Columns.WINDOW_END, UsageWindow.end());

            List<Row> report = Reconciliation.compare(
                            usage, provisional, OCTOBER, Instant.parse("2026-11-01T00:00:00Z"))
                    .collectAsList();

            assertThat(report.stream()
                            .filter(row -> row.getAs(Columns.EVENT_ID) == null)
                            .map(row -> row.<String>getAs(Columns.METRIC) + " " + row.getAs(Columns.CAUSE)))
                    .containsExactlyInAnyOrder("functions.invocations CORRECTED", "storage.stored CORRECTED");
            assertThat(report.stream()
                            .filter(row -> row.getAs(Columns.EVENT_ID) != null)
                            .map(row -> row.<String>getAs(Columns.EVENT_ID) + "->" + row.getAs(Columns.TARGET_EVENT_ID)
                                    + " " + row.getAs(Columns.CAUSE) + " "
                                    + row.<java.sql.Timestamp>getAs(Columns.WINDOW_START)
                                            .toInstant()))
                    .containsExactlyInAnyOrder(
                            "fix-d->d CORRECTION_FIELDS_DIFFER 2026-10-05T08:00:00Z",
                            "void-x->x CORRECTION_TARGET_MISSING 2026-10-05T08:00:00Z",
                            "void-void-a->void-a CORRECTION_OF_A_CORRECTION 2026-10-05T08:00:00Z");
        }
    }

    @Test
    void aSnapshotWithoutCorrectionsResolvesNone() {
        Dataset<Row> raw = raw(event().id("a").quantity("3").at(AT).json());
        RankedRaw ranked = RankedRaw.forPeriod(raw, OCTOBER, CONFIG.dedupHorizon());

        assertThat(ranked.corrections(OCTOBER)).isEmpty();
        assertThat(Recompute.collect(new Recompute(CONFIG.catalog()).lines(ranked, OCTOBER)))
                .extracting(BillingLine::eventCount)
                .containsExactly(1L);
    }
}
