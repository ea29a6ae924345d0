package io.meterlake.batch.corrections;

import static io.meterlake.testing.Fixtures.entitlement;
import static io.meterlake.testing.Fixtures.entitlements;
import static io.meterlake.testing.UsageEvents.event;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterlake.batch.ingest.FileIngestJob;
import io.meterlake.batch.recompute.RankedRaw;
import io.meterlake.batch.recompute.Recompute;
import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.MeterlakeException;
import io.meterlake.model.BillingLine;
import io.meterlake.period.Period;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.table.Warehouse;
import io.meterlake.testing.SparkTestBase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A service double-sent under new ids for two hours: void them in bulk, once, and see each line's impact first. */
class BulkVoidTest extends SparkTestBase {
    private static final Instant RECEIVED = Instant.parse("2026-11-02T00:00:00Z");
    private static final Clock LATER = Clock.fixed(RECEIVED.plus(Duration.ofDays(3)), ZoneOffset.UTC);
    private static final Period OCTOBER = Period.parse("2026-10");

    @TempDir
    Path dir;

    @Test
    void voidsTheSelectedEventsOnceShowingEachLinesImpactFirst() throws Exception {
        MeterlakeConfig config = ConfigLoader.load(Optional.empty(), List.of(), Map.of())
                .withWarehouse(dir.resolve("w").toString());
        Warehouse warehouse = new Warehouse(spark(), config.warehouse());
        warehouse.replaceEntitlements(entitlements(
                spark(),
                entitlement("e-acme", "sub-acme", "acct-1", "acme", "app-1", "standard", "2026-01-01T00:00:00Z", null),
                entitlement(
                        "e-beta", "sub-beta", "acct-2", "beta", "app-1", "standard", "2026-01-01T00:00:00Z", null)));
        Instant tooOld = LATER.instant().minus(config.maxEventAge()).minus(Duration.ofHours(1));
        Path file = Files.writeString(
                dir.resolve("usage.jsonl"),
                String.join(
                                "\n",
                                event().id("ok-1")
                                        .tenant("acme")
                                        .quantity("1")
                                        .at("2026-10-31T21:00:00Z")
                                        .json(),
                                event().id("dup-1")
                                        .tenant("acme")
                                        .quantity("2")
                                        .at("2026-10-31T22:00:00Z")
                                        .json(),
                                event().id("dup-2")
                                        .tenant("acme")
                                        .quantity("3")
                                        .at("2026-10-31T23:30:00Z")
                                        .json(),
                                event().id("dup-3")
                                        .tenant("acme")
                                        .quantity("4")
                                        .at("2026-11-01T00:30:00Z")
                                        .json(), // next period
                                event().id("dup-kvs")
                                        .tenant("acme")
                                        .metric("kvs.reads", "count")
                                        .source("forge-kvs")
                                        .quantity("9")
                                        .at("2026-10-31T22:30:00Z")
                                        .json(), // another source
                                event().id("beta-1")
                                        .tenant("beta")
                                        .quantity("5")
                                        .at("2026-10-31T22:15:00Z")
                                        .json(), // another tenant
                                event().id("late")
                                        .tenant("acme")
                                        .quantity("6")
                                        .at("2026-11-01T01:30:00Z")
                                        .json())
                        + "\n");
        // An event beyond the age limit by the time of the void: ingested long ago.
        Path old = Files.writeString(
                dir.resolve("old.jsonl"),
                event().id("old-1")
                                .tenant("acme")
                                .quantity("7")
                                .at(tooOld.toString())
                                .json() + "\n");
        new FileIngestJob(spark(), config, Clock.fixed(RECEIVED, ZoneOffset.UTC)).ingest(file.toString());
        new FileIngestJob(spark(), config, Clock.fixed(tooOld.plus(Duration.ofHours(1)), ZoneOffset.UTC))
                .ingest(old.toString());
        BulkVoid.Selection selection = new BulkVoid.Selection(
                "forge-functions",
                Optional.of("acme"),
                Optional.empty(),
                Instant.parse("2026-10-31T21:30:00Z"),
                Instant.parse("2026-11-01T01:00:00Z"),
                "deploy 4711 double-sent");

        long before = warehouse.version(Tables.RAW_USAGE_EVENTS);
        BulkVoid.Result dry = new BulkVoid(spark(), config, LATER).run(selection, true, line -> {});
        assertThat(warehouse.version(Tables.RAW_USAGE_EVENTS))
                .as("a dry run writes nothing")
                .isEqualTo(before);
        assertThat(dry.selected()).isEqualTo(3);
        assertThat(dry.lines())
                .extracting(impact -> impact.period() + " " + impact.before().subscriptionId() + " "
                        + impact.voided() + ": "
                        + impact.before().quantity().stripTrailingZeros().toPlainString() + " -> "
                        + BulkVoid.quantityAfter(impact).stripTrailingZeros().toPlainString())
                .containsExactly("2026-10 sub-acme 2: 6 -> 1", "2026-11 sub-acme 1: 10 -> 6");

        BulkVoid.Result voided = new BulkVoid(spark(), config, LATER).run(selection, false, line -> {});
        assertThat(voided.ingested().accepted()).isEqualTo(3);
        assertThat(voided.ingested().quarantinedTotal()).isZero();
        assertThat(warehouse
                        .read(Tables.RAW_USAGE_EVENTS)
                        .where(col(Columns.ACTION).equalTo("void"))
                        .select(Columns.TARGET_EVENT_ID)
                        .as(org.apache.spark.sql.Encoders.STRING())
                        .collectAsList())
                .containsExactlyInAnyOrder("dup-1", "dup-2", "dup-3");
        assertThat(lines(config, warehouse, OCTOBER))
                .extracting(line -> line.subscriptionId() + " "
                        + line.quantity().stripTrailingZeros().toPlainString() + "/" + line.eventCount())
                .containsExactlyInAnyOrder("sub-acme 1/1", "sub-beta 5/1", "sub-acme 9/1");

        // Again: nothing is left to void, nothing is written.
        long after = warehouse.version(Tables.RAW_USAGE_EVENTS);
        BulkVoid.Result again = new BulkVoid(spark(), config, LATER).run(selection, false, line -> {});
        assertThat(again.selected()).isZero();
        assertThat(again.ingested()).isNull();
        assertThat(warehouse.version(Tables.RAW_USAGE_EVENTS)).isEqualTo(after);

        // Too old to correct: counted, not voided.
        BulkVoid.Result old1 = new BulkVoid(spark(), config, LATER)
                .run(
                        new BulkVoid.Selection(
                                "forge-functions",
                                Optional.empty(),
                                Optional.empty(),
                                tooOld.minus(Duration.ofMinutes(1)),
                                tooOld.plus(Duration.ofMinutes(1)),
                                "too late"),
                        false,
                        line -> {});
        assertThat(old1.selected()).isZero();
        assertThat(old1.tooOld()).isEqualTo(1);

        assertThatThrownBy(
                        () -> new BulkVoid.Selection("s", Optional.empty(), Optional.empty(), RECEIVED, RECEIVED, "r"))
                .isInstanceOf(MeterlakeException.class)
                .hasMessageContaining("is not before --to");
    }

    private List<BillingLine> lines(MeterlakeConfig config, Warehouse warehouse, Period period) {
        return Recompute.collect(new Recompute(config.catalog())
                .lines(
                        RankedRaw.forPeriod(warehouse.read(Tables.RAW_USAGE_EVENTS), period, config.dedupHorizon()),
                        period));
    }
}
