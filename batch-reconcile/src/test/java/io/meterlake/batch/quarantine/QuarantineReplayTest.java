package io.meterlake.batch.quarantine;

import static io.meterlake.testing.Fixtures.entitlement;
import static io.meterlake.testing.Fixtures.entitlements;
import static io.meterlake.testing.UsageEvents.event;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.meterlake.batch.ingest.FileIngestJob;
import io.meterlake.batch.ingest.IngestReport;
import io.meterlake.batch.recompute.PeriodUsage;
import io.meterlake.batch.recompute.RankedRaw;
import io.meterlake.batch.recompute.Recompute;
import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.model.BillingLine;
import io.meterlake.period.Period;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.table.Warehouse;
import io.meterlake.testing.SparkTestBase;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new tenant's events arrive before its entitlement: quarantined UNATTRIBUTED, then replayed once it
 * is loaded. Exactly once through a replay killed between its two appends; the time rules measure
 * against the original ingest time; a record that is still invalid stays open.
 */
class QuarantineReplayTest extends SparkTestBase {
    private static final Instant RECEIVED = Instant.parse("2026-11-02T00:00:00Z");
    /** Replays happen weeks later: an event near the age limit on receipt is far beyond it by then. */
    private static final Clock LATER = Clock.fixed(RECEIVED.plus(Duration.ofDays(30)), ZoneOffset.UTC);

    private static final Period OCTOBER = Period.parse("2026-10");

    @TempDir
    Path dir;

    private MeterlakeConfig config;
    private Warehouse warehouse;
    private String fileSha;

    @BeforeEach
    void ingestBeforeTheEntitlement() throws IOException {
        config = ConfigLoader.load(Optional.empty(), List.of(), Map.of())
                .withWarehouse(dir.resolve("w").toString());
        warehouse = new Warehouse(spark(), config.warehouse());
        warehouse.replaceEntitlements(entitlements(
                spark(),
                entitlement(
                        "e-acme", "sub-acme", "acct-1", "acme", "app-1", "standard", "2026-01-01T00:00:00Z", null)));
        Instant nearAge = RECEIVED.minus(config.maxEventAge()).plus(Duration.ofHours(1));
        Path file = Files.writeString(
                dir.resolve("usage.jsonl"),
                String.join(
                                "\n",
                                event().id("a1")
                                        .tenant("acme")
                                        .quantity("1")
                                        .at("2026-10-10T00:00:00Z")
                                        .json(),
                                event().id("n1")
                                        .tenant("newco")
                                        .quantity("10")
                                        .at("2026-10-11T00:00:00Z")
                                        .json(),
                                event().id("n2")
                                        .tenant("newco")
                                        .quantity("20")
                                        .at("2026-10-12T00:00:00Z")
                                        .json(),
                                event().id("n-old")
                                        .tenant("newco")
                                        .quantity("300")
                                        .at(nearAge.toString())
                                        .json(),
                                event().id("n-bad")
                                        .tenant("newco")
                                        .quantity("-5")
                                        .at("2026-10-13T00:00:00Z")
                                        .json())
                        + "\n");
        IngestReport report =
                new FileIngestJob(spark(), config, Clock.fixed(RECEIVED, ZoneOffset.UTC)).ingest(file.toString());
        fileSha = report.sha256();
        assertThat(report.accepted()).isEqualTo(1);
        assertThat(report.quarantined()).containsEntry("UNATTRIBUTED", 3L).containsEntry("NEGATIVE_QUANTITY", 1L);
    }

    private QuarantineReplay replay(Runnable betweenCommits) {
        return new QuarantineReplay(spark(), config, LATER, betweenCommits);
    }

    private QuarantineStatus.Conservation conservation() {
        return QuarantineStatus.conservation(warehouse.reads());
    }

    private List<String> replayedIds() {
        return warehouse
                .read(Tables.RAW_USAGE_EVENTS)
                .where(col(Columns.REPLAYED_FROM).isNotNull())
                .orderBy(Columns.EVENT_ID)
                .select(Columns.EVENT_ID)
                .as(org.apache.spark.sql.Encoders.STRING())
                .collectAsList();
    }

    @Test
    void replaysOnceTheEntitlementIsLoadedAndNeverTwiceEvenIfKilledBetweenItsAppends() throws IOException {
        // Before the entitlement: every record stays, and says why; raw is not touched, nor said to be.
        long rawBefore = warehouse.version(Tables.RAW_USAGE_EVENTS);
        List<String> said = new java.util.ArrayList<>();
        QuarantineReplay.Result early = replay(() -> {}).replay(QuarantineSelection.ALL, false, said::add);
        assertThat(early.runId()).isEqualTo("replay-0");
        assertThat(early.accepted()).isZero();
        assertThat(warehouse.version(Tables.RAW_USAGE_EVENTS)).isEqualTo(rawBefore);
        assertThat(said).noneMatch(line -> line.contains("appending"));
        assertThat(early.decisions())
                .extracting(
                        QuarantineReplay.Decision::originalReason,
                        QuarantineReplay.Decision::outcome,
                        QuarantineReplay.Decision::reason,
                        QuarantineReplay.Decision::records)
                .containsExactly(
                        tuple("NEGATIVE_QUANTITY", "STILL_QUARANTINED", "NEGATIVE_QUANTITY", 1L),
                        tuple("UNATTRIBUTED", "STILL_QUARANTINED", "UNATTRIBUTED", 3L));
        assertThat(conservation()).isEqualTo(new QuarantineStatus.Conservation(1, 4, 0, 0));

        warehouse.replaceEntitlements(entitlements(
                spark(),
                entitlement("e-acme", "sub-acme", "acct-1", "acme", "app-1", "standard", "2026-01-01T00:00:00Z", null),
                entitlement("e-new", "sub-new", "acct-2", "newco", "app-1", "standard", "2026-01-01T00:00:00Z", null)));

        // A dry run says what would happen and writes nothing.
        long rawVersion = warehouse.version(Tables.RAW_USAGE_EVENTS);
        QuarantineReplay.Result dry = replay(() -> {})
                .replay(
                        new QuarantineSelection(
                                List.of("UNATTRIBUTED"), Optional.empty(), Optional.of("newco"), Optional.empty()),
                        true,
                        line -> {});
        assertThat(dry.dryRun()).isTrue();
        assertThat(dry.accepted()).isEqualTo(3);
        assertThat(warehouse.version(Tables.RAW_USAGE_EVENTS)).isEqualTo(rawVersion);

        // Killed after its raw append: the records are in raw and no longer open, at once.
        assertThatThrownBy(() -> replay(() -> {
                            throw new IllegalStateException("killed between the raw and the resolutions append");
                        })
                        .replay(QuarantineSelection.ALL, false, line -> {}))
                .hasMessageContaining("killed between");
        assertThat(replayedIds()).containsExactly("n-old", "n1", "n2");
        assertThat(conservation()).isEqualTo(new QuarantineStatus.Conservation(1, 4, 3, 3));
        assertThat(conservation().holds()).isTrue();
        assertThat(
                        QuarantineStatus.select(
                                        warehouse.reads(), QuarantineSelection.ALL, QuarantineStatus.Status.open)
                                .stream()
                                .map(entry -> entry.row().<String>getAs(Columns.EVENT_ID))
                                .toList())
                .containsExactly("n-bad");
        // What a replay re-runs (a Spark query) and what the list shows open (read without Spark) agree, for
        // every selection: one set of decisions, one filter's two forms.
        for (QuarantineSelection selection : List.of(
                QuarantineSelection.ALL,
                new QuarantineSelection(
                        List.of("NEGATIVE_QUANTITY"), Optional.empty(), Optional.empty(), Optional.empty()),
                new QuarantineSelection(List.of(), Optional.empty(), Optional.of("newco"), Optional.empty()),
                new QuarantineSelection(List.of(), Optional.of("absent"), Optional.empty(), Optional.empty()),
                new QuarantineSelection(List.of(), Optional.empty(), Optional.empty(), Optional.of(RECEIVED)),
                new QuarantineSelection(
                        List.of(), Optional.empty(), Optional.empty(), Optional.of(RECEIVED.plusSeconds(1))))) {
            for (QuarantineStatus.Status status : QuarantineStatus.Status.values()) {
                assertThat(QuarantineStatus.select(warehouse.reads(), selection, status).stream()
                                .map(QuarantineStatus.Entry::id)
                                .sorted()
                                .toList())
                        .as("%s %s", selection, status)
                        .isEqualTo(warehouse
                                .read(Tables.QUARANTINED_EVENTS)
                                .where(selection.filter())
                                .select(io.meterlake.pipeline.RecordPosition.id()
                                        .as("id"))
                                .join(
                                        QuarantineStatus.open(warehouse).select(Columns.QUARANTINE_ID),
                                        col("id").equalTo(col(Columns.QUARANTINE_ID)),
                                        status == QuarantineStatus.Status.open
                                                ? "left_semi"
                                                : status == QuarantineStatus.Status.resolved ? "left_anti" : "left")
                                .select("id")
                                .orderBy("id")
                                .as(org.apache.spark.sql.Encoders.STRING())
                                .collectAsList());
            }
        }

        // The re-run records the stopped run's outcomes, then replays only what is still open.
        QuarantineReplay.Result rerun = replay(() -> {}).replay(QuarantineSelection.ALL, false, line -> {});
        assertThat(rerun.recovered()).isEqualTo(3);
        assertThat(rerun.runId()).isEqualTo("replay-2");
        assertThat(rerun.selected()).isEqualTo(1);
        assertThat(rerun.accepted()).isZero();
        assertThat(replayedIds()).containsExactly("n-old", "n1", "n2");
        assertThat(conservation()).isEqualTo(new QuarantineStatus.Conservation(1, 4, 3, 3));
        assertThat(warehouse
                        .read(Tables.QUARANTINE_RESOLUTIONS)
                        .where(col(Columns.OUTCOME).equalTo("ACCEPTED"))
                        .select(Columns.REPLAY_RUN_ID, Columns.EVENT_ID)
                        .orderBy(Columns.EVENT_ID)
                        .collectAsList())
                .extracting(row -> row.getString(0) + "/" + row.getString(1))
                .containsExactly("replay-1/n-old", "replay-1/n1", "replay-1/n2");

        // Replaying again adds nothing.
        QuarantineReplay.Result again = replay(() -> {}).replay(QuarantineSelection.ALL, false, line -> {});
        assertThat(again.accepted()).isZero();
        assertThat(again.recovered()).isZero();
        assertThat(warehouse.read(Tables.RAW_USAGE_EVENTS).count()).isEqualTo(4);

        // Each append of resolutions is a link of the chain of decisions; a row slipped into one shows.
        io.meterlake.batch.publish.DecisionChain chain = new io.meterlake.batch.publish.DecisionChain(warehouse);
        java.security.PublicKey anyKey =
                io.meterlake.signing.Signing.generateKeyPair().getPublic();
        assertThat(chain.decisions(Optional.empty()))
                .extracting(io.meterlake.batch.publish.DecisionChain.Decision::name)
                .containsExactly(
                        "the resolutions of quarantine replay replay-0",
                        "the resolutions of quarantine replay replay-1",
                        "the resolutions of quarantine replay replay-2",
                        "the resolutions of quarantine replay replay-3");
        assertThat(chain.problems(anyKey)).isEmpty();
        warehouse.appendIdempotent(
                warehouse
                        .read(Tables.QUARANTINE_RESOLUTIONS)
                        .where(col(Columns.REPLAY_RUN_ID).equalTo("replay-1"))
                        .limit(1)
                        .withColumn(Columns.EVENT_ID, org.apache.spark.sql.functions.lit("forged")),
                Tables.QUARANTINE_RESOLUTIONS,
                "forger",
                1);
        assertThat(chain.problems(anyKey))
                .singleElement()
                .asString()
                .startsWith("the resolutions of quarantine replay replay-1 (sequence 2) hash to ")
                .endsWith(": a resolution was changed, added or removed");

        // Lineage: the original position and ingest time (so the age rule held: 'n-old' was on time then).
        List<Row> lineage = warehouse
                .read(Tables.RAW_USAGE_EVENTS)
                .where(col(Columns.EVENT_ID).equalTo("n1"))
                .select(
                        Columns.REPLAYED_FROM,
                        Columns.REPLAY_RUN_ID,
                        Columns.INGESTED_AT,
                        Columns.SUBSCRIPTION_ID,
                        Columns.LINE_NUMBER)
                .collectAsList();
        assertThat(lineage).hasSize(1);
        assertThat(lineage.get(0).getString(0)).isEqualTo("file:" + fileSha + ":2");
        assertThat(lineage.get(0).getString(1)).isEqualTo("replay-1");
        assertThat(lineage.get(0).getTimestamp(2).toInstant()).isEqualTo(RECEIVED);
        assertThat(lineage.get(0).getString(3)).isEqualTo("sub-new");

        // Billed: the recompute counts the replayed events like any other.
        long version = warehouse.version(Tables.RAW_USAGE_EVENTS);
        List<BillingLine> lines = Recompute.collect(new Recompute(config.catalog())
                .lines(
                        RankedRaw.forPeriod(
                                warehouse.readAsOf(Tables.RAW_USAGE_EVENTS, version), OCTOBER, config.dedupHorizon()),
                        OCTOBER));
        assertThat(lines)
                .extracting(BillingLine::subscriptionId, BillingLine::quantity, BillingLine::eventCount)
                .contains(tuple("sub-new", new BigDecimal("30.000000000"), 2L));
        // The reconciliation's REPLAYED cause: the windows of n1 and n2, which the stream never aggregates.
        try (PeriodUsage usage = PeriodUsage.of(
                RankedRaw.forPeriod(
                        warehouse.readAsOf(Tables.RAW_USAGE_EVENTS, version), OCTOBER, config.dedupHorizon()),
                OCTOBER,
                config.stream().window(),
                config.catalog())) {
            assertThat(usage.flaggedWindows()
                            .where(org.apache.spark.sql.functions.col(PeriodUsage.REPLAYED))
                            .collectAsList())
                    .extracting(row -> row.getString(0))
                    .containsExactly("sub-new", "sub-new");
        }

        // The file's ingest report is as it was: one accepted on receipt, the rest quarantined then.
        Path file = dir.resolve("usage.jsonl");
        IngestReport repeated = new FileIngestJob(spark(), config, LATER).ingest(file.toString());
        assertThat(repeated.alreadyIngested()).isTrue();
        assertThat(repeated.accepted()).isEqualTo(1);
        assertThat(repeated.records()).isEqualTo(5);

        // What the commands print: list (json, csv) and a dry-run replay.
        com.fasterxml.jackson.databind.JsonNode listed = json(QuarantineReport.json(QuarantineReport.list(
                warehouse.reads(), QuarantineSelection.ALL, QuarantineStatus.Status.open, 50, false)));
        assertThat(listed.get("reasons").toString())
                .isEqualTo("[{\"reason\":\"NEGATIVE_QUANTITY\",\"open\":1,\"resolved\":0},"
                        + "{\"reason\":\"UNATTRIBUTED\",\"open\":0,\"resolved\":3}]");
        assertThat(listed.get("records")).hasSize(1);
        assertThat(listed.get("records").get(0).get("position").textValue()).isEqualTo("file:" + fileSha + ":5");
        assertThat(listed.get("records").get(0).get("last_replay").textValue()).isEqualTo("replay-3 STILL_QUARANTINED");
        assertThat(listed.get("conservation").toString())
                .isEqualTo("{\"received\":5,\"accepted_on_receipt\":1,"
                        + "\"replayed_into_raw\":3,\"open\":1,\"resolved\":3,\"holds\":true}");
        java.io.StringWriter csvText = new java.io.StringWriter();
        io.meterlake.output.Output.csv(
                new java.io.PrintWriter(csvText),
                QuarantineReport.COLUMNS,
                QuarantineReport.text(QuarantineReport.list(
                        warehouse.reads(), QuarantineSelection.ALL, QuarantineStatus.Status.resolved, 50, true)));
        String csv = csvText.toString();
        assertThat(csv.lines().toList()).hasSize(4).first().asString().startsWith("position,received,source,event id");
        assertThat(csv).contains("replay-1 ACCEPTED").doesNotContain("n-bad");
        com.fasterxml.jackson.databind.JsonNode dryCommand = json(QuarantineReport.replayJson(
                new QuarantineReplay(spark(), config, LATER)
                        .replay(
                                new QuarantineSelection(
                                        List.of("NEGATIVE_QUANTITY"),
                                        Optional.empty(),
                                        Optional.empty(),
                                        Optional.empty()),
                                true,
                                progress -> {}),
                QuarantineStatus.conservation(warehouse.reads())));
        assertThat(dryCommand.get("selected").longValue()).isEqualTo(1);
        assertThat(dryCommand.get("accepted").longValue()).isZero();
        assertThat(dryCommand.get("dry_run").booleanValue()).isTrue();
    }

    private static com.fasterxml.jackson.databind.JsonNode json(java.util.Map<String, Object> printed) {
        return new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(printed);
    }
}
