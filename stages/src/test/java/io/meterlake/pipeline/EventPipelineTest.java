package io.meterlake.pipeline;

import static io.meterlake.testing.Fixtures.entitlement;
import static io.meterlake.testing.Fixtures.entitlements;
import static io.meterlake.testing.Fixtures.fileRecords;
import static io.meterlake.testing.UsageEvents.event;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.testing.SparkTestBase;
import io.meterlake.validation.ReasonCode;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class EventPipelineTest extends SparkTestBase {
    private static final Instant INGESTED_AT = Instant.parse("2026-11-02T00:00:00Z");
    private static final MeterlakeConfig CONFIG = ConfigLoader.load(Optional.empty(), List.of(), Map.of());
    private static final EventPipeline PIPELINE =
            new EventPipeline(CONFIG.catalog(), CONFIG.maxClockSkew(), CONFIG.maxEventAge());

    private Dataset<Row> acmeEntitlements() {
        return entitlements(
                spark(),
                // A plan change on 2026-10-16: usage splits at the boundary.
                entitlement(
                        "ent-std",
                        "sub-std",
                        "acct-1",
                        "acme",
                        "app-1",
                        "standard",
                        "2026-01-01T00:00:00Z",
                        "2026-10-16T00:00:00Z"),
                entitlement("ent-prem", "sub-prem", "acct-1", "acme", "app-1", "premium", "2026-10-16T00:00:00Z", null),
                // Two entitlements overlap for app-2 from 2026-10-10 on.
                entitlement("ent-a", "sub-a", "acct-1", "acme", "app-2", "standard", "2026-01-01T00:00:00Z", null),
                entitlement("ent-b", "sub-b", "acct-1", "acme", "app-2", "standard", "2026-10-10T00:00:00Z", null),
                // app-3 has a gap between two entitlements.
                entitlement(
                        "ent-x",
                        "sub-x",
                        "acct-2",
                        "acme",
                        "app-3",
                        "free",
                        "2026-01-01T00:00:00Z",
                        "2026-10-05T00:00:00Z"),
                entitlement("ent-y", "sub-y", "acct-2", "acme", "app-3", "free", "2026-10-07T00:00:00Z", null));
    }

    @Test
    void quarantinesEachRuleWithItsReasonCode() {
        Map<String, ReasonCode> cases = new LinkedHashMap<>();
        cases.put("{oops", ReasonCode.MALFORMED_JSON);
        cases.put(event().set("schema_version", "3").json(), ReasonCode.UNSUPPORTED_SCHEMA_VERSION);
        cases.put(event().without("tenant_id").json(), ReasonCode.MISSING_FIELD);
        cases.put(event().set("quantity", "[1]").json(), ReasonCode.BAD_TYPE);
        cases.put(event().metric("functions.gpu", "count").json(), ReasonCode.UNKNOWN_METRIC);
        cases.put(event().metric("functions.compute", "ms").json(), ReasonCode.UNIT_NOT_ACCEPTED);
        cases.put(event().quantity("NaN").json(), ReasonCode.NON_FINITE_QUANTITY);
        cases.put(event().quantity("-1").json(), ReasonCode.NEGATIVE_QUANTITY);
        cases.put(event().at("2026-11-02T00:05:00.000001Z").json(), ReasonCode.EVENT_TIME_IN_FUTURE);
        cases.put(event().at("2026-08-03T23:59:59Z").json(), ReasonCode.EVENT_TOO_OLD);
        cases.put(event().metric("logs.ingested", "B").quantity("0.5").json(), ReasonCode.PRECISION_OVERFLOW);
        cases.put(event().tenant("nobody").json(), ReasonCode.UNATTRIBUTED);
        cases.put(event().app("app-3").at("2026-10-06T00:00:00Z").json(), ReasonCode.UNATTRIBUTED);
        cases.put(event().app("app-2").at("2026-10-10T00:00:00Z").json(), ReasonCode.AMBIGUOUS_ATTRIBUTION);
        // The first failing rule wins: unknown metric before negative quantity before the clock.
        cases.put(
                event().metric("nope", "count")
                        .quantity("-1")
                        .at("2030-01-01T00:00:00Z")
                        .json(),
                ReasonCode.UNKNOWN_METRIC);
        cases.put(event().quantity("-1").tenant("nobody").json(), ReasonCode.NEGATIVE_QUANTITY);
        List<String> payloads = new ArrayList<>(cases.keySet());

        Dataset<Row> processed = PIPELINE.process(fileRecords(spark(), INGESTED_AT, payloads), acmeEntitlements());
        List<Row> quarantined = EventPipeline.quarantined(processed)
                .orderBy(Columns.LINE_NUMBER)
                .collectAsList();

        assertThat(EventPipeline.accepted(processed).count()).isZero();
        assertThat(quarantined).hasSize(payloads.size());
        for (Row row : quarantined) {
            String payload = payloads.get((int) row.getLong(row.fieldIndex(Columns.LINE_NUMBER)) - 1);
            assertThat(row.getString(row.fieldIndex(Columns.REASON)))
                    .as(payload)
                    .isEqualTo(cases.get(payload).name());
            assertThat(row.getString(row.fieldIndex(Columns.DETAIL)))
                    .as(payload)
                    .isNotBlank();
            assertThat(row.getString(row.fieldIndex(Columns.PAYLOAD))).isEqualTo(payload);
        }
    }

    @Test
    void aUniqueCountEventWithoutItsPropertyIsMissingAFieldAndAVoidNeedsNone() throws Exception {
        io.meterlake.catalog.MetricCatalog catalog = io.meterlake.catalog.MetricCatalog.read(
                new java.io.ByteArrayInputStream(("{\"metrics\":[{\"name\":\"app.active_users\",\"canonical_unit\":"
                                + "\"users\",\"aggregation\":\"UNIQUE_COUNT\",\"property\":\"user_id\",\"units\":"
                                + "{\"users\":\"1\"}},{\"name\":\"kvs.reads\",\"canonical_unit\":\"count\",\"aggregation\":"
                                + "\"SUM\",\"units\":{\"count\":\"1\"}}]}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                "t");
        EventPipeline pipeline = new EventPipeline(catalog, CONFIG.maxClockSkew(), CONFIG.maxEventAge());
        List<String> payloads = List.of(
                event().id("with")
                        .metric("app.active_users", "users")
                        .attributes(Map.of("user_id", "u1"))
                        .json(),
                event().id("without")
                        .metric("app.active_users", "users")
                        .attributes(Map.of("region", "eu"))
                        .json(),
                event().id("no-attributes").metric("app.active_users", "users").json(),
                event().id("other-metric").metric("kvs.reads", "count").json(),
                event().id("void")
                        .metric("app.active_users", "users")
                        .voids("with")
                        .json(),
                event().id("amend")
                        .metric("app.active_users", "users")
                        .amends("with")
                        .json());

        Dataset<Row> processed = pipeline.process(fileRecords(spark(), INGESTED_AT, payloads), acmeEntitlements());

        assertThat(EventPipeline.accepted(processed).orderBy(Columns.EVENT_ID).collectAsList())
                .extracting(row -> row.<String>getAs(Columns.EVENT_ID))
                .containsExactly("other-metric", "void", "with");
        assertThat(EventPipeline.quarantined(processed)
                        .orderBy(Columns.LINE_NUMBER)
                        .collectAsList())
                .extracting(row -> row.<String>getAs(Columns.REASON) + ": " + row.<String>getAs(Columns.DETAIL))
                .containsExactly(
                        "MISSING_FIELD: attributes.user_id is missing: metric 'app.active_users' counts the distinct"
                                + " values of user_id (UNIQUE_COUNT)",
                        "MISSING_FIELD: attributes.user_id is missing: metric 'app.active_users' counts the distinct"
                                + " values of user_id (UNIQUE_COUNT)",
                        "MISSING_FIELD: attributes.user_id is missing: metric 'app.active_users' counts the distinct"
                                + " values of user_id (UNIQUE_COUNT)");
    }

    @Test
    void acceptsAtTheEdgesOfEveryRule() {
        List<String> payloads = List.of(
                event().id("skew-edge").at("2026-11-02T00:05:00Z").json(),
                event().id("age-edge").at("2026-08-04T00:00:00Z").json(),
                event().id("zero").quantity("0").json(),
                event().id("nine-digits")
                        .metric("logs.ingested", "B")
                        .quantityNumber("1")
                        .json());

        Dataset<Row> processed = PIPELINE.process(fileRecords(spark(), INGESTED_AT, payloads), acmeEntitlements());

        assertThat(EventPipeline.quarantined(processed).collectAsList()).isEmpty();
        assertThat(EventPipeline.accepted(processed).count()).isEqualTo(4);
    }

    @Test
    void normalizesAndAttributesAcrossAPlanChange() {
        List<String> payloads = List.of(
                event().id("before")
                        .metric("functions.compute", "GB-ms")
                        .quantityNumber("1728987")
                        .at("2026-10-15T23:59:59.999999Z")
                        .json(),
                event().id("at-boundary")
                        .metric("storage.stored", "MB")
                        .quantity("1536.5")
                        .at("2026-10-16T02:00:00+02:00")
                        .json(),
                event().id("after")
                        .metric("kvs.reads", "count")
                        .quantity("7")
                        .at("2026-10-16T00:00:00.5Z")
                        .json());

        Dataset<Row> accepted = EventPipeline.accepted(
                PIPELINE.process(fileRecords(spark(), INGESTED_AT, payloads), acmeEntitlements()));

        StructType shape = new StructType()
                .add(Columns.EVENT_ID, DataTypes.StringType)
                .add(Columns.QUANTITY, Tables.QUANTITY_TYPE)
                .add(Columns.UNIT, DataTypes.StringType)
                .add(Columns.EVENT_TIME, DataTypes.TimestampType)
                .add(Columns.EVENT_DATE, DataTypes.DateType)
                .add(Columns.ENTITLEMENT_ID, DataTypes.StringType)
                .add(Columns.SUBSCRIPTION_ID, DataTypes.StringType)
                .add(Columns.PLAN, DataTypes.StringType);
        Dataset<Row> expected = spark().createDataFrame(
                        List.of(
                                RowFactory.create(
                                        "before",
                                        new BigDecimal("1728.987000000"),
                                        "GB-s",
                                        Timestamp.from(Instant.parse("2026-10-15T23:59:59.999999Z")),
                                        java.sql.Date.valueOf("2026-10-15"),
                                        "ent-std",
                                        "sub-std",
                                        "standard"),
                                RowFactory.create(
                                        "at-boundary",
                                        new BigDecimal("1.536500000"),
                                        "GB",
                                        Timestamp.from(Instant.parse("2026-10-16T00:00:00Z")),
                                        java.sql.Date.valueOf("2026-10-16"),
                                        "ent-prem",
                                        "sub-prem",
                                        "premium"),
                                RowFactory.create(
                                        "after",
                                        new BigDecimal("7.000000000"),
                                        "count",
                                        Timestamp.from(Instant.parse("2026-10-16T00:00:00.5Z")),
                                        java.sql.Date.valueOf("2026-10-16"),
                                        "ent-prem",
                                        "sub-prem",
                                        "premium")),
                        shape);

        Dataset<Row> actual = accepted.select(
                col(Columns.EVENT_ID),
                col(Columns.QUANTITY),
                col(Columns.UNIT),
                col(Columns.EVENT_TIME),
                col(Columns.EVENT_DATE),
                col(Columns.ENTITLEMENT_ID),
                col(Columns.SUBSCRIPTION_ID),
                col(Columns.PLAN));
        assertDataFrameNoOrderEquals(expected, spark().createDataFrame(actual.collectAsList(), shape));
    }

    @Test
    void hashesContentIndependentlyOfFormatting() {
        List<String> payloads = List.of(
                event().id("same").at("2026-10-15T12:00:00Z").quantity("3").json(),
                event().id("same")
                        .at("2026-10-15T14:00:00+02:00")
                        .quantityNumber("3.0")
                        .json(),
                event().id("same").at("2026-10-15T12:00:00Z").quantity("4").json());

        List<Row> rows = EventPipeline.accepted(
                        PIPELINE.process(fileRecords(spark(), INGESTED_AT, payloads), acmeEntitlements()))
                .orderBy(Columns.LINE_NUMBER)
                .collectAsList();

        String first = rows.get(0).getAs(Columns.CONTENT_SHA256);
        assertThat((String) rows.get(1).getAs(Columns.CONTENT_SHA256)).isEqualTo(first);
        assertThat((String) rows.get(2).getAs(Columns.CONTENT_SHA256)).isNotEqualTo(first);
        assertThat((String) rows.get(1).getAs(Columns.PAYLOAD_SHA256))
                .isNotEqualTo(rows.get(0).getAs(Columns.PAYLOAD_SHA256));
    }

    @Test
    void cutsEntitlementsIntoDisjointSegments() {
        Dataset<Row> segments = EventPipeline.segments(acmeEntitlements())
                .where(col(Columns.SEGMENT_APP_ID).equalTo("app-2"))
                .select(col(Columns.SEGMENT_START), col(Columns.SEGMENT_END), col(Columns.SEGMENT_MATCHES));

        StructType shape = new StructType()
                .add(Columns.SEGMENT_START, DataTypes.TimestampType)
                .add(Columns.SEGMENT_END, DataTypes.TimestampType)
                .add(Columns.SEGMENT_MATCHES, DataTypes.LongType, false);
        Dataset<Row> expected = spark().createDataFrame(
                        List.of(
                                RowFactory.create(
                                        Timestamp.from(Instant.parse("2026-01-01T00:00:00Z")),
                                        Timestamp.from(Instant.parse("2026-10-10T00:00:00Z")),
                                        1L),
                                RowFactory.create(Timestamp.from(Instant.parse("2026-10-10T00:00:00Z")), null, 2L)),
                        shape);
        assertDataFrameNoOrderEquals(expected, segments);
    }

    @Test
    void poisonPillsAreQuarantinedAndStoredNeverRaised(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        Map<String, ReasonCode> cases = new LinkedHashMap<>();
        for (String huge : new String[] {"1e2147483647", "1e9999999999", "1e-9999999999", "1E+400"}) {
            cases.put(event().id("s" + huge).quantity(huge).json(), ReasonCode.PRECISION_OVERFLOW);
            cases.put(event().id("n" + huge).set("quantity", huge).json(), ReasonCode.PRECISION_OVERFLOW);
        }
        cases.put(event().id("neg").set("quantity", "-1e9999999999").json(), ReasonCode.NEGATIVE_QUANTITY);
        cases.put(
                event().id("big").quantity("99999999999999999999999999999").json(), ReasonCode.QUANTITY_ABOVE_MAXIMUM);
        cases.put(event().id("cap+1").quantity("1000000000001").json(), ReasonCode.QUANTITY_ABOVE_MAXIMUM);
        cases.put(
                event().id("cap+1-in-ms")
                        .metric("functions.compute", "GB-ms")
                        .quantity("1000000000001000")
                        .json(),
                ReasonCode.QUANTITY_ABOVE_MAXIMUM);
        for (String ancient : new String[] {"0001-01-01T00:00:00Z", "1582-10-10T00:00:00Z", "1899-12-31T23:59:59Z"}) {
            cases.put(event().id(ancient).at(ancient).json(), ReasonCode.EVENT_TOO_OLD);
        }
        List<String> payloads = new ArrayList<>(cases.keySet());
        payloads.add(event().id("at-cap").quantity("1000000000000").json());

        Dataset<Row> processed = PIPELINE.process(fileRecords(spark(), INGESTED_AT, payloads), acmeEntitlements());
        String table = dir.resolve("quarantine").toString();
        EventPipeline.quarantined(processed).write().format("delta").save(table);
        List<Row> stored = spark().read()
                .format("delta")
                .load(table)
                .orderBy(Columns.LINE_NUMBER)
                .collectAsList();

        assertThat(stored).hasSize(cases.size());
        for (Row row : stored) {
            String payload = payloads.get((int) row.getLong(row.fieldIndex(Columns.LINE_NUMBER)) - 1);
            assertThat(row.getString(row.fieldIndex(Columns.REASON)))
                    .as(payload)
                    .isEqualTo(cases.get(payload).name());
        }
        // Stored as sent, in the proleptic Gregorian calendar (java.sql.Timestamp would show them Julian).
        assertThat(spark().read()
                        .format("delta")
                        .load(table)
                        .select(col(Columns.EVENT_TIME).cast("string"))
                        .as(org.apache.spark.sql.Encoders.STRING())
                        .collectAsList())
                .contains("0001-01-01 00:00:00", "1582-10-10 00:00:00", "1899-12-31 23:59:59");
        assertThat(EventPipeline.accepted(processed)
                        .select(Columns.EVENT_ID)
                        .as(org.apache.spark.sql.Encoders.STRING())
                        .collectAsList())
                .containsExactly("at-cap");
    }

    @Test
    void bytesThatAreNotUtf8KeepTheirOriginalAndTheirOwnHash() {
        byte[] ff = event().id("inv-X").json().replace("X", "\u0000").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] fe = ff.clone();
        int at = new String(ff, java.nio.charset.StandardCharsets.UTF_8).indexOf('\u0000');
        ff[at] = (byte) 0xff;
        fe[at] = (byte) 0xfe;

        Dataset<Row> processed = PIPELINE.process(
                io.meterlake.testing.Fixtures.fileRecordsOfBytes(spark(), INGESTED_AT, List.of(ff, fe)),
                acmeEntitlements());
        List<Row> quarantined = EventPipeline.quarantined(processed)
                .orderBy(Columns.LINE_NUMBER)
                .collectAsList();

        assertThat(EventPipeline.accepted(processed).count()).isZero();
        assertThat(quarantined)
                .extracting(row -> row.getString(row.fieldIndex(Columns.REASON)))
                .containsExactly("INVALID_ENCODING", "INVALID_ENCODING");
        assertThat((byte[]) quarantined.get(0).getAs(Columns.PAYLOAD_BYTES)).isEqualTo(ff);
        assertThat((byte[]) quarantined.get(1).getAs(Columns.PAYLOAD_BYTES)).isEqualTo(fe);
        assertThat(quarantined.get(0).<String>getAs(Columns.PAYLOAD_SHA256))
                .isNotEqualTo(quarantined.get(1).<String>getAs(Columns.PAYLOAD_SHA256));
    }

    @Test
    void randomBytesAndMutationsNeverRaiseAndEveryRecordLandsOnce() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(20261201L);
        byte[] valid = event().json().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        List<byte[]> inputs = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            byte[] bytes;
            switch (i % 4) {
                case 0 -> {
                    bytes = new byte[random.nextInt(0, 200)];
                    for (int b = 0; b < bytes.length; b++) {
                        bytes[b] = (byte) random.nextInt(256);
                    }
                }
                case 1 -> {
                    bytes = valid.clone();
                    for (int k = random.nextInt(1, 4); k > 0; k--) {
                        bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
                    }
                }
                case 2 -> {
                    // Splice a fragment of JSON syntax or a hostile literal into a valid event.
                    String[] fragments = {
                        "1e9999999999",
                        "\\ud800",
                        "\"",
                        "{",
                        "]",
                        "null",
                        "NaN",
                        "-0",
                        "1e-2147483648",
                        "\u0000",
                        "0001-01-01T00:00:00Z",
                        ",\"quantity\":1",
                        "99999999999999999999999999999999999999"
                    };
                    String text = new String(valid, java.nio.charset.StandardCharsets.UTF_8);
                    int cut = random.nextInt(text.length());
                    bytes = (text.substring(0, cut) + fragments[random.nextInt(fragments.length)] + text.substring(cut))
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
                }
                default -> bytes = i % 8 == 3 ? null : java.util.Arrays.copyOf(valid, random.nextInt(valid.length));
            }
            inputs.add(bytes);
        }

        Dataset<Row> processed = PIPELINE.process(
                        io.meterlake.testing.Fixtures.fileRecordsOfBytes(spark(), INGESTED_AT, inputs),
                        acmeEntitlements())
                .cache();
        List<Long> lines = EventPipeline.accepted(processed)
                .select(Columns.LINE_NUMBER)
                .union(EventPipeline.quarantined(processed).select(Columns.LINE_NUMBER))
                .as(org.apache.spark.sql.Encoders.LONG())
                .collectAsList();

        assertThat(lines).hasSize(inputs.size()).doesNotHaveDuplicates();
        assertThat(EventPipeline.quarantined(processed)
                        .where(col(Columns.REASON).equalTo("UNPROCESSABLE"))
                        .count())
                .as("no input makes a stage fail")
                .isZero();
        processed.unpersist();
    }
}
