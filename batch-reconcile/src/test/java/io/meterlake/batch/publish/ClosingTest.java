package io.meterlake.batch.publish;

import static io.meterlake.testing.Fixtures.entitlement;
import static io.meterlake.testing.Fixtures.entitlements;
import static io.meterlake.testing.Fixtures.fileRecords;
import static io.meterlake.testing.UsageEvents.event;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.error.MeterlakeException;
import io.meterlake.model.BillingLine;
import io.meterlake.model.CorrectionLine;
import io.meterlake.period.Period;
import io.meterlake.period.PeriodState;
import io.meterlake.pipeline.EventPipeline;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.signing.Signing;
import io.meterlake.table.Warehouse;
import io.meterlake.testing.HeadlessChromium;
import io.meterlake.testing.SparkTestBase;
import io.meterlake.validation.Quantities;
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
import java.util.OptionalLong;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Closing the books over a real Delta warehouse: four-eyes approval, lock, and late usage of a locked
 * period billed as correction lines by the next open period, exactly once, each re-derived by verify.
 */
class ClosingTest extends SparkTestBase {
    private static final Period OCTOBER = Period.parse("2026-10");
    private static final Period NOVEMBER = Period.parse("2026-11");
    private static final Period DECEMBER = Period.parse("2026-12");
    private static final Duration GRACE = Duration.ofHours(48);
    private static final KeyPair PUBLISHER = Signing.generateKeyPair();
    private static final KeyPair APPROVER = Signing.generateKeyPair();

    @TempDir
    Path dir;

    private MeterlakeConfig config;
    private Warehouse warehouse;
    private long batch = 1;

    private void open(Map<String, String> settings) {
        config = ConfigLoader.load(Optional.empty(), List.of(), settings)
                .withWarehouse(dir.resolve("w").toString());
        warehouse = new Warehouse(spark(), config.warehouse());
        warehouse.ensureIngestTables();
    }

    private static Clock at(String instant) {
        return Clock.fixed(Instant.parse(instant), ZoneOffset.UTC);
    }

    /** Appends the accepted records of these payloads to raw, as one ingest at {@code ingestedAt} would. */
    private void append(String ingestedAt, String... payloads) {
        Dataset<Row> processed = new EventPipeline(config.catalog(), config.maxClockSkew(), config.maxEventAge())
                .process(
                        fileRecords(spark(), Instant.parse(ingestedAt), List.of(payloads)),
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
                                        null),
                                entitlement(
                                        "e-two",
                                        "sub-two",
                                        "acct-1",
                                        "acme",
                                        "app-2",
                                        "standard",
                                        "2026-01-01T00:00:00Z",
                                        null)));
        warehouse.appendIdempotent(EventPipeline.accepted(processed), Tables.RAW_USAGE_EVENTS, "test", batch++);
    }

    private PublishResult publish(Period period, String now) {
        return new PublishJob(spark(), config, at(now))
                .publish(period, PUBLISHER.getPrivate(), GRACE, PublishMode.WHEN_READY, OptionalLong.empty());
    }

    private Closing closing() {
        return new Closing(spark(), warehouse, config.approvers());
    }

    private Verification verify(Period period) {
        return new VerifyJob(spark(), config).verify(period, OptionalInt.empty(), PUBLISHER.getPublic());
    }

    /** The stored rows of a period's lines, every column, as text: what "byte-identical" compares. */
    private List<String> storedRows(Period period) {
        return warehouse
                .read(Tables.BILLING_PERIOD_LINES)
                .where(col(Columns.PERIOD).equalTo(period.toString()))
                .collectAsList()
                .stream()
                .map(Row::toString)
                .sorted()
                .toList();
    }

    private static BillingLine line(String metric, String unit, String quantity, long events) {
        return new BillingLine("sub-std", "acct-1", "standard", metric, unit, new BigDecimal(quantity), events);
    }

    private static CorrectionLine correction(String metric, String unit, String quantity, long events) {
        return new CorrectionLine(
                "2026-10", "sub-std", "acct-1", "standard", metric, unit, new BigDecimal(quantity), events);
    }

    @Test
    void lateUsageOfALockedPeriodIsBilledOnceAsCorrectionLinesOfTheNextOpenPeriod() {
        open(Map.of());
        append(
                "2026-11-02T00:00:00Z",
                event().id("a")
                        .metric("kvs.writes", "count")
                        .quantity("3")
                        .at("2026-10-01T00:00:00Z")
                        .json(),
                event().id("b").quantity("4").at("2026-10-31T23:59:59.999999Z").json(),
                event().id("c").quantity("5").at("2026-11-01T00:00:00Z").json());
        BillingPeriod october = publish(OCTOBER, "2026-11-20T00:00:00Z").header();
        assertThat(closing().status(OCTOBER).state()).isEqualTo(PeriodState.DRAFT);

        // Four eyes: the publisher's key cannot approve; nothing is locked before an approval.
        assertThatThrownBy(() -> closing()
                        .approve(OCTOBER, OptionalInt.empty(), PUBLISHER.getPrivate(), at("2026-11-21T00:00:00Z")))
                .isInstanceOfSatisfying(
                        MeterlakeException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.USAGE))
                .hasMessageContaining("four eyes");
        assertThatThrownBy(() -> closing().lock(OCTOBER, PUBLISHER.getPrivate(), at("2026-11-21T00:00:00Z")))
                .isInstanceOfSatisfying(
                        MeterlakeException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.USAGE))
                .hasMessageContaining("is not approved");

        Closing.Decided<Approval> approved =
                closing().approve(OCTOBER, OptionalInt.empty(), APPROVER.getPrivate(), at("2026-11-21T00:00:00Z"));
        Approval approval = approved.decision();
        assertThat(approved.recorded()).isTrue();
        assertThat(approval.approverKeyId()).isEqualTo(Signing.keyId(APPROVER.getPublic()));
        assertThat(approval.publisherKeyId()).isEqualTo(october.keyId());
        // Again: the same approval, said to be the earlier one (nothing written).
        assertThat(closing().approve(OCTOBER, OptionalInt.of(1), APPROVER.getPrivate(), at("2026-11-22T00:00:00Z")))
                .isEqualTo(new Closing.Decided<>(approval, false));
        assertThat(warehouse.read(Tables.BILLING_APPROVALS).count()).isEqualTo(1);
        assertThat(closing().status(OCTOBER).state()).isEqualTo(PeriodState.APPROVED);

        Closing.Decided<PeriodLock> locked =
                closing().lock(OCTOBER, PUBLISHER.getPrivate(), at("2026-11-22T00:00:00Z"));
        assertThat(locked.recorded()).isTrue();
        PeriodLock lock = locked.decision();
        assertThat(lock.revision()).isEqualTo(1);
        assertThat(closing().lock(OCTOBER, PUBLISHER.getPrivate(), at("2026-11-23T00:00:00Z")))
                .isEqualTo(new Closing.Decided<>(lock, false));
        assertThat(closing().status(OCTOBER).state()).isEqualTo(PeriodState.LOCKED);
        assertThat(closing().nextOpen(OCTOBER)).isEqualTo(NOVEMBER);
        List<String> octoberRows = storedRows(OCTOBER);

        // A very late October event and a void of an October event, after the lock.
        append(
                "2026-11-25T00:00:00Z",
                event().id("late").quantity("10").at("2026-10-15T00:00:00Z").json(),
                event().id("void-a")
                        .metric("kvs.writes", "count")
                        .voids("a")
                        .at("2026-10-01T00:00:00Z")
                        .json());

        PublishResult lockedAgain = publish(OCTOBER, "2026-11-26T00:00:00Z");
        assertThat(lockedAgain.published()).isFalse();
        assertThat(lockedAgain.locked()).hasValue(lock);
        assertThat(storedRows(OCTOBER)).isEqualTo(octoberRows);
        assertThat(new BillingPeriods(warehouse).revisions(OCTOBER)).containsExactly(october);

        PublishResult november = publish(NOVEMBER, "2026-12-04T00:00:00Z");
        assertThat(november.lines()).containsExactly(line("functions.invocations", "count", "5", 1));
        assertThat(november.corrections())
                .containsExactly(
                        correction("functions.invocations", "count", "10", 1),
                        correction("kvs.writes", "count", "-3", -1));
        assertThat(publish(NOVEMBER, "2026-12-04T12:00:00Z").published()).isFalse();
        assertThat(verify(OCTOBER).mismatches()).isEmpty();
        Verification novemberVerified = verify(NOVEMBER);
        assertThat(novemberVerified.mismatches()).isEmpty();
        assertThat(novemberVerified.corrections()).isEqualTo(2);
        assertThat(storedRows(OCTOBER)).isEqualTo(octoberRows);
        statementInABrowser();

        // November closes too; a later change of October goes into December, and what November carried
        // is never carried again.
        closing().approve(NOVEMBER, OptionalInt.empty(), APPROVER.getPrivate(), at("2026-12-05T00:00:00Z"));
        closing().lock(NOVEMBER, PUBLISHER.getPrivate(), at("2026-12-05T00:00:00Z"));
        assertThat(closing().nextOpen(OCTOBER)).isEqualTo(DECEMBER);
        append(
                "2026-12-10T00:00:00Z",
                event().id("later").quantity("2").at("2026-10-20T00:00:00Z").json());
        PublishResult december = publish(DECEMBER, "2027-01-04T00:00:00Z");
        assertThat(december.lines()).isEmpty();
        assertThat(december.corrections()).containsExactly(correction("functions.invocations", "count", "2", 1));
        assertThat(verify(DECEMBER).mismatches()).isEmpty();
        assertThat(verify(NOVEMBER).mismatches()).isEmpty();

        // verify names an approval by the publisher's own key, written around approve.
        Approval unsigned = new Approval(
                DECEMBER.toString(),
                1,
                december.header().contentSha256(),
                december.header().chain().orElseThrow().headerSha256(),
                december.header().keyId(),
                december.header().keyId(),
                java.util.Base64.getEncoder()
                        .encodeToString(PUBLISHER.getPublic().getEncoded()),
                Instant.parse("2027-01-05T00:00:00Z"),
                "",
                null);
        warehouse.appendIdempotent(
                spark().createDataFrame(
                                List.of(unsigned.signed(PUBLISHER.getPrivate()).toRow()), Tables.BILLING_APPROVAL),
                Tables.BILLING_APPROVALS,
                "forged",
                1);
        assertThat(verify(DECEMBER).mismatches())
                .anySatisfy(m -> assertThat(m).contains("the approver is the publisher (four eyes"))
                .anySatisfy(m -> assertThat(m).contains("is not in the chain of decisions: it was written around"))
                .hasSize(2);
        assertThat(closing().status(DECEMBER).state()).isEqualTo(PeriodState.DRAFT);

        // An approval by another key whose signature does not verify: the tables record December as
        // approved (the one definition Trino shares), but lock refuses to build on it and verify's
        // approval check names it.
        Approval claimed = new Approval(
                DECEMBER.toString(),
                1,
                december.header().contentSha256(),
                unsigned.headerSha256(),
                december.header().keyId(),
                Signing.keyId(APPROVER.getPublic()),
                java.util.Base64.getEncoder()
                        .encodeToString(APPROVER.getPublic().getEncoded()),
                Instant.parse("2027-01-05T00:00:01Z"),
                "",
                null);
        warehouse.appendIdempotent(
                spark().createDataFrame(
                                List.of(claimed.signed(PUBLISHER.getPrivate()).toRow()), Tables.BILLING_APPROVAL),
                Tables.BILLING_APPROVALS,
                "forged-signature",
                1);
        assertThat(closing().status(DECEMBER).state()).isEqualTo(PeriodState.APPROVED);
        assertThatThrownBy(() -> closing().lock(DECEMBER, PUBLISHER.getPrivate(), at("2027-01-06T00:00:00Z")))
                .isInstanceOfSatisfying(
                        MeterlakeException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.FAILED))
                .hasMessageContaining("its signature does not verify, so 2026-12 is not locked");
        assertThat(closing().lock(DECEMBER)).isEmpty();
        assertThat(closing().problems(DECEMBER))
                .anySatisfy(m -> assertThat(m).contains("its signature does not verify"));
    }

    /**
     * November's statement of acct-1 (usage and October's correction lines), rendered in a real headless
     * Chromium: what it shows equals 'periods show', its chart holds a bar per day, it fetches nothing,
     * and the same revision gives the same bytes.
     */
    private void statementInABrowser() {
        Closing.Status status = closing().status(NOVEMBER);
        assertThat(PeriodReport.statusLine(status))
                .contains("draft (published by key " + Signing.keyId(PUBLISHER.getPublic()));
        Path page = dir.resolve("statement.html");
        byte[] html = statement();
        write(page, html);
        BillingPeriods periods = new BillingPeriods(warehouse);
        BillingPeriod header = periods.require(NOVEMBER, OptionalInt.empty());
        // What 'periods show --period 2026-11 --format json' prints.
        JsonNode shown = new com.fasterxml.jackson.databind.ObjectMapper()
                .valueToTree(PeriodReport.json(
                        header, periods.lines(header), periods.corrections(header), Optional.of(status)));
        assertThat(shown.get("status").textValue()).isEqualTo("draft");
        List<List<String>> lines = new java.util.ArrayList<>();
        shown.get("lines")
                .forEach(line -> lines.add(List.of(
                        line.get("subscription_id").textValue(),
                        line.get("plan").textValue(),
                        line.get("metric").textValue(),
                        line.get("unit").textValue(),
                        line.get("quantity").textValue(),
                        line.get("event_count").asText())));
        List<List<String>> corrections = new java.util.ArrayList<>();
        shown.get("corrections")
                .forEach(line -> corrections.add(List.of(
                        line.get("service_period").textValue(),
                        line.get("subscription_id").textValue(),
                        line.get("plan").textValue(),
                        line.get("metric").textValue(),
                        line.get("unit").textValue(),
                        line.get("quantity").textValue(),
                        line.get("event_count").asText())));
        assertThat(corrections).hasSize(2);

        try (HeadlessChromium browser = HeadlessChromium.start(dir)) {
            HeadlessChromium.Page view = browser.open(page.toUri());
            assertThat(HeadlessChromium.tableText(view, "#lines"))
                    .isEqualTo(lines)
                    .isNotEmpty();
            assertThat(HeadlessChromium.tableText(view, "#corrections")).isEqualTo(corrections);
            assertThat(view.evaluate("document.getElementById('status').innerText")
                            .asText())
                    .isEqualTo("DRAFT");
            assertThat(view.evaluate("document.getElementById('fingerprints').innerText")
                            .asText())
                    .contains(shown.get("content_sha256").textValue())
                    .contains(shown.get("key_id").textValue());
            // A bar per day of November; the days add up to the line, and the first day's bar is drawn.
            String bars = "document.querySelectorAll('figure[data-metric=\"functions.invocations\"] rect.bar')";
            assertThat(view.evaluate(bars + ".length").intValue()).isEqualTo(30);
            assertThat(new BigDecimal(view.evaluate("Array.from(" + bars + ").map(b => b.dataset.value)"
                                    + ".reduce((a, v) => a + Number(v), 0).toFixed(9)")
                            .asText()))
                    .isEqualByComparingTo("5");
            assertThat(view.evaluate("document.querySelector('figure[data-metric=\"functions.invocations\"]"
                                    + " rect[data-day=\"2026-11-01\"]')"
                                    + ".getBoundingClientRect().height")
                            .doubleValue())
                    .isGreaterThan(50);
            assertThat(view.evaluate("performance.getEntriesByType('resource').length")
                            .intValue())
                    .isZero();
            Path png = Files.createDirectories(Path.of("target", "statements")).resolve("2026-11-acct-1.png");
            view.screenshot(png);
            java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(png.toFile());
            assertThat(image.getWidth()).isEqualTo(1280);
            java.util.Set<Integer> colours = new java.util.HashSet<>();
            for (int y = 0; y < image.getHeight(); y += 7) {
                for (int x = 0; x < image.getWidth(); x += 7) {
                    colours.add(image.getRGB(x, y));
                }
            }
            assertThat(colours).as("a rendered page, not a blank one").hasSizeGreaterThan(5);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        assertThat(statement()).isEqualTo(html);
    }

    /** acct-1's statement of November's latest revision: the page's bytes. */
    private byte[] statement() {
        return statement(NOVEMBER);
    }

    private byte[] statement(Period period) {
        List<io.meterlake.batch.statement.Statement> statements = new io.meterlake.batch.statement.StatementJob(
                        spark(), config)
                .statements(period, OptionalInt.empty(), Optional.of("acct-1"));
        assertThat(statements).hasSize(1);
        return statements.get(0).html();
    }

    private static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void onlyTheListedApproversApproveAndOnlyTheLatestRevision() {
        KeyPair other = Signing.generateKeyPair();
        open(Map.of("approval.approvers", Signing.keyId(APPROVER.getPublic())));
        append(
                "2026-11-02T00:00:00Z",
                event().id("a").quantity("3").at("2026-10-01T00:00:00Z").json());
        publish(OCTOBER, "2026-11-20T00:00:00Z");
        append(
                "2026-11-21T00:00:00Z",
                event().id("b").quantity("4").at("2026-10-02T00:00:00Z").json());
        assertThat(publish(OCTOBER, "2026-11-21T00:00:00Z").header().revision()).isEqualTo(2);

        assertThatThrownBy(() ->
                        closing().approve(OCTOBER, OptionalInt.empty(), other.getPrivate(), at("2026-11-22T00:00:00Z")))
                .isInstanceOfSatisfying(
                        MeterlakeException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.USAGE))
                .hasMessageContaining("is not an allowed approver");
        assertThatThrownBy(() -> closing()
                        .approve(OCTOBER, OptionalInt.of(1), APPROVER.getPrivate(), at("2026-11-22T00:00:00Z")))
                .isInstanceOfSatisfying(
                        MeterlakeException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.USAGE))
                .hasMessageContaining("revision 1 of 2026-10 is not the latest (2)");
        assertThat(closing()
                        .approve(OCTOBER, OptionalInt.of(2), APPROVER.getPrivate(), at("2026-11-22T00:00:00Z"))
                        .decision()
                        .revision())
                .isEqualTo(2);

        // An approval of revision 2 does not carry over to a revision 3.
        append(
                "2026-11-23T00:00:00Z",
                event().id("c").quantity("1").at("2026-10-03T00:00:00Z").json());
        assertThat(publish(OCTOBER, "2026-11-23T00:00:00Z").header().revision()).isEqualTo(3);
        assertThat(closing().status(OCTOBER).state()).isEqualTo(PeriodState.DRAFT);
        assertThatThrownBy(() -> closing().lock(OCTOBER, PUBLISHER.getPrivate(), at("2026-11-24T00:00:00Z")))
                .hasMessageContaining("is not approved");
        assertThat(verify(OCTOBER).mismatches()).isEmpty();
    }

    /**
     * Every decision is a link of one chain, each naming raw's latest commit: a lock deleted or edited, and a raw
     * commit deleted after a signed version, are seen by verify wherever a later decision (or the lock's receipt)
     * names them; and no decision is added to a broken chain.
     */
    @Test
    void aDeletedOrEditedLockAndADeletedRawCommitAreSeen() throws Exception {
        open(Map.of());
        append(
                "2026-11-02T00:00:00Z",
                event().id("a").quantity("3").at("2026-10-05T00:00:00Z").json());
        publish(OCTOBER, "2026-11-20T00:00:00Z");
        closing().approve(OCTOBER, OptionalInt.empty(), APPROVER.getPrivate(), at("2026-11-21T00:00:00Z"));
        assertThatThrownBy(() -> new Closing(spark(), warehouse, List.of(Signing.keyId(APPROVER.getPublic())))
                        .lock(OCTOBER, Signing.generateKeyPair().getPrivate(), at("2026-11-22T00:00:00Z")))
                .hasMessageContaining("nor is in approval.approvers");
        PeriodLock lock = closing()
                .lock(OCTOBER, PUBLISHER.getPrivate(), at("2026-11-22T00:00:00Z"))
                .decision();
        assertThat(lock.sequence()).isEqualTo(3);
        assertThat(lock.keyId()).isEqualTo(Signing.keyId(PUBLISHER.getPublic()));
        assertThat(lock.integrityProblems()).isEmpty();
        Path lockReceipt = dir.resolve("receipts").resolve("2026-10.lock.json");
        Receipt.write(lockReceipt, lock);
        Receipt.Proof proof = Receipt.read(lockReceipt, PUBLISHER.getPublic(), List.of());
        assertThat(proof.sequence()).isEqualTo(3);
        assertThat(verify(OCTOBER, proof)).isEmpty();
        Path saved = copy(dir.resolve("w"), dir.resolve("after-lock"));

        // The lock is the latest decision and its commit is deleted: only its receipt can tell.
        deleteLatestCommit(Tables.BILLING_PERIOD_LOCKS);
        assertThat(closing().status(OCTOBER).state()).isEqualTo(PeriodState.APPROVED);
        assertThat(verify(OCTOBER).mismatches())
                .as("no later decision names it")
                .isEmpty();
        assertThat(verify(OCTOBER, proof))
                .singleElement()
                .asString()
                .startsWith("the tables hold less than the receipt proves: the receipt proves the lock of 2026-10 at"
                        + " revision 1 at sequence 3");

        // A late October event after the lock, and November's publish: it witnesses raw's latest commit.
        restore(saved, dir.resolve("w"));
        append(
                "2026-11-25T00:00:00Z",
                event().id("late").quantity("10").at("2026-10-15T00:00:00Z").json());
        long lateCommit = warehouse.version(Tables.RAW_USAGE_EVENTS);
        PublishResult november = publish(NOVEMBER, "2026-12-04T00:00:00Z");
        assertThat(november.header().chain().orElseThrow().sequence()).isEqualTo(4);
        assertThat(november.header().chain().orElseThrow().rawWitness().version())
                .isEqualTo(lateCommit);
        assertThat(november.corrections()).containsExactly(correction("functions.invocations", "count", "10", 1));
        assertThat(verify(OCTOBER).mismatches()).isEmpty();
        Path witnessed = copy(dir.resolve("w"), dir.resolve("after-november"));

        // The lock's commit deleted now: a gap before November's publish, and publish refuses to go on (it would
        // otherwise sign a revision 2 of the "unlocked" October with the late event in it).
        deleteLatestCommit(Tables.BILLING_PERIOD_LOCKS);
        assertThat(verify(OCTOBER).mismatches())
                .contains("the chain of decisions has no decision at sequence 3: a publish, approval, lock or replay"
                        + " was removed");
        assertThatThrownBy(() -> publish(OCTOBER, "2026-12-05T00:00:00Z"))
                .isInstanceOfSatisfying(
                        MeterlakeException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.FAILED))
                .hasMessageContaining("the chain of decisions is broken");
        assertThat(new BillingPeriods(warehouse).revisions(OCTOBER)).hasSize(1);

        // The lock's row edited in its data file (a later lock time): its signature and November's link show it.
        restore(witnessed, dir.resolve("w"));
        rewriteOnlyDataFile(
                Tables.BILLING_PERIOD_LOCKS,
                warehouse
                        .read(Tables.BILLING_PERIOD_LOCKS)
                        .withColumn(
                                Columns.LOCKED_AT,
                                org.apache.spark.sql.functions.lit(
                                        java.sql.Timestamp.from(Instant.parse("2026-11-30T00:00:00Z")))));
        assertThat(verify(OCTOBER).mismatches())
                .anySatisfy(m -> assertThat(m)
                        .isEqualTo("the lock of 2026-10 at revision 1: its signature does not verify (a field was"
                                + " changed)"))
                .anySatisfy(m -> assertThat(m)
                        .startsWith("the publish of revision 1 of 2026-11 (sequence 4) follows the decision with"
                                + " sha256 ")
                        .endsWith(": the chain was altered"));

        // Raw's late commit deleted after the lock: November's publish witnessed it, so October's verify sees it.
        restore(witnessed, dir.resolve("w"));
        deleteLatestCommit(Tables.RAW_USAGE_EVENTS);
        assertThat(warehouse.version(Tables.RAW_USAGE_EVENTS)).isEqualTo(lateCommit - 1);
        assertThat(verify(OCTOBER).mismatches())
                .contains("raw_usage_events commit " + lateCommit + ", which the publish of revision 1 of 2026-11"
                        + " (sequence 4) witnessed, is gone: raw commits were deleted after it was taken");
    }

    private List<String> verify(Period period, Receipt.Proof proof) {
        return new VerifyJob(spark(), config)
                .verify(period, OptionalInt.empty(), PUBLISHER.getPublic(), List.of(proof))
                .mismatches();
    }

    /** Deletes the latest commit file (and its checksums) of {@code table}'s log, as someone with storage access could. */
    private void deleteLatestCommit(String table) throws java.io.IOException {
        Path log = Path.of(warehouse.path(table), "_delta_log");
        String name = String.format("%020d.json", warehouse.version(table));
        Files.delete(log.resolve(name));
        Files.deleteIfExists(log.resolve("." + name + ".crc"));
        Files.deleteIfExists(log.resolve(name.replace(".json", ".crc")));
        Files.deleteIfExists(log.resolve("." + name.replace(".json", ".crc") + ".crc"));
        org.apache.spark.sql.delta.DeltaLog.clearCache();
    }

    /** Replaces {@code table}'s one data file by {@code rows} written as parquet, behind Delta's back. */
    private void rewriteOnlyDataFile(String table, Dataset<Row> rows) throws java.io.IOException {
        Path tableDir = Path.of(warehouse.path(table));
        Path target;
        try (var files = Files.list(tableDir)) {
            target = files.filter(f -> f.getFileName().toString().endsWith(".parquet"))
                    .reduce((a, b) -> {
                        throw new AssertionError("more than one data file in " + tableDir);
                    })
                    .orElseThrow();
        }
        Path written = dir.resolve("rewritten-" + table);
        rows.coalesce(1).write().parquet(written.toString());
        Path part;
        try (var files = Files.list(written)) {
            part = files.filter(f -> f.getFileName().toString().endsWith(".parquet"))
                    .findFirst()
                    .orElseThrow();
        }
        Files.copy(part, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(tableDir.resolve("." + target.getFileName() + ".crc"));
        org.apache.spark.sql.delta.DeltaLog.clearCache();
    }

    private static Path copy(Path from, Path to) throws java.io.IOException {
        try (var paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return to;
    }

    private static void restore(Path saved, Path warehouseDir) throws java.io.IOException {
        try (var paths = Files.walk(warehouseDir)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
        copy(saved, warehouseDir);
        org.apache.spark.sql.delta.DeltaLog.clearCache();
    }

    /**
     * The statement's chart of every line, for each aggregation of the default catalog (one account, two
     * subscriptions), in headless Chromium: each chart's billed value is its line as 'periods show' gives it,
     * and follows from what the chart shows by the line's own aggregation (a sum of days, the highest day, the
     * distinct count over the period, the percentile of every bucket).
     */
    @Test
    void eachChartShowsItsLineInItsOwnAggregationsTerms() throws Exception {
        open(Map.of());
        List<String> events = new java.util.ArrayList<>();
        events.add(event().id("inv-1").quantity("3").at("2026-10-01T00:00:00Z").json());
        events.add(event().id("inv-2").quantity("4").at("2026-10-31T23:59:59Z").json());
        events.add(event().id("inv-3")
                .app("app-2")
                .quantity("5")
                .at("2026-10-10T08:00:00Z")
                .json());
        events.add(event().id("calls-1")
                .metric("functions.calls", "count")
                .quantity("9")
                .at("2026-10-03T01:00:00Z")
                .json());
        events.add(event().id("calls-2")
                .metric("functions.calls", "count")
                .quantity("9")
                .at("2026-10-04T01:00:00Z")
                .json());
        events.add(event().id("compute-1")
                .metric("functions.compute", "GB-ms")
                .quantity("1500")
                .at("2026-10-05T01:00:00Z")
                .json());
        events.add(users("u-1", "u1", "2026-10-02T10:00:00Z"));
        events.add(users("u-2", "u1", "2026-10-03T10:00:00Z"));
        events.add(users("u-3", "u2", "2026-10-03T11:00:00Z"));
        // Storage held: 10 GB from 23:00 until the next sample 90 minutes later, then 20 GB for its 2-hour hold.
        events.add(event().id("held-1")
                .metric("storage.held", "GB")
                .quantity("10")
                .at("2026-10-01T23:00:00Z")
                .json());
        events.add(event().id("held-2")
                .metric("storage.held", "GB")
                .quantity("20")
                .at("2026-10-02T00:30:00Z")
                .json());
        for (String[] stored : new String[][] {
            {"app-1", "100", "05"}, {"app-1", "300", "06"}, {"app-1", "200", "07"}, {"app-2", "150", "06"}
        }) {
            events.add(event().id("stored-" + stored[0] + "-" + stored[2])
                    .app(stored[0])
                    .metric("storage.stored", "GB")
                    .quantity(stored[1])
                    .at("2026-10-" + stored[2] + "T12:00:00Z")
                    .json());
        }
        // Egress in 500 buckets of 1..500 MB: of October's 8928 buckets the 446 highest are not billed: 54 MB is.
        for (int i = 1; i <= 500; i++) {
            events.add(event().id("egress-" + i)
                    .metric("network.egress", "MB")
                    .quantity(Integer.toString(i))
                    .at(Instant.parse("2026-10-01T00:00:00Z")
                            .plusSeconds(600L * i)
                            .toString())
                    .json());
        }
        append("2026-11-02T00:00:00Z", events.toArray(String[]::new));
        publish(OCTOBER, "2026-11-20T00:00:00Z");
        BillingPeriods periods = new BillingPeriods(warehouse);
        BillingPeriod header = periods.require(OCTOBER, OptionalInt.empty());
        JsonNode shown = new com.fasterxml.jackson.databind.ObjectMapper()
                .valueToTree(PeriodReport.json(
                        header,
                        periods.lines(header),
                        periods.corrections(header),
                        Optional.of(closing().status(OCTOBER))));
        Path page = dir.resolve("october.html");
        write(page, statement(OCTOBER));
        JsonNode charts;
        try (HeadlessChromium browser = HeadlessChromium.start(dir)) {
            HeadlessChromium.Page view = browser.open(page.toUri());
            charts = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(view.evaluate("JSON.stringify("
                                    + "Array.from(document.querySelectorAll('figure.chart')).map(f => ({"
                                    + "key: [f.dataset.subscription, f.dataset.plan, f.dataset.metric].join('/'),"
                                    + "aggregation: f.dataset.aggregation, billed: f.dataset.billed,"
                                    + "dropped: f.dataset.dropped || null,"
                                    + "bars: Array.from(f.querySelectorAll('rect.bar')).map(b => b.dataset.value),"
                                    + "series: f.querySelector('polyline.series') ?"
                                    + " f.querySelector('polyline.series').dataset.values.split(' ') : []})))")
                            .asText());
        }
        Map<String, JsonNode> byKey = new java.util.TreeMap<>();
        charts.forEach(chart -> byKey.put(chart.get("key").textValue(), chart));
        assertThat(byKey).hasSize(shown.get("lines").size()).hasSize(9);
        for (JsonNode line : shown.get("lines")) {
            String key = line.get("subscription_id").textValue() + "/"
                    + line.get("plan").textValue() + "/" + line.get("metric").textValue();
            JsonNode chart = byKey.get(key);
            BigDecimal billed = new BigDecimal(line.get("quantity").textValue());
            assertThat(new BigDecimal(chart.get("billed").textValue())).as(key).isEqualByComparingTo(billed);
            List<BigDecimal> bars = decimals(chart.get("bars"));
            BigDecimal sum = bars.stream().reduce(BigDecimal.ZERO, BigDecimal::add);
            BigDecimal highest = bars.stream().reduce(BigDecimal.ZERO, BigDecimal::max);
            switch (chart.get("aggregation").textValue()) {
                case "SUM", "COUNT" -> assertThat(sum).as(key).isEqualByComparingTo(billed);
                case "TIME_WEIGHTED" ->
                    assertThat(sum.subtract(billed).abs()).as(key).isLessThanOrEqualTo(new BigDecimal("0.000000031"));
                case "MAX" -> assertThat(highest).as(key).isEqualByComparingTo(billed);
                case "UNIQUE_COUNT" -> assertThat(billed).as(key).isBetween(highest, sum);
                case "PERCENTILE" -> {
                    List<BigDecimal> series = new java.util.ArrayList<>(decimals(chart.get("series")));
                    series.sort(null);
                    int dropped = Integer.parseInt(chart.get("dropped").textValue());
                    assertThat(series).as(key).hasSize(31 * 24 * 12);
                    assertThat(series.get(series.size() - 1 - dropped)).as(key).isEqualByComparingTo(billed);
                }
                default -> throw new AssertionError(key + ": " + chart);
            }
        }
        // The cases the lines alone do not show.
        assertThat(new BigDecimal(byKey.get("sub-std/standard/network.egress")
                        .get("billed")
                        .textValue()))
                .isEqualByComparingTo("54");
        assertThat(decimals(byKey.get("sub-std/standard/storage.held").get("bars"))
                        .subList(0, 3))
                .usingElementComparator(BigDecimal::compareTo)
                .containsExactly(new BigDecimal("10"), new BigDecimal("45"), BigDecimal.ZERO);
        assertThat(decimals(byKey.get("sub-std/standard/app.active_users").get("bars"))
                        .subList(1, 3))
                .usingElementComparator(BigDecimal::compareTo)
                .containsExactly(BigDecimal.ONE, new BigDecimal("2"));
        assertThat(new BigDecimal(byKey.get("sub-std/standard/app.active_users")
                        .get("billed")
                        .textValue()))
                .isEqualByComparingTo("2");
        assertThat(new BigDecimal(byKey.get("sub-std/standard/storage.stored")
                        .get("billed")
                        .textValue()))
                .isEqualByComparingTo("300");
        assertThat(new BigDecimal(byKey.get("sub-two/standard/storage.stored")
                        .get("billed")
                        .textValue()))
                .isEqualByComparingTo("150");
    }

    private static String users(String id, String user, String at) {
        return event().id(id)
                .metric("app.active_users", "users")
                .quantity("1")
                .attributes(Map.of("user_id", user))
                .at(at)
                .json();
    }

    private static List<BigDecimal> decimals(JsonNode texts) {
        List<BigDecimal> values = new java.util.ArrayList<>();
        texts.forEach(text -> values.add(new BigDecimal(text.textValue())));
        return values;
    }

    /**
     * 'usage' (UsageQuery, read without Spark): a locked period's values are its lines, marked final; an
     * unpublished one's come from the stream's windows, marked provisional with as_of, each combined by its
     * metric's aggregation, and those the windows cannot give exactly are empty with a note, never a sum.
     */
    @Test
    void usageSaysWhereEachValueComesFromAndSumsOnlyWhatAddsUp() {
        open(Map.of());
        append(
                "2026-11-02T00:00:00Z",
                event().id("a").quantity("3").at("2026-10-01T00:00:00Z").json(),
                event().id("b")
                        .app("app-2")
                        .quantity("5")
                        .at("2026-10-02T00:00:00Z")
                        .json());
        BillingPeriod october = publish(OCTOBER, "2026-11-20T00:00:00Z").header();
        closing().approve(OCTOBER, OptionalInt.empty(), APPROVER.getPrivate(), at("2026-11-21T00:00:00Z"));
        closing().lock(OCTOBER, PUBLISHER.getPrivate(), at("2026-11-22T00:00:00Z"));
        warehouse.ensureStreamTables();
        List<Row> windows = List.of(
                window("sub-std", "functions.invocations", "count", "2026-11-01T00:00:00Z", "2", 2),
                window("sub-std", "functions.invocations", "count", "2026-11-01T01:00:00Z", "3", 3),
                window("sub-std", "functions.invocations", "count", "2026-11-02T05:00:00Z", "4", 4),
                window("sub-std", "storage.stored", "GB", "2026-11-01T00:00:00Z", "10", 1),
                window("sub-std", "storage.stored", "GB", "2026-11-02T00:00:00Z", "30", 1),
                window("sub-std", "app.active_users", "users", "2026-11-01T00:00:00Z", "2", 2),
                window("sub-std", "app.active_users", "users", "2026-11-01T01:00:00Z", "3", 3),
                window("sub-std", "network.egress", "MB", "2026-11-01T00:00:00Z", "100", 4),
                window("sub-two", "functions.invocations", "count", "2026-11-01T00:00:00Z", "7", 7));
        warehouse.appendIdempotent(
                spark().createDataFrame(windows, Tables.PROVISIONAL), Tables.USAGE_AGGREGATES_PROVISIONAL, "test", 1);

        io.meterlake.table.DeltaReads reads =
                new io.meterlake.table.DeltaReads(spark().sparkContext().hadoopConfiguration(), config.warehouse());
        io.meterlake.batch.usage.UsageQuery usage =
                new io.meterlake.batch.usage.UsageQuery(reads, config.catalog(), config.approvers());
        io.meterlake.batch.usage.UsageQuery.Answer final_ =
                usage.period(io.meterlake.batch.usage.UsageQuery.Selection.account("acct-1"), OCTOBER);
        assertThat(final_.values())
                .extracting(v -> v.subscriptionId() + " " + v.metric() + " " + Quantities.render(v.quantity()) + " "
                        + v.source().word())
                .containsExactlyElementsOf(new BillingPeriods(warehouse)
                        .lines(october).stream()
                                .map(l -> l.subscriptionId() + " " + l.metric() + " " + Quantities.render(l.quantity())
                                        + " final")
                                .toList())
                .hasSize(2);
        assertThat(final_.asOf()).isEmpty();

        io.meterlake.batch.usage.UsageQuery.Answer unmarked =
                usage.period(io.meterlake.batch.usage.UsageQuery.Selection.subscription("sub-std"), NOVEMBER);
        assertThat(unmarked.asOf())
                .as("no stream has said how fresh the windows are")
                .isEmpty();
        assertThat(unmarked.freshness())
                .isEqualTo("Provisional values: no stream has said how fresh its windows are."
                        + " Final and published values are signed lines.");
        // as_of is the stream's mark (how fresh the windows are), not the newest window's update (06:00 here).
        Instant mark = Instant.parse("2026-11-03T00:00:10Z");
        warehouse.markVisibleThrough(mark);
        usage = new io.meterlake.batch.usage.UsageQuery(
                new io.meterlake.table.DeltaReads(spark().sparkContext().hadoopConfiguration(), config.warehouse()),
                config.catalog(),
                config.approvers());
        io.meterlake.batch.usage.UsageQuery.Answer november =
                usage.period(io.meterlake.batch.usage.UsageQuery.Selection.subscription("sub-std"), NOVEMBER);
        assertThat(november.asOf()).hasValue(mark);
        assertThat(november.freshness())
                .startsWith("Provisional values: every event the broker had by 2026-11-03T00:00:10Z is counted");
        assertThat(final_.freshness()).startsWith("Every value is a signed line");
        assertThat(usage.period(io.meterlake.batch.usage.UsageQuery.Selection.subscription("sub-none"), NOVEMBER)
                        .asOf())
                .as("nothing used yet, as of the mark")
                .hasValue(mark);
        assertThat(usage.period(io.meterlake.batch.usage.UsageQuery.Selection.subscription("sub-none"), NOVEMBER)
                        .freshness())
                .startsWith("No usage yet: every event the broker had by 2026-11-03T00:00:10Z");
        assertThat(usage.period(io.meterlake.batch.usage.UsageQuery.Selection.account("acct-1"), OCTOBER)
                        .asOf())
                .as("a locked period's lines are no stream's")
                .isEmpty();
        // A kept answer moves on to a later mark read with the same versions; never back, never onto lines.
        Instant later = mark.plusSeconds(10);
        assertThat(november.asOf(Optional.of(later)).asOf()).hasValue(later);
        assertThat(november.asOf(Optional.of(later)).values()).isEqualTo(november.values());
        assertThat(november.asOf(Optional.of(mark.minusSeconds(10))).asOf()).hasValue(mark);
        assertThat(november.asOf(Optional.empty()).asOf()).hasValue(mark);
        assertThat(final_.asOf(Optional.of(later)).asOf()).isEmpty();
        assertThat(november.values())
                .extracting(v -> v.metric() + " " + (v.quantity() == null ? "-" : Quantities.render(v.quantity())) + " "
                        + v.events() + " " + v.source().word())
                .containsExactly(
                        "app.active_users - 5 provisional",
                        "functions.invocations 9.000000000 9 provisional",
                        "network.egress - 4 provisional",
                        "storage.stored 30.000000000 2 provisional");
        assertThat(november.values().get(0).note()).contains("a value seen in several windows counts once");
        assertThat(november.values().get(2).note()).contains("5-minute buckets").contains("volume: 100.000000000");
        assertThat(usage.windows(
                                io.meterlake.batch.usage.UsageQuery.Selection.subscription("sub-std"),
                                NOVEMBER,
                                Duration.ofDays(1))
                        .values())
                .filteredOn(v -> v.metric().equals("functions.invocations"))
                .extracting(v -> v.start() + " " + Quantities.render(v.quantity()))
                .containsExactly("2026-11-01T00:00:00Z 5.000000000", "2026-11-02T00:00:00Z 4.000000000");
        assertThat(usage.windows(
                                io.meterlake.batch.usage.UsageQuery.Selection.subscription("sub-std"),
                                NOVEMBER,
                                Duration.ofHours(1))
                        .values())
                .filteredOn(v -> v.metric().equals("app.active_users"))
                .extracting(v -> Quantities.render(v.quantity()))
                .containsExactly("2.000000000", "3.000000000");
        assertThat(usage.period(io.meterlake.batch.usage.UsageQuery.Selection.subscription("sub-none"), NOVEMBER)
                        .values())
                .isEmpty();
    }

    private static Row window(String subscription, String metric, String unit, String start, String quantity, long n) {
        Instant from = Instant.parse(start);
        return RowFactory.create(
                subscription,
                subscription.equals("sub-std") ? "e-std" : "e-two",
                "acct-1",
                metric,
                unit,
                java.sql.Timestamp.from(from),
                java.sql.Timestamp.from(from.plus(Duration.ofHours(1))),
                new BigDecimal(quantity),
                n,
                1L,
                java.sql.Timestamp.from(from.plus(Duration.ofHours(1))));
    }
}
