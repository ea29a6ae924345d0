package io.meterlake.batch.publish;

import static io.meterlake.testing.Fixtures.entitlement;
import static io.meterlake.testing.Fixtures.entitlements;
import static io.meterlake.testing.Fixtures.fileRecords;
import static io.meterlake.testing.UsageEvents.event;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterlake.batch.maintain.MaintainJob;
import io.meterlake.batch.maintain.TableMaintenance;
import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.error.MeterlakeException;
import io.meterlake.model.BillingLine;
import io.meterlake.period.Period;
import io.meterlake.pipeline.EventPipeline;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Rows;
import io.meterlake.schema.Tables;
import io.meterlake.signing.Signing;
import io.meterlake.table.Warehouse;
import io.meterlake.testing.SparkTestBase;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * publish and verify over a real Delta warehouse: revisions, idempotence, readiness, and a verify that
 * catches a rewritten line, a deleted raw row and the wrong key.
 */
class PublishAndVerifyTest extends SparkTestBase {
    private static final Period OCTOBER = Period.parse("2026-10");
    private static final Duration GRACE = Duration.ofHours(48);
    private static final Clock AFTER_GRACE = Clock.fixed(Instant.parse("2026-11-20T00:00:00Z"), ZoneOffset.UTC);
    private static final KeyPair KEY = Signing.generateKeyPair();

    /** The warehouse every test starts from, built once: {@link #unpublished} and, published once, {@link #published}. */
    @TempDir
    static Path templates;

    private static Path unpublished;
    private static Path published;

    @TempDir
    Path dir;

    private MeterlakeConfig config;
    private Warehouse warehouse;
    private long batch;

    @BeforeAll
    static void templates() {
        unpublished = templates.resolve("unpublished");
        published = templates.resolve("published");
        PublishAndVerifyTest builder = new PublishAndVerifyTest();
        builder.startSharedSession();
        builder.open(unpublished);
        builder.warehouse.ensureIngestTables();
        builder.append(
                event().id("a").quantity("3").at("2026-10-01T00:00:00Z").json(),
                event().id("b").quantity("4").at("2026-10-31T23:59:59.999999Z").json(),
                event().id("b").quantity("4").at("2026-10-31T23:59:59.999999Z").json(),
                event().id("c").quantity("5").at("2026-11-01T00:00:00Z").json());
        copy(unpublished, published);
        builder.open(published);
        builder.publish(AFTER_GRACE, PublishMode.WHEN_READY);
    }

    /** Each test has a copy of its own (Delta tables hold relative paths, so a copied table is the same table). */
    @BeforeEach
    void warehouse() {
        copy(unpublished, dir.resolve("w"));
        open(dir.resolve("w"));
        batch = 1;
    }

    private void open(Path path) {
        config = ConfigLoader.load(Optional.empty(), List.of(), Map.of()).withWarehouse(path.toString());
        warehouse = new Warehouse(spark(), config.warehouse());
    }

    /** Starts from the warehouse with October published once (revision 1 of the four events). */
    private BillingPeriod publishedOnce() {
        Path copy = dir.resolve("published");
        copy(published, copy);
        open(copy);
        return new BillingPeriods(warehouse).require(OCTOBER, OptionalInt.of(1));
    }

    private static void copy(Path from, Path to) {
        try (java.util.stream.Stream<Path> paths = Files.walk(from)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Files.copy(path, to.resolve(from.relativize(path).toString()));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Appends the accepted records of these payloads to raw, as one ingest would. */
    private void append(String... payloads) {
        Dataset<Row> processed = new EventPipeline(config.catalog(), config.maxClockSkew(), config.maxEventAge())
                .process(
                        fileRecords(
                                spark(), Instant.parse("2026-11-19T00:00:00Z").plusSeconds(batch), List.of(payloads)),
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
        warehouse.appendIdempotent(
                EventPipeline.accepted(processed), Tables.RAW_USAGE_EVENTS, "test-" + config.warehouse(), batch++);
    }

    private PublishResult publish(Clock clock, PublishMode mode) {
        return new PublishJob(spark(), config, clock)
                .publish(OCTOBER, KEY.getPrivate(), GRACE, mode, java.util.OptionalLong.empty());
    }

    private Verification verify(OptionalInt revision) {
        return new VerifyJob(spark(), config).verify(OCTOBER, revision, KEY.getPublic());
    }

    private static BillingLine invocations(String quantity, long events) {
        return new BillingLine(
                "sub-std", "acct-1", "standard", "functions.invocations", "count", new BigDecimal(quantity), events);
    }

    /**
     * The header records the dedup horizon, and verify recomputes with it, not with today's setting:
     * a conflicting first copy 10 days before October is compared under the default horizon, and a
     * verifier configured with a 1-day horizon (which would bill the October copy) still agrees.
     */
    @Test
    void verifyRecomputesWithTheHorizonTheHeaderRecords() {
        append(event().id("x").quantity("100").at("2026-09-21T00:00:00Z").json());
        append(event().id("x").quantity("1000").at("2026-10-05T00:00:00Z").json());

        PublishResult published = publish(AFTER_GRACE, PublishMode.WHEN_READY);

        assertThat(published.header().dedupHorizon()).hasValue(config.dedupHorizon());
        assertThat(new String(published.header().chainRendering(), java.nio.charset.StandardCharsets.UTF_8))
                .startsWith("meterlake-billing-period-header v3\n")
                .contains("dedup_horizon_seconds=" + config.dedupHorizon().toSeconds() + "\n")
                .contains("raw_witness_version=" + warehouse.version(Tables.RAW_USAGE_EVENTS) + "\n");
        assertThat(published.lines()).containsExactly(invocations("7", 2));
        MeterlakeConfig narrow = ConfigLoader.load(Optional.empty(), List.of(), Map.of("reconcile.dedup-horizon", "1d"))
                .withWarehouse(config.warehouse());
        assertThat(new VerifyJob(spark(), narrow)
                        .verify(OCTOBER, OptionalInt.empty(), KEY.getPublic())
                        .mismatches())
                .isEmpty();
        // With a 1-day horizon the September copy is not compared, and October bills the other one.
        MeterlakeConfig saved = config;
        config = narrow;
        try {
            assertThat(publish(AFTER_GRACE, PublishMode.WHEN_READY).lines()).containsExactly(invocations("1007", 3));
        } finally {
            config = saved;
        }
    }

    @Test
    void publishesOnceAndAgainOnlyWhenRawChanges() {
        PublishResult first = publish(AFTER_GRACE, PublishMode.WHEN_READY);
        PublishResult repeated = publish(AFTER_GRACE, PublishMode.WHEN_READY);

        assertThat(first.published()).isTrue();
        assertThat(first.lines()).containsExactly(invocations("7", 2));
        assertThat(first.header().revision()).isEqualTo(1);
        assertThat(first.header().supersedes()).isEmpty();
        assertThat(first.header().keyId()).isEqualTo(Signing.keyId(KEY.getPublic()));
        assertThat(repeated.published()).isFalse();
        assertThat(repeated.header()).isEqualTo(first.header());
        assertThat(warehouse.read(Tables.BILLING_PERIODS).count()).isEqualTo(1);

        // A very late event of October arrives; a duplicate of an October event changes nothing.
        append(
                event().id("late").quantity("10").at("2026-10-15T00:00:00Z").json(),
                event().id("a").quantity("3").at("2026-10-01T00:00:00Z").json());
        PublishResult second = publish(AFTER_GRACE, PublishMode.WHEN_READY);

        assertThat(second.published()).isTrue();
        assertThat(second.header().revision()).isEqualTo(2);
        assertThat(second.header().supersedes()).hasValue(1);
        assertThat(second.header().rawTableVersion())
                .isGreaterThan(first.header().rawTableVersion());
        assertThat(second.lines()).containsExactly(invocations("17", 3));
        // Revision 1 is untouched, and both verify: each against raw at its own version.
        BillingPeriods periods = new BillingPeriods(warehouse);
        assertThat(periods.require(OCTOBER, OptionalInt.of(1))).isEqualTo(first.header());
        assertThat(periods.lines(first.header())).containsExactly(invocations("7", 2));
        assertThat(verify(OptionalInt.of(1)).mismatches()).isEmpty();
        assertThat(verify(OptionalInt.empty()).mismatches()).isEmpty();
        assertThat(verify(OptionalInt.empty()).header().revision()).isEqualTo(2);
    }

    @Test
    void verifyStillPassesAfterMaintenanceAndMaintenanceRefusesARetentionThatWouldBreakIt() {
        publishedOnce();
        for (int i = 0; i < 3; i++) {
            append(event().id("late-" + i)
                    .quantity("1")
                    .at("2026-10-0" + (i + 2) + "T00:00:00Z")
                    .json());
        }
        publish(AFTER_GRACE, PublishMode.WHEN_READY);
        MaintainJob maintain = new MaintainJob(spark(), warehouse);

        assertThatThrownBy(() -> maintain.run(Duration.ZERO, Instant.now(), progress -> {}))
                .isInstanceOfSatisfying(
                        MeterlakeException.class, e -> assertThat(e.exitCode()).isEqualTo(2))
                .hasMessageContaining("period 2026-10 revision 1 needs for verify")
                .hasMessageContaining("use --retain 1d1h or longer");
        List<TableMaintenance> done = maintain.run(Duration.ofDays(2), Instant.now(), progress -> {});

        TableMaintenance raw = done.get(0);
        assertThat(raw.table()).isEqualTo(Tables.RAW_USAGE_EVENTS);
        assertThat(raw.filesAfter()).isLessThan(raw.filesBefore());
        assertThat(done)
                .extracting(TableMaintenance::table)
                .contains(Tables.BILLING_PERIODS, Tables.BILLING_PERIOD_LINES);
        assertThat(spark().sql("SHOW TBLPROPERTIES delta.`" + warehouse.path(Tables.RAW_USAGE_EVENTS) + "`")
                        .where("key = 'delta.logRetentionDuration'")
                        .collectAsList()
                        .get(0)
                        .getString(1))
                .isEqualTo(Warehouse.RAW_LOG_RETENTION);
        assertThat(verify(OptionalInt.of(1)).mismatches()).isEmpty();
        assertThat(verify(OptionalInt.of(2)).mismatches()).isEmpty();

        // What the refusal prevents: a VACUUM without the rule deletes files revision 1 was signed over.
        spark().conf().set("spark.databricks.delta.retentionDurationCheck.enabled", "false");
        spark().conf().set("spark.databricks.delta.vacuum.logging.enabled", "true");
        try {
            io.delta.tables.DeltaTable.forPath(spark(), warehouse.path(Tables.RAW_USAGE_EVENTS))
                    .vacuum(0);
        } finally {
            spark().conf().set("spark.databricks.delta.retentionDurationCheck.enabled", "true");
            spark().conf().set("spark.databricks.delta.vacuum.logging.enabled", "false");
        }
        assertThat(verify(OptionalInt.of(1)).mismatches()).isNotEmpty();
        // The files that VACUUM deleted, as maintain reports them (its end commit's metrics, read from the log):
        // those compaction replaced, more than the files it saved (it wrote at least one).
        assertThat(io.meterlake.table.TableHistory.latestMetrics(warehouse, Tables.RAW_USAGE_EVENTS, "VACUUM END", 5)
                        .map(metrics -> Long.parseLong(metrics.get("numDeletedFiles"))))
                .hasValueSatisfying(deleted -> assertThat(deleted).isGreaterThan(raw.filesBefore() - raw.filesAfter()));
    }

    @Test
    void waitsForTheGracePeriodUnlessForcedAndRecordsTheForce() {
        Clock early = Clock.fixed(Instant.parse("2026-11-02T12:00:00Z"), ZoneOffset.UTC);

        assertThatThrownBy(() -> publish(early, PublishMode.WHEN_READY))
                .isInstanceOfSatisfying(
                        MeterlakeException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.NOT_READY))
                .hasMessageContaining("not ready")
                .hasMessageContaining("2026-11-03T00:00:00Z")
                .hasMessageContaining("--force");
        assertThat(warehouse.exists(Tables.BILLING_PERIODS)).isFalse();

        PublishResult forced = publish(early, PublishMode.FORCE);
        assertThat(forced.header().forced()).isTrue();
        assertThat(new BillingPeriods(warehouse).latest(OCTOBER).orElseThrow().forced())
                .isTrue();
    }

    /**
     * A mistyped month is not signed by mistake: a first revision with no line is refused (exit 2) naming why
     * (here also: it begins before raw's first event, 2026-10-01; older than validation.max-event-age, no event
     * of it can still arrive), and nothing is written. --allow-empty signs it, a later publish of a published
     * period is never in doubt, and a month with lines needs no flag.
     */
    @Test
    void refusesToSignAnEmptyOrPartialFirstRevisionUnlessAllowed() {
        PublishJob job = new PublishJob(spark(), config, AFTER_GRACE);
        Period september = Period.parse("2026-09");
        assertThatThrownBy(() -> job.publish(
                        september, KEY.getPrivate(), GRACE, PublishMode.WHEN_READY, java.util.OptionalLong.empty()))
                .isInstanceOfSatisfying(
                        MeterlakeException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.USAGE))
                .hasMessageContaining("publish refuses to sign 2026-09, which has no revision yet: it has no line")
                .hasMessageContaining("raw_usage_events begins on 2026-10-01, after 2026-09 begins")
                .hasMessageNotContaining("max-event-age")
                .hasMessageContaining("pass --allow-empty");
        assertThatThrownBy(() -> job.publish(
                        Period.parse("2025-01"),
                        KEY.getPrivate(),
                        GRACE,
                        PublishMode.WHEN_READY,
                        java.util.OptionalLong.empty()))
                .hasMessageContaining("2025-01 ended more than validation.max-event-age (90d) ago");
        assertThat(warehouse.read(Tables.BILLING_PERIODS).count())
                .as("nothing signed")
                .isZero();

        PublishResult empty = job.publish(
                september, KEY.getPrivate(), GRACE, PublishMode.WHEN_READY, java.util.OptionalLong.empty(), true);
        assertThat(empty.published()).isTrue();
        assertThat(empty.header().lineCount()).isZero();
        PublishResult again =
                job.publish(september, KEY.getPrivate(), GRACE, PublishMode.WHEN_READY, java.util.OptionalLong.empty());
        assertThat(again.published()).isFalse();
        assertThat(again.header().revision()).isEqualTo(1);
        // October, whose data is all there, needs no flag.
        assertThat(publish(AFTER_GRACE, PublishMode.WHEN_READY).published()).isTrue();
    }

    @Test
    void refusesAPeriodThatHasNotEndedEvenWhenForced() {
        Clock during = Clock.fixed(Instant.parse("2026-10-31T23:59:59Z"), ZoneOffset.UTC);

        for (PublishMode mode : PublishMode.values()) {
            assertThatThrownBy(() -> publish(during, mode))
                    .isInstanceOfSatisfying(
                            MeterlakeException.class,
                            e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.USAGE))
                    .hasMessageContaining("period 2026-10 has not ended: it ends at 2026-11-01T00:00:00Z");
        }
        assertThat(warehouse.exists(Tables.BILLING_PERIODS)).isFalse();
    }

    @Test
    void signsExactlyWhatItsReconcileRunWroteToTheAuthoritativeTable() {
        long firstVersion = warehouse.version(Tables.RAW_USAGE_EVENTS);
        PublishResult first = publish(AFTER_GRACE, PublishMode.WHEN_READY);
        assertThat(authoritative()).containsExactlyElementsOf(first.lines());
        assertThat(authoritativeRunIds()).containsExactly(first.runId());

        append(event().id("late").quantity("10").at("2026-10-15T00:00:00Z").json());
        PublishResult second = publish(AFTER_GRACE, PublishMode.WHEN_READY);

        // No reconcile ran in between: publish reconciled itself, so the table holds revision 2's lines.
        assertThat(second.header().revision()).isEqualTo(2);
        assertThat(authoritative()).containsExactlyElementsOf(second.lines()).containsExactly(invocations("17", 3));
        assertThat(authoritativeRunIds()).containsExactly(second.runId());
        assertThat(second.runId()).contains("raw-v" + second.header().rawTableVersion());

        // Pinned at the first version, the lines are revision 1's again: a new revision 3, equal to 1.
        PublishResult pinned = new PublishJob(spark(), config, AFTER_GRACE)
                .publish(
                        OCTOBER,
                        KEY.getPrivate(),
                        GRACE,
                        PublishMode.WHEN_READY,
                        java.util.OptionalLong.of(firstVersion));
        assertThat(pinned.header().rawTableVersion()).isEqualTo(firstVersion);
        assertThat(pinned.header().contentSha256()).isEqualTo(first.header().contentSha256());
        assertThat(authoritative()).containsExactlyElementsOf(first.lines());
    }

    private List<BillingLine> authoritative() {
        return warehouse
                .read(Tables.USAGE_AGGREGATES_AUTHORITATIVE)
                .where(col(Columns.PERIOD).equalTo("2026-10"))
                .collectAsList()
                .stream()
                .map(Rows::billingLine)
                .sorted(BillingLine.CANONICAL_ORDER)
                .toList();
    }

    private List<String> authoritativeRunIds() {
        return warehouse
                .read(Tables.USAGE_AGGREGATES_AUTHORITATIVE)
                .select(col(Columns.RUN_ID))
                .distinct()
                .collectAsList()
                .stream()
                .map(row -> row.getString(0))
                .toList();
    }

    @Test
    void aStorageCheckThatCouldNotRunNeverHolds() {
        publishedOnce();
        VerifyJob broken = new VerifyJob(spark(), config, (tables, version) -> {
            throw new IllegalStateException("listing failed: connection reset");
        });
        VerifyJob gone = new VerifyJob(spark(), config, (tables, version) -> {
            throw new IllegalStateException("check failed", new java.io.FileNotFoundException("00000.json"));
        });

        Verification unchecked = broken.verify(OCTOBER, OptionalInt.empty(), KEY.getPublic());
        Verification unreadable = gone.verify(OCTOBER, OptionalInt.empty(), KEY.getPublic());

        // Everything else holds (the recompute reads the version fine), and still verify does not.
        assertThat(unchecked.holds()).isFalse();
        assertThat(unchecked.mismatches())
                .singleElement()
                .asString()
                .contains("storage check of raw_usage_events at version")
                .contains("could not run")
                .contains("IllegalStateException: listing failed: connection reset");
        assertThat(unreadable.holds()).isFalse();
        assertThat(unreadable.mismatches()).singleElement().asString().contains("is no longer readable");
        assertThat(verify(OptionalInt.empty()).holds()).isTrue();
    }

    @Test
    void catchesALineRewrittenInTheTable() {
        publishedOnce();

        // What someone with write access to the storage could do: lift appendOnly and rewrite a quantity.
        spark().sql("ALTER TABLE delta.`" + warehouse.path(Tables.BILLING_PERIOD_LINES)
                + "` SET TBLPROPERTIES ('delta.appendOnly' = 'false')");
        spark().sql("UPDATE delta.`" + warehouse.path(Tables.BILLING_PERIOD_LINES) + "` SET quantity = 6");
        Verification verification = verify(OptionalInt.empty());

        assertThat(verification.holds()).isFalse();
        assertThat(verification.mismatches())
                .anySatisfy(m -> assertThat(m).contains("hash to").contains("changed"))
                .anySatisfy(m -> assertThat(m).contains("signature").contains("does not verify"))
                .anySatisfy(m -> assertThat(m)
                        .contains("sub-std / acct-1 / standard / functions.invocations")
                        .contains("stored 6.000000000 (2 events)")
                        .contains("7.000000000 (2 events)"));
    }

    @Test
    void catchesADeletedRawRowAndAVacuumedVersion() {
        publishedOnce();
        assertThat(verify(OptionalInt.empty()).holds()).isTrue();

        spark().sql("ALTER TABLE delta.`" + warehouse.path(Tables.RAW_USAGE_EVENTS)
                + "` SET TBLPROPERTIES ('delta.appendOnly' = 'false')");
        spark().sql("DELETE FROM delta.`" + warehouse.path(Tables.RAW_USAGE_EVENTS) + "` WHERE event_id = 'a'");
        Verification verification = verify(OptionalInt.empty());

        // The recorded version still reads (the files are there until a vacuum), but raw is no longer a log.
        assertThat(verification.holds()).isFalse();
        assertThat(verification.mismatches())
                .anySatisfy(m -> assertThat(m).contains("SET TBLPROPERTIES"))
                .anySatisfy(m -> assertThat(m).contains("not append-only").contains("DELETE"));

        // Vacuumed, the recorded version no longer reads at all.
        spark().conf().set("spark.databricks.delta.retentionDurationCheck.enabled", "false");
        try {
            spark().sql("VACUUM delta.`" + warehouse.path(Tables.RAW_USAGE_EVENTS) + "` RETAIN 0 HOURS");
        } finally {
            spark().conf().unset("spark.databricks.delta.retentionDurationCheck.enabled");
        }
        assertThat(verify(OptionalInt.empty()).mismatches())
                .anySatisfy(
                        m -> assertThat(m).contains("cannot be read at version").contains("vacuumed"));
    }

    @Test
    void catchesARawFileRewrittenBehindDeltasBack() throws Exception {
        publishedOnce();
        // Someone with storage access rewrites the data file holding event a, with a larger quantity,
        // in place (and drops the local checksum file that would give it away).
        String file = warehouse
                .read(Tables.RAW_USAGE_EVENTS)
                .where("event_id = 'a'")
                .select(org.apache.spark.sql.functions.input_file_name())
                .first()
                .getString(0);
        Path original = Path.of(new java.net.URI(file));
        Path rewritten = dir.resolve("rewritten");
        spark().read()
                .parquet(original.toString())
                .withColumn(
                        "quantity",
                        org.apache
                                .spark
                                .sql
                                .functions
                                .when(
                                        org.apache
                                                .spark
                                                .sql
                                                .functions
                                                .col("event_id")
                                                .equalTo("a"),
                                        org.apache
                                                .spark
                                                .sql
                                                .functions
                                                .lit(new BigDecimal("300"))
                                                .cast(Tables.QUANTITY_TYPE))
                                .otherwise(org.apache.spark.sql.functions.col("quantity")))
                .coalesce(1)
                .write()
                .parquet(rewritten.toString());
        try (var parts = java.nio.file.Files.list(rewritten)) {
            Path part = parts.filter(p -> p.getFileName().toString().endsWith(".parquet"))
                    .findFirst()
                    .orElseThrow();
            java.nio.file.Files.move(part, original, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        java.nio.file.Files.deleteIfExists(original.resolveSibling("." + original.getFileName() + ".crc"));

        Verification verification = verify(OptionalInt.empty());

        assertThat(verification.holds()).isFalse();
        // Delta's log does not notice (the file may even keep its size); the recompute does.
        assertThat(verification.mismatches())
                .anySatisfy(m -> assertThat(m)
                        .contains("stored 7.000000000 (2 events), recomputed from raw v")
                        .contains("304.000000000 (2 events)"));

        // A file truncated or swapped for another size is named by the file check as well.
        java.nio.file.Files.write(original, new byte[] {1, 2, 3});
        assertThat(verify(OptionalInt.empty()).mismatches())
                .anySatisfy(m -> assertThat(m)
                        .contains(original.getFileName().toString())
                        .contains("has 3 bytes, but version"));
    }

    @Test
    void namesTheKeyWhenAnotherKeySigned() {
        publishedOnce();
        KeyPair other = Signing.generateKeyPair();

        Verification verification =
                new VerifyJob(spark(), config).verify(OCTOBER, OptionalInt.empty(), other.getPublic());

        assertThat(verification.mismatches())
                .singleElement()
                .asString()
                .contains("signed by key " + Signing.keyId(KEY.getPublic()))
                .contains("public key given is " + Signing.keyId(other.getPublic()));
    }

    @Test
    void refusesARevisionThatDoesNotExist() {
        assertThatThrownBy(() -> verify(OptionalInt.empty()))
                .isInstanceOf(MeterlakeException.class)
                .hasMessageContaining("has not been published");
        publishedOnce();
        assertThatThrownBy(() -> verify(OptionalInt.of(3)))
                .isInstanceOf(MeterlakeException.class)
                .hasMessageContaining("no revision 3")
                .hasMessageContaining("1 to 1");
    }

    @Test
    void oneRevisionWhenPublishesRaceAndASecondIsRefusedNamingTheFirst() throws Exception {
        try (var held = warehouse.lease("publish", "publish of 2026-09", AFTER_GRACE)) {
            assertThatThrownBy(() -> publish(AFTER_GRACE, PublishMode.WHEN_READY))
                    .isInstanceOf(MeterlakeException.class)
                    .satisfies(
                            e -> assertThat(((MeterlakeException) e).exitCode()).isEqualTo(ExitCodes.NOT_READY))
                    .hasMessageStartingWith("another publish of 2026-09 (host ")
                    .hasMessageContaining("holds this warehouse's publish lease");
        }
        assertThat(
                        warehouse.exists(Tables.BILLING_PERIODS)
                                ? warehouse.read(Tables.BILLING_PERIODS).count()
                                : 0)
                .isZero();

        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        List<java.util.concurrent.Future<String>> outcomes = new java.util.ArrayList<>();
        for (int i = 0; i < 2; i++) {
            outcomes.add(pool.submit(() -> {
                start.await();
                try {
                    PublishResult result = publish(AFTER_GRACE, PublishMode.WHEN_READY);
                    return (result.published() ? "published " : "unchanged ")
                            + result.header().revision();
                } catch (MeterlakeException e) {
                    return "exit " + e.exitCode() + ": " + e.getMessage();
                }
            }));
        }
        start.countDown();
        List<String> results = new java.util.ArrayList<>();
        for (var outcome : outcomes) {
            results.add(outcome.get());
        }
        pool.shutdown();

        assertThat(results)
                .as("outcomes")
                .filteredOn(r -> r.equals("published 1"))
                .hasSize(1);
        assertThat(results)
                .allSatisfy(r -> assertThat(r).matches("published 1|unchanged 1|exit 75: another publish.*"));
        assertThat(warehouse.read(Tables.BILLING_PERIODS).count()).isEqualTo(1);
    }

    @Test
    void theChainShowsARemovedRevisionAndTheReceiptTheRemovedLatest() throws Exception {
        BillingPeriod first = publishedOnce();
        append(event().id("late").quantity("10").at("2026-10-15T00:00:00Z").json());
        PublishResult second = publish(AFTER_GRACE, PublishMode.WHEN_READY);
        Path receiptFile = dir.resolve("receipts").resolve("2026-10.json");
        Receipt.write(receiptFile, second.header());
        Receipt.Proof proof = Receipt.read(receiptFile, KEY.getPublic(), List.of());

        assertThat(first.chain().orElseThrow().sequence()).isEqualTo(1);
        assertThat(first.chain().orElseThrow().previousHeaderSha256()).isNull();
        assertThat(second.header().chain().orElseThrow().sequence()).isEqualTo(2);
        assertThat(second.header().chain().orElseThrow().previousHeaderSha256())
                .isEqualTo(first.chain().orElseThrow().headerSha256());
        assertThat(Receipt.header(receiptFile, KEY.getPublic())).isEqualTo(second.header());
        assertThat(proof.sequence()).isEqualTo(2);
        assertThat(proof.sha256())
                .isEqualTo(second.header().chain().orElseThrow().headerSha256());
        VerifyJob verifier = new VerifyJob(spark(), config);
        assertThat(verifier.verify(OCTOBER, OptionalInt.empty(), KEY.getPublic(), List.of(proof))
                        .mismatches())
                .isEmpty();

        // A receipt that was edited, or is checked with another key, is refused.
        Path edited = Files.writeString(
                dir.resolve("edited.json"),
                Files.readString(receiptFile)
                        .replace(
                                "\"raw_table_version\" : " + second.header().rawTableVersion(),
                                "\"raw_table_version\" : 0"));
        assertThatThrownBy(() -> Receipt.read(edited, KEY.getPublic(), List.of()))
                .hasMessageContaining("does not verify");
        assertThatThrownBy(() ->
                        Receipt.read(receiptFile, Signing.generateKeyPair().getPublic(), List.of()))
                .hasMessageContaining("does not verify");

        // The latest commit of billing_periods is deleted: revision 2 is gone, and the table alone shows nothing.
        Path log = Path.of(warehouse.path(Tables.BILLING_PERIODS), "_delta_log");
        long latest = warehouse.version(Tables.BILLING_PERIODS);
        deleteCommit(log, latest);
        assertThat(verify(OptionalInt.empty()).holds()).as("without a receipt").isTrue();
        assertThat(verifier.verify(OCTOBER, OptionalInt.empty(), KEY.getPublic(), List.of(proof))
                        .mismatches())
                .singleElement()
                .asString()
                .startsWith("the tables hold less than the receipt proves: the receipt proves"
                        + " the publish of revision 2 of 2026-10 at sequence 2")
                .contains("holds no decision at that sequence");

        // A header appended out of the sequence: the chain names the gap.
        BillingPeriod forged = new BillingPeriod(
                Period.parse("2026-11"),
                1,
                first.rawTableVersion(),
                0,
                first.contentSha256(),
                first.signature(),
                first.keyId(),
                first.publishedAt(),
                OptionalInt.empty(),
                false,
                Optional.of(new BillingPeriod.Chain(4, "0".repeat(64), "1".repeat(64), "AA==", null)),
                Optional.empty());
        warehouse.appendIdempotent(
                spark().createDataFrame(List.of(forged.toRow()), Tables.BILLING_PERIOD),
                Tables.BILLING_PERIODS,
                "forger",
                0);
        assertThat(verify(OptionalInt.empty()).mismatches())
                .anySatisfy(m -> assertThat(m)
                        .isEqualTo("the chain of decisions has no decision at sequence 2 to 3: a publish,"
                                + " approval, lock or replay was removed"))
                .anySatisfy(
                        m -> assertThat(m).contains("revision 1 of 2026-11").contains("a header field was changed"));

        // A commit of raw deleted from the middle of its log: named as a verification failure.
        deleteCommit(Path.of(warehouse.path(Tables.RAW_USAGE_EVENTS), "_delta_log"), 1);
        assertThat(verify(OptionalInt.empty()).mismatches())
                .anySatisfy(m -> assertThat(m)
                        .isEqualTo(
                                "the history of raw_usage_events cannot be read: its Delta log has a gap (version 1 is"
                                        + " missing): a commit was removed"));
    }

    /** Deletes one commit file (and its checksum) of a Delta log, as someone with storage access could. */
    private static void deleteCommit(Path log, long version) throws java.io.IOException {
        String name = String.format("%020d.json", version);
        Files.delete(log.resolve(name));
        Files.deleteIfExists(log.resolve("." + name + ".crc"));
        Files.deleteIfExists(log.resolve(String.format("%020d.crc", version)));
        org.apache.spark.sql.delta.DeltaLog.clearCache();
    }
}
