package io.meterlake.batch.recompute;

import static io.meterlake.testing.Fixtures.entitlement;
import static io.meterlake.testing.Fixtures.entitlements;
import static io.meterlake.testing.Fixtures.fileRecords;
import static io.meterlake.testing.UsageEvents.event;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.catalog.MetricCatalog;
import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.period.Period;
import io.meterlake.pipeline.EventPipeline;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.testing.SparkTestBase;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class RecomputeTest extends SparkTestBase {
    private static final MeterlakeConfig CONFIG = ConfigLoader.load(Optional.empty(), List.of(), Map.of());
    private static final StructType LINE = new StructType()
            .add(Columns.SUBSCRIPTION_ID, DataTypes.StringType, false)
            .add(Columns.BILLING_ACCOUNT_ID, DataTypes.StringType, false)
            .add(Columns.PLAN, DataTypes.StringType, false)
            .add(Columns.METRIC, DataTypes.StringType, false)
            .add(Columns.UNIT, DataTypes.StringType, false)
            .add(Columns.EVENT_COUNT, DataTypes.LongType, false)
            .add(Columns.QUANTITY, Tables.QUANTITY_TYPE);

    /** Raw rows of these payloads, in file order, attributed across a plan change on 2026-10-16. */
    private Dataset<Row> raw(String... payloads) {
        return raw(Instant.parse("2026-11-20T00:00:00Z"), payloads);
    }

    /** The same, ingested at {@code ingestedAt}. */
    private Dataset<Row> raw(Instant ingestedAt, String... payloads) {
        Dataset<Row> processed = new EventPipeline(CONFIG.catalog(), CONFIG.maxClockSkew(), CONFIG.maxEventAge())
                .process(
                        fileRecords(spark(), ingestedAt, List.of(payloads)),
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
                                        "2026-10-16T00:00:00Z"),
                                entitlement(
                                        "e-prem",
                                        "sub-prem",
                                        "acct-1",
                                        "acme",
                                        "app-1",
                                        "premium",
                                        "2026-10-16T00:00:00Z",
                                        null)));
        return EventPipeline.accepted(processed);
    }

    @Test
    void billsTheFirstRecordOfEachIdentityInsideThePeriod() {
        Dataset<Row> raw = raw(
                event().id("a").quantity("3").at("2026-10-01T00:00:00Z").json(), // at the period start
                event().id("a").quantity("5").at("2026-10-01T00:00:00Z").json(), // conflict: first wins
                event().id("b").quantity("2").at("2026-10-15T12:00:00+02:00").json(),
                event().id("b").quantity("2").at("2026-10-15T10:00:00Z").json(), // same event again
                event().id("c").quantity("7").at("2026-10-20T00:00:00Z").json(), // premium plan
                event().id("d").quantity("9").at("2026-11-01T00:00:00Z").json(), // next period
                event().id("e").quantity("4").at("2026-10-31T23:00:00Z").json(),
                event().id("e").quantity("4").at("2026-11-01T01:00:00Z").json(), // duplicate id in November
                event().id("s1")
                        .metric("storage.stored", "GB")
                        .quantity("1.5")
                        .at("2026-10-02T00:00:00Z")
                        .json(),
                event().id("s2")
                        .metric("storage.stored", "MB")
                        .quantity("2500")
                        .at("2026-10-03T00:00:00Z")
                        .json());

        Dataset<Row> october = new Recompute(CONFIG.catalog()).lines(RankedRaw.of(raw), Period.parse("2026-10"));
        Dataset<Row> november = new Recompute(CONFIG.catalog()).lines(RankedRaw.of(raw), Period.parse("2026-11"));

        assertDataFrameNoOrderEquals(
                lines(
                        RowFactory.create(
                                "sub-std",
                                "acct-1",
                                "standard",
                                "functions.invocations",
                                "count",
                                2L,
                                new BigDecimal("5.000000000")),
                        RowFactory.create(
                                "sub-std",
                                "acct-1",
                                "standard",
                                "storage.stored",
                                "GB",
                                2L,
                                new BigDecimal("2.500000000")),
                        RowFactory.create(
                                "sub-prem",
                                "acct-1",
                                "premium",
                                "functions.invocations",
                                "count",
                                2L,
                                new BigDecimal("11.000000000"))),
                shaped(october));
        // Only d: e's November record is a duplicate of its October event, globally.
        assertDataFrameNoOrderEquals(
                lines(RowFactory.create(
                        "sub-prem",
                        "acct-1",
                        "premium",
                        "functions.invocations",
                        "count",
                        1L,
                        new BigDecimal("9.000000000"))),
                shaped(november));
    }

    /**
     * The bounded ranking reads a period and its horizon; on every identity whose copies lie within
     * the horizon of each other it bills exactly what the ranking of the whole table bills: conflicts
     * across a period boundary (either copy first), and duplicates of one event received on both sides
     * of a period boundary in ingest time.
     */
    @Test
    void withinTheHorizonTheBoundedRecomputeBillsWhatTheWholeTableDoes() {
        Dataset<Row> raw = raw(
                        Instant.parse("2026-10-31T23:59:00Z"),
                        event().id("dup")
                                .quantity("2")
                                .at("2026-10-31T23:58:00Z")
                                .json(), // received in October ...
                        event().id("x").quantity("3").at("2026-09-29T12:00:00Z").json(), // first: September
                        event().id("plain")
                                .quantity("1")
                                .at("2026-10-10T00:00:00Z")
                                .json())
                .unionByName(raw(
                        Instant.parse("2026-11-01T00:30:00Z"),
                        event().id("dup")
                                .quantity("2")
                                .at("2026-10-31T23:58:00Z")
                                .json(), // ... and again in November
                        event().id("x")
                                .quantity("30")
                                .at("2026-10-02T12:00:00Z")
                                .json(), // conflicting copy in October
                        event().id("z").quantity("5").at("2026-11-01T00:00:00Z").json()))
                .unionByName(raw(
                        Instant.parse("2026-11-02T00:01:00Z"),
                        event().id("y").quantity("4").at("2026-11-02T00:00:00Z").json())) // first: November
                .unionByName(raw(
                        Instant.parse("2026-11-03T00:00:00Z"),
                        event().id("y")
                                .quantity("40")
                                .at("2026-10-30T00:00:00Z")
                                .json())) // conflicting copy in October
                .localCheckpoint();
        Recompute recompute = new Recompute(CONFIG.catalog());

        for (String month : List.of("2026-09", "2026-10", "2026-11")) {
            Period period = Period.parse(month);
            Dataset<Row> whole =
                    shaped(recompute.lines(RankedRaw.of(raw), period)).localCheckpoint();
            long conflicts = RankedRaw.of(raw).conflictedIdentities(period);
            for (java.time.Duration horizon : List.of(CONFIG.dedupHorizon(), java.time.Duration.ofDays(4))) {
                RankedRaw bounded = RankedRaw.forPeriod(raw, period, horizon);
                assertDataFrameNoOrderEquals(whole, shaped(recompute.lines(bounded, period)));
                assertThat(bounded.conflictedIdentities(period))
                        .as(month + " within " + horizon)
                        .isEqualTo(conflicts);
            }
        }
        // October bills plain and dup once; x and y were first received outside it, and count as conflicts.
        RankedRaw october = RankedRaw.forPeriod(raw, Period.parse("2026-10"), java.time.Duration.ofDays(4));
        assertThat(october.events(Period.parse("2026-10"))
                        .select(Columns.EVENT_ID)
                        .as(org.apache.spark.sql.Encoders.STRING())
                        .collectAsList())
                .containsExactlyInAnyOrder("plain", "dup");
        assertThat(october.conflictedIdentities(Period.parse("2026-10"))).isEqualTo(2);
    }

    /**
     * Beyond the horizon, copies are not compared: a conflicting copy whose event time lies further
     * than the horizon from the first copy's is an event of its own, billed in its own period (the
     * README's "The dedup horizon" says so). With a horizon covering both, it is not.
     */
    @Test
    void beyondTheHorizonAConflictingCopyIsAnEventOfItsOwn() {
        Dataset<Row> raw = raw(
                        Instant.parse("2026-09-21T00:00:00Z"),
                        event().id("x").quantity("3").at("2026-09-20T00:00:00Z").json())
                .unionByName(raw(
                        Instant.parse("2026-11-20T00:00:00Z"),
                        event().id("x")
                                .quantity("30")
                                .at("2026-10-20T00:00:00Z")
                                .json()))
                .localCheckpoint();
        Recompute recompute = new Recompute(CONFIG.catalog());
        Period september = Period.parse("2026-09");
        Period october = Period.parse("2026-10");
        java.time.Duration week = java.time.Duration.ofDays(7);

        assertThat(quantities(recompute.lines(RankedRaw.forPeriod(raw, september, week), september)))
                .containsExactly("3");
        assertThat(quantities(recompute.lines(RankedRaw.forPeriod(raw, october, week), october)))
                .containsExactly("30");
        assertThat(RankedRaw.forPeriod(raw, october, week).conflictedIdentities(october))
                .isZero();
        // The default horizon (90 days and 5 minutes) compares them: September bills the first, October nothing.
        assertThat(quantities(recompute.lines(RankedRaw.forPeriod(raw, october, CONFIG.dedupHorizon()), october)))
                .isEmpty();
        assertThat(RankedRaw.forPeriod(raw, october, CONFIG.dedupHorizon()).conflictedIdentities(october))
                .isEqualTo(1);
        assertThat(quantities(recompute.lines(RankedRaw.forPeriod(raw, september, CONFIG.dedupHorizon()), september)))
                .containsExactly("3");
        // Never silently: the audit of the whole table names the identity beyond a week, and nothing within 90 days.
        assertThat(DedupAudit.beyondHorizon(raw, week))
                .containsExactly(new DedupAudit.Finding(
                        "forge-functions",
                        "x",
                        2,
                        Instant.parse("2026-09-20T00:00:00Z"),
                        Instant.parse("2026-10-20T00:00:00Z")));
        assertThat(DedupAudit.beyondHorizon(raw, week).get(0).periods()).containsExactly("2026-09", "2026-10");
        assertThat(DedupAudit.beyondHorizon(raw, CONFIG.dedupHorizon())).isEmpty();
    }

    private static List<String> quantities(Dataset<Row> lines) {
        return lines.select(Columns.QUANTITY).collectAsList().stream()
                .map(row -> row.getDecimal(0).stripTrailingZeros().toPlainString())
                .toList();
    }

    @Test
    void reportsIdentitiesReceivedWithDifferentContent() {
        Dataset<Row> raw = raw(
                event().id("a").quantity("3").json(),
                event().id("a").quantity("5").json(),
                event().id("b").quantity("1").json(),
                event().id("b").quantity("1").json());

        RankedRaw ranked = RankedRaw.of(raw);

        assertThat(ranked.conflictedRecords()
                        .select(Columns.EVENT_ID, Columns.QUANTITY)
                        .collectAsList())
                .extracting(row -> row.getString(0) + "="
                        + row.getDecimal(1).stripTrailingZeros().toPlainString())
                .containsExactlyInAnyOrder("a=3", "a=5");
        assertThat(ranked.conflictedIdentities(Period.parse("2026-10"))).isEqualTo(1);
        assertThat(ranked.conflictedIdentities(Period.parse("2026-11"))).isZero();
        assertThat(ranked.events(Period.parse("2026-10"))
                        .where(col(Columns.EVENT_ID).equalTo("a"))
                        .select(Columns.QUANTITY)
                        .first()
                        .getDecimal(0))
                .isEqualByComparingTo("3");
    }

    @Test
    void latestBreaksTiesOfEventTimeByIngestOrderWhateverThePartitioning() throws Exception {
        MetricCatalog catalog = MetricCatalog.read(
                new java.io.ByteArrayInputStream(("{\"metrics\":[{\"name\":"
                                + "\"functions.invocations\",\"canonical_unit\":\"count\",\"aggregation\":\"LATEST\","
                                + "\"units\":{\"count\":\"1\"}}]}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                "test");
        // Three running totals at one instant, then an earlier one received last: by event time, then
        // by ingest order (here the file line), the last received at the latest time wins: 30.
        Dataset<Row> raw = raw(
                event().id("t1").quantity("10").at("2026-10-10T00:00:00Z").json(),
                event().id("t2").quantity("20").at("2026-10-10T00:00:00Z").json(),
                event().id("t3").quantity("30").at("2026-10-10T00:00:00Z").json(),
                event().id("t0").quantity("99").at("2026-10-09T00:00:00Z").json());

        for (int partitions : new int[] {1, 3, 7}) {
            Row line = new Recompute(catalog)
                    .lines(RankedRaw.of(raw.repartition(partitions)), Period.parse("2026-10"))
                    .first();
            assertThat(line.<BigDecimal>getAs(Columns.QUANTITY))
                    .as(partitions + " partitions")
                    .isEqualByComparingTo("30");
            assertThat(line.<Long>getAs(Columns.EVENT_COUNT)).isEqualTo(4L);
            // Reconcile's path: parts per hourly window, combined into the line and into the windows.
            try (PeriodUsage usage = PeriodUsage.of(
                    RankedRaw.of(raw.repartition(partitions)),
                    Period.parse("2026-10"),
                    java.time.Duration.ofHours(1),
                    catalog)) {
                Row combined = usage.lines().first();
                assertThat(combined.<BigDecimal>getAs(Columns.QUANTITY)).isEqualByComparingTo("30");
                assertThat(combined.<Long>getAs(Columns.EVENT_COUNT)).isEqualTo(4L);
                assertThat(usage.windows().orderBy(Columns.WINDOW_START).collectAsList())
                        .extracting(row -> row.<BigDecimal>getAs(Columns.QUANTITY)
                                        .stripTrailingZeros()
                                        .toPlainString() + "/" + row.<Long>getAs(Columns.EVENT_COUNT))
                        .containsExactly("99/1", "30/3");
            }
        }
    }

    /**
     * COUNT bills the number of events, never their quantities, in every form that must agree: the
     * direct recompute, reconcile's parts per window combined into the line, the stream's aggregate
     * per window, and the plain-Java accumulator the generator's truth uses. Beside a SUM metric, so
     * each part is updated only by its own metric's rows.
     */
    @Test
    void countBillsTheNumberOfEventsNotTheirQuantitiesInEveryForm() throws Exception {
        MetricCatalog catalog = MetricCatalog.read(
                new java.io.ByteArrayInputStream(("{\"metrics\":["
                                + "{\"name\":\"functions.invocations\",\"canonical_unit\":\"count\",\"aggregation\":\"COUNT\","
                                + "\"units\":{\"count\":\"1\"}},{\"name\":\"kvs.reads\",\"canonical_unit\":\"count\","
                                + "\"aggregation\":\"SUM\",\"units\":{\"count\":\"1\"}}]}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                "test");
        Dataset<Row> raw = raw(
                event().id("c1").quantity("5").at("2026-10-10T00:10:00Z").json(),
                event().id("c2").quantity("7").at("2026-10-10T00:50:00Z").json(),
                event().id("c2").quantity("7").at("2026-10-10T00:50:00Z").json(), // a copy: not counted
                event().id("c3").quantity("11").at("2026-10-10T01:05:00Z").json(),
                event().id("r1")
                        .metric("kvs.reads", "count")
                        .quantity("4")
                        .at("2026-10-10T00:20:00Z")
                        .json(),
                event().id("r2")
                        .metric("kvs.reads", "count")
                        .quantity("6")
                        .at("2026-10-10T01:20:00Z")
                        .json());
        Period october = Period.parse("2026-10");

        Map<String, String> direct = new java.util.TreeMap<>();
        for (Row line : new Recompute(catalog).lines(RankedRaw.of(raw), october).collectAsList()) {
            direct.put(
                    line.getAs(Columns.METRIC),
                    line.<BigDecimal>getAs(Columns.QUANTITY)
                                    .stripTrailingZeros()
                                    .toPlainString() + "/" + line.<Long>getAs(Columns.EVENT_COUNT));
        }
        assertThat(direct).containsExactly(Map.entry("functions.invocations", "3/3"), Map.entry("kvs.reads", "10/2"));
        try (PeriodUsage usage = PeriodUsage.of(RankedRaw.of(raw), october, java.time.Duration.ofHours(1), catalog)) {
            assertThat(usage.lines().collectAsList())
                    .extracting(line -> line.getAs(Columns.METRIC) + " "
                            + line.<BigDecimal>getAs(Columns.QUANTITY)
                                    .stripTrailingZeros()
                                    .toPlainString() + "/"
                            + line.<Long>getAs(Columns.EVENT_COUNT))
                    .containsExactlyInAnyOrder("functions.invocations 3/3", "kvs.reads 10/2");
            assertThat(usage.windows()
                            .where(col(Columns.METRIC).equalTo("functions.invocations"))
                            .orderBy(Columns.WINDOW_START)
                            .collectAsList())
                    .extracting(row -> row.<BigDecimal>getAs(Columns.QUANTITY)
                            .stripTrailingZeros()
                            .toPlainString())
                    .containsExactly("2", "1");
        }
        // The stream's form, over the same events per hourly window.
        Dataset<Row> events = RankedRaw.of(raw).events(october);
        assertThat(new io.meterlake.pipeline.UsageAggregation(catalog)
                        .aggregate(events.groupBy(
                                org.apache
                                        .spark
                                        .sql
                                        .functions
                                        .window(col(Columns.EVENT_TIME), "1 hour")
                                        .as(Columns.WINDOW),
                                col(Columns.METRIC)))
                        .orderBy(Columns.METRIC, Columns.WINDOW)
                        .collectAsList())
                .extracting(row -> row.getAs(Columns.METRIC) + " "
                        + row.<BigDecimal>getAs(Columns.QUANTITY)
                                .stripTrailingZeros()
                                .toPlainString())
                .containsExactly("functions.invocations 2", "functions.invocations 1", "kvs.reads 4", "kvs.reads 6");
        // The truth's form.
        io.meterlake.pipeline.aggregation.MetricAggregation.Accumulator truth =
                io.meterlake.pipeline.aggregation.MetricAggregation.of(io.meterlake.catalog.Aggregation.COUNT)
                        .accumulator(null, october);
        for (String quantity : List.of("5", "7", "11")) {
            truth.add(new BigDecimal(quantity), Instant.parse("2026-10-10T00:00:00Z"), 0, null);
        }
        assertThat(truth.value()).isEqualByComparingTo("3");
    }

    @Test
    void uniqueCountCountsEachValueOncePerLineAcrossWindowsAndAPlanChangeInEveryForm() throws Exception {
        MetricCatalog catalog = MetricCatalog.read(
                new java.io.ByteArrayInputStream(("{\"metrics\":["
                                + "{\"name\":\"functions.invocations\",\"canonical_unit\":\"count\",\"aggregation\":\"UNIQUE_COUNT\","
                                + "\"property\":\"user_id\",\"units\":{\"count\":\"1\"}},{\"name\":\"kvs.reads\",\"canonical_unit\":"
                                + "\"count\",\"aggregation\":\"SUM\",\"units\":{\"count\":\"1\"}}]}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                "test");
        java.util.function.BiFunction<String, String, Map<String, String>> user =
                (id, region) -> Map.of("user_id", id, "region", region);
        Dataset<Row> raw = raw(
                // Standard plan (before 2026-10-16): u1 twice in one window, u1 and u2 in the next: 2 users.
                event().id("s1")
                        .attributes(user.apply("u1", "eu"))
                        .at("2026-10-10T00:10:00Z")
                        .json(),
                event().id("s2")
                        .attributes(user.apply("u1", "us"))
                        .at("2026-10-10T00:40:00Z")
                        .json(),
                event().id("s3")
                        .attributes(user.apply("u1", "eu"))
                        .at("2026-10-10T01:05:00Z")
                        .json(),
                event().id("s4")
                        .attributes(user.apply("u2", "eu"))
                        .at("2026-10-10T01:30:00Z")
                        .json(),
                event().id("s4")
                        .attributes(user.apply("u2", "eu"))
                        .at("2026-10-10T01:30:00Z")
                        .json(), // a copy
                // Premium plan: u1 again (a line of its own), u3, and u4 amended into u3: 2 users.
                event().id("p1")
                        .attributes(user.apply("u1", "eu"))
                        .at("2026-10-20T00:10:00Z")
                        .json(),
                event().id("p2")
                        .attributes(user.apply("u3", "eu"))
                        .at("2026-10-20T00:20:00Z")
                        .json(),
                event().id("p3")
                        .attributes(user.apply("u4", "eu"))
                        .at("2026-10-20T00:30:00Z")
                        .json(),
                event().id("p3-fix")
                        .amends("p3")
                        .attributes(user.apply("u3", "eu"))
                        .at("2026-10-20T00:30:00Z")
                        .json(),
                event().id("r1")
                        .metric("kvs.reads", "count")
                        .quantity("4")
                        .at("2026-10-10T00:20:00Z")
                        .json());
        Period october = Period.parse("2026-10");

        Map<String, String> direct = new java.util.TreeMap<>();
        for (Row line : new Recompute(catalog).lines(RankedRaw.of(raw), october).collectAsList()) {
            direct.put(
                    line.getAs(Columns.PLAN) + " " + line.getAs(Columns.METRIC),
                    line.<BigDecimal>getAs(Columns.QUANTITY)
                                    .stripTrailingZeros()
                                    .toPlainString() + "/" + line.<Long>getAs(Columns.EVENT_COUNT));
        }
        assertThat(direct)
                .containsExactly(
                        Map.entry("premium functions.invocations", "2/3"),
                        Map.entry("standard functions.invocations", "2/4"),
                        Map.entry("standard kvs.reads", "4/1"));
        try (PeriodUsage usage = PeriodUsage.of(
                RankedRaw.forPeriod(raw, october, CONFIG.dedupHorizon()),
                october,
                java.time.Duration.ofHours(1),
                catalog)) {
            assertThat(usage.lines().collectAsList())
                    .extracting(line -> line.getAs(Columns.PLAN) + " "
                            + line.getAs(Columns.METRIC) + " "
                            + line.<BigDecimal>getAs(Columns.QUANTITY)
                                    .stripTrailingZeros()
                                    .toPlainString() + "/" + line.<Long>getAs(Columns.EVENT_COUNT))
                    .containsExactlyInAnyOrder(
                            "premium functions.invocations 2/3",
                            "standard functions.invocations 2/4",
                            "standard kvs.reads 4/1");
            // Per window its own distinct users: the standard line's windows say 1 and 2, the period 2, not 3.
            assertThat(usage.windows()
                            .where(col(Columns.METRIC).equalTo("functions.invocations"))
                            .orderBy(Columns.WINDOW_START)
                            .collectAsList())
                    .extracting(row -> row.<BigDecimal>getAs(Columns.QUANTITY)
                            .stripTrailingZeros()
                            .toPlainString())
                    .containsExactly("1", "2", "2");
        }
        // The stream's form, per hourly window (it applies no correction: p3 counts as u4 there).
        Dataset<Row> events =
                RankedRaw.of(raw).events(october).where(col(Columns.ACTION).isNull());
        io.meterlake.pipeline.UsageAggregation aggregation = new io.meterlake.pipeline.UsageAggregation(catalog);
        Dataset<Row> streamed = raw.where(col(Columns.ACTION).isNull())
                .dropDuplicates(Columns.SOURCE, Columns.EVENT_ID)
                .withColumn(Columns.INGEST_ORDER, io.meterlake.pipeline.IngestOrder.key())
                .withColumn(Columns.DISTINCT_VALUE, aggregation.distinctValue(col(Columns.ATTRIBUTES)));
        assertThat(aggregation
                        .aggregate(streamed.groupBy(
                                org.apache
                                        .spark
                                        .sql
                                        .functions
                                        .window(col(Columns.EVENT_TIME), "1 hour")
                                        .as(Columns.WINDOW),
                                col(Columns.METRIC)))
                        .orderBy(Columns.METRIC, Columns.WINDOW)
                        .collectAsList())
                .extracting(row -> row.getAs(Columns.METRIC) + " "
                        + row.<BigDecimal>getAs(Columns.QUANTITY)
                                .stripTrailingZeros()
                                .toPlainString())
                .containsExactly(
                        "functions.invocations 1", "functions.invocations 2", "functions.invocations 3", "kvs.reads 4");
        assertThat(events.count()).isEqualTo(8);
        // The truth's form: the standard line's values.
        io.meterlake.pipeline.aggregation.MetricAggregation.Accumulator truth =
                io.meterlake.pipeline.aggregation.MetricAggregation.of(io.meterlake.catalog.Aggregation.UNIQUE_COUNT)
                        .accumulator(null, october);
        for (String value : List.of("u1", "u1", "u1", "u2")) {
            truth.add(BigDecimal.ONE, Instant.parse("2026-10-10T00:00:00Z"), 0, value);
        }
        assertThat(truth.value()).isEqualByComparingTo("2");
    }

    @Test
    void percentileBillsOneBucketOfThePeriodAndShowsEachWindowsTotalInEveryForm() throws Exception {
        MetricCatalog catalog = MetricCatalog.read(
                new java.io.ByteArrayInputStream(("{\"metrics\":["
                                + "{\"name\":\"kvs.writes\",\"canonical_unit\":\"count\",\"aggregation\":\"PERCENTILE\","
                                + "\"percentile\":95,\"bucket\":\"PT5M\",\"units\":{\"count\":\"1\"}}]}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                "test");
        // February 2026 (28 days: N = 8064, k = 403): buckets 1..410, bucket 7 as 3 + 4 (its last microsecond).
        Period february = Period.parse("2026-02");
        List<String> payloads = new java.util.ArrayList<>();
        io.meterlake.pipeline.aggregation.MetricAggregation.Accumulator truth =
                io.meterlake.pipeline.aggregation.MetricAggregation.of(io.meterlake.catalog.Aggregation.PERCENTILE)
                        .accumulator(catalog.metric("kvs.writes").orElseThrow(), february);
        for (int value = 1; value <= 410; value++) {
            Instant bucket = february.start().plus(java.time.Duration.ofMinutes(5L * (value - 1)));
            List<Object[]> events = value == 7
                    ? List.of(
                            new Object[] {"3", bucket},
                            new Object[] {"4", bucket.plusSeconds(300).minusNanos(1000)})
                    : List.<Object[]>of(new Object[] {Integer.toString(value), bucket});
            for (Object[] event : events) {
                payloads.add(event().id("w" + payloads.size())
                        .metric("kvs.writes", "count")
                        .quantity((String) event[0])
                        .at(event[1].toString())
                        .json());
                truth.add(new BigDecimal((String) event[0]), (Instant) event[1], payloads.size(), null);
            }
        }
        payloads.add(payloads.get(0)); // a copy changes nothing
        Dataset<Row> raw = raw(Instant.parse("2026-03-02T00:00:00Z"), payloads.toArray(String[]::new));
        assertThat(truth.value()).isEqualByComparingTo("7");

        assertThat(quantities(new Recompute(catalog).lines(RankedRaw.of(raw), february)))
                .containsExactly("7");
        try (PeriodUsage usage = PeriodUsage.of(
                RankedRaw.forPeriod(raw, february, CONFIG.dedupHorizon()),
                february,
                java.time.Duration.ofHours(1),
                catalog)) {
            assertThat(usage.lines().collectAsList())
                    .extracting(line -> line.<BigDecimal>getAs(Columns.QUANTITY)
                                    .stripTrailingZeros()
                                    .toPlainString() + "/" + line.<Long>getAs(Columns.EVENT_COUNT))
                    .containsExactly("7/411");
            // Per hourly window its total: 1 + ... + 12 = 78 in the first (bucket 7 counted once, as 3 + 4).
            List<String> windows = usage.windows().orderBy(Columns.WINDOW_START).collectAsList().stream()
                    .map(row -> row.<BigDecimal>getAs(Columns.QUANTITY)
                            .stripTrailingZeros()
                            .toPlainString())
                    .toList();
            assertThat(windows).hasSize(35).startsWith("78", "222");
        }
        // The stream's form per hourly window: the same totals.
        io.meterlake.pipeline.UsageAggregation aggregation = new io.meterlake.pipeline.UsageAggregation(catalog);
        Dataset<Row> streamed = raw.dropDuplicates(Columns.SOURCE, Columns.EVENT_ID)
                .withColumn(Columns.INGEST_ORDER, io.meterlake.pipeline.IngestOrder.key())
                .withColumn(Columns.DISTINCT_VALUE, aggregation.distinctValue(col(Columns.ATTRIBUTES)));
        assertThat(aggregation
                        .aggregate(streamed.groupBy(
                                org.apache
                                        .spark
                                        .sql
                                        .functions
                                        .window(col(Columns.EVENT_TIME), "1 hour")
                                        .as(Columns.WINDOW),
                                col(Columns.METRIC)))
                        .orderBy(Columns.WINDOW)
                        .limit(2)
                        .collectAsList())
                .extracting(row -> row.<BigDecimal>getAs(Columns.QUANTITY)
                        .stripTrailingZeros()
                        .toPlainString())
                .containsExactly("78", "222");
    }

    @Test
    void timeWeightedHoldsEachSampleUntilTheNextOrMaxHoldOnItsOwnLineInEveryForm() throws Exception {
        MetricCatalog catalog = MetricCatalog.read(
                new java.io.ByteArrayInputStream(("{\"metrics\":["
                                + "{\"name\":\"storage.stored\",\"canonical_unit\":\"GB\",\"aggregation\":\"TIME_WEIGHTED\","
                                + "\"time_unit\":\"PT1H\",\"max_hold\":\"PT2H\",\"series_by\":[\"volume\"],"
                                + "\"units\":{\"GB\":\"1\",\"MB\":\"0.001\"}}]}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                "test");
        Dataset<Row> raw = raw(
                // September's last hour: 3 GB, amended to 6 (in September too); 1 h of it is October's (max_hold 2 h).
                storage("s0", "3", "2026-09-30T23:00:00Z").json(),
                storage("s0-fix", "6", "2026-09-30T23:00:00Z").amends("s0").json(),
                // 2 GB held 30 min until the next sample of its series (1), a copy of it (nothing), 4 GB held 2 h (8).
                storage("s1", "2", "2026-10-01T05:00:00Z").json(),
                storage("s1", "2", "2026-10-01T05:00:00Z").json(),
                storage("s2", "4000", "2026-10-01T05:30:00Z")
                        .metric("storage.stored", "MB")
                        .json(),
                // Another series (volume v2) in between: its own hold, 10 GB for 2 h (20).
                storage("v2", "10", "2026-10-01T05:15:00Z")
                        .attributes(Map.of("volume", "v2"))
                        .json(),
                // Across the plan change (2026-10-16): 6 GB standard for 1.5 h (9), then 1 GB premium for 2 h (2).
                storage("s3", "6", "2026-10-15T23:00:00Z").json(),
                storage("s4", "1", "2026-10-16T00:30:00Z").json(),
                // Equal times: the later sent replaces the earlier (0), 7 GB for 2 h (14).
                storage("s5", "5", "2026-10-20T10:00:00Z").json(),
                storage("s6", "7", "2026-10-20T10:00:00Z").json(),
                // 30 minutes before the end, voided: nothing.
                storage("s7", "2", "2026-10-31T23:30:00Z").json(),
                storage("s7-void", "0", "2026-10-31T23:30:00Z").voids("s7").json(),
                // November's: not read for October.
                storage("s8", "100", "2026-11-01T00:30:00Z").json());
        Period october = Period.parse("2026-10");
        List<String> expected = List.of("premium GB-h 16/3", "standard GB-h 44/5");

        for (RankedRaw ranked : List.of(RankedRaw.of(raw), RankedRaw.forPeriod(raw, october, CONFIG.dedupHorizon()))) {
            assertThat(lineSummaries(new Recompute(catalog).lines(ranked, october)))
                    .isEqualTo(expected);
        }
        try (PeriodUsage usage = PeriodUsage.of(
                RankedRaw.forPeriod(raw, october, CONFIG.dedupHorizon()),
                october,
                java.time.Duration.ofHours(1),
                catalog)) {
            assertThat(lineSummaries(usage.lines())).isEqualTo(expected);
            // Per hourly window the provisional form: each sample held until max_hold or the window's end.
            assertThat(usage.windows().orderBy(Columns.WINDOW_START).collectAsList())
                    .extracting(row -> row.getAs(Columns.WINDOW_START) + " " + row.getAs(Columns.UNIT) + " "
                            + row.<BigDecimal>getAs(Columns.QUANTITY)
                                    .stripTrailingZeros()
                                    .toPlainString() + "/"
                            + row.<Long>getAs(Columns.EVENT_COUNT))
                    .containsExactly(
                            "2026-10-01 05:00:00.0 GB-h 11.5/3",
                            "2026-10-15 23:00:00.0 GB-h 6/1",
                            "2026-10-16 00:00:00.0 GB-h 0.5/1",
                            "2026-10-20 10:00:00.0 GB-h 12/2");
            assertThat(usage.corrections()).extracting(Correction::eventId).containsExactly("s7-void");
        }
        // The stream's form over the same events (it applies no correction): the same windows, and s7's.
        io.meterlake.pipeline.UsageAggregation aggregation = new io.meterlake.pipeline.UsageAggregation(catalog);
        Dataset<Row> streamed = raw.where(col(Columns.ACTION).isNull())
                .dropDuplicates(Columns.SOURCE, Columns.EVENT_ID)
                .withColumn(Columns.INGEST_ORDER, io.meterlake.pipeline.IngestOrder.key())
                .withColumn(Columns.DISTINCT_VALUE, aggregation.distinctValue(col(Columns.ATTRIBUTES)))
                .withColumn(Columns.QUANTITY, aggregation.provisionalQuantity(java.time.Duration.ofHours(1)))
                .where(RankedRaw.inPeriod(october));
        assertThat(aggregation
                        .aggregate(streamed.groupBy(
                                org.apache
                                        .spark
                                        .sql
                                        .functions
                                        .window(col(Columns.EVENT_TIME), "1 hour")
                                        .as(Columns.WINDOW),
                                col(Columns.METRIC),
                                col(Columns.UNIT)))
                        .orderBy(Columns.WINDOW)
                        .collectAsList())
                .extracting(row -> row.getAs(Columns.UNIT) + " "
                        + row.<BigDecimal>getAs(Columns.QUANTITY)
                                .stripTrailingZeros()
                                .toPlainString())
                .containsExactly("GB-h 11.5", "GB-h 6", "GB-h 0.5", "GB-h 12", "GB-h 1");
        // The truth's form: the same samples, the amend and the void applied.
        io.meterlake.pipeline.aggregation.TimeWeightedAggregation.Series truth =
                new io.meterlake.pipeline.aggregation.TimeWeightedAggregation.Series(
                        catalog.metric("storage.stored").orElseThrow());
        Object[][] samples = {
            {"v1", "standard", "2026-09-30T23:00:00Z", "6"},
            {"v1", "standard", "2026-10-01T05:00:00Z", "2"},
            {"v1", "standard", "2026-10-01T05:30:00Z", "4"},
            {"v2", "standard", "2026-10-01T05:15:00Z", "10"},
            {"v1", "standard", "2026-10-15T23:00:00Z", "6"},
            {"v1", "premium", "2026-10-16T00:30:00Z", "1"},
            {"v1", "premium", "2026-10-20T10:00:00Z", "5"},
            {"v1", "premium", "2026-10-20T10:00:00Z", "7"},
            {"v1", "premium", "2026-11-01T00:30:00Z", "100"}
        };
        for (int i = 0; i < samples.length; i++) {
            truth.add(
                    (String) samples[i][0],
                    (String) samples[i][1],
                    Instant.parse((String) samples[i][2]),
                    i,
                    new BigDecimal((String) samples[i][3]));
        }
        Map<String, io.meterlake.pipeline.aggregation.TimeWeightedAggregation.Part> lines = truth.lines(october);
        assertThat(lines.get("standard").quantity()).isEqualByComparingTo("44");
        assertThat(lines.get("standard").samples()).isEqualTo(5);
        assertThat(lines.get("premium").quantity()).isEqualByComparingTo("16");
        assertThat(lines.get("premium").samples()).isEqualTo(3);
    }

    /** A storage sample of series v1 (tenant acme, app-1, volume v1) in GB. */
    private static io.meterlake.testing.UsageEvents storage(String id, String level, String time) {
        return event().id(id)
                .metric("storage.stored", "GB")
                .quantity(level)
                .attributes(Map.of("volume", "v1"))
                .at(time);
    }

    /** "plan unit quantity/event count" per line, sorted. */
    private static List<String> lineSummaries(Dataset<Row> lines) {
        return lines.collectAsList().stream()
                .map(line -> line.getAs(Columns.PLAN) + " " + line.getAs(Columns.UNIT) + " "
                        + line.<BigDecimal>getAs(Columns.QUANTITY)
                                .stripTrailingZeros()
                                .toPlainString() + "/"
                        + line.<Long>getAs(Columns.EVENT_COUNT))
                .sorted()
                .toList();
    }

    /** The computed lines in the expected row shape (column order and nullability). */
    private Dataset<Row> shaped(Dataset<Row> lines) {
        return spark().createDataFrame(lines.selectExpr(LINE.fieldNames()).collectAsList(), LINE);
    }

    private Dataset<Row> lines(Row... rows) {
        return spark().createDataFrame(List.of(rows), LINE);
    }

    @Test
    void aLineWhoseSumOverflowsFailsNamingTheLineNeverNullOrWrong() {
        // Rows as an earlier version without max_quantity could have stored them.
        Dataset<Row> raw = raw(
                        event().id("x").at("2026-10-20T00:00:00Z").json(),
                        event().id("y").at("2026-10-21T00:00:00Z").json(),
                        event().id("small")
                                .metric("kvs.reads", "count")
                                .at("2026-10-21T00:00:00Z")
                                .json())
                .withColumn(
                        Columns.QUANTITY,
                        org.apache
                                .spark
                                .sql
                                .functions
                                .when(
                                        col(Columns.METRIC).equalTo("functions.invocations"),
                                        org.apache
                                                .spark
                                                .sql
                                                .functions
                                                .lit(new BigDecimal("90000000000000000000000000000"))
                                                .cast(Tables.QUANTITY_TYPE))
                                .otherwise(col(Columns.QUANTITY)));

        Dataset<Row> october = new Recompute(CONFIG.catalog()).lines(RankedRaw.of(raw), Period.parse("2026-10"));

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Recompute.collect(october))
                .isInstanceOf(io.meterlake.error.MeterlakeException.class)
                .hasMessageContaining(
                        "the line subscription sub-prem, account acct-1, plan premium, functions.invocations"
                                + " in count (2 events) exceeds decimal(38,9)")
                .hasMessageNotContaining("kvs.reads");
        // Reconcile's path: each day's part fits, their sum does not; the combined line is null too, never a part.
        try (PeriodUsage usage = PeriodUsage.of(
                RankedRaw.of(raw), Period.parse("2026-10"), java.time.Duration.ofHours(1), CONFIG.catalog())) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Recompute.collect(usage.lines()))
                    .hasMessageContaining(
                            "the line subscription sub-prem, account acct-1, plan premium, functions.invocations"
                                    + " in count (2 events) exceeds decimal(38,9)");
        }
    }
}
