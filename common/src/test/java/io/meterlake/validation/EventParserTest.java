package io.meterlake.validation;

import static io.meterlake.testing.UsageEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EventParserTest {
    private final EventParser parser = new EventParser();

    static Stream<Arguments> rejected() {
        return Stream.of(
                Arguments.of(
                        "oversized",
                        event().attributes(Map.of("blob", "x".repeat(70_000))).json(),
                        ReasonCode.OVERSIZED),
                Arguments.of("not json", "this is not json", ReasonCode.MALFORMED_JSON),
                Arguments.of("truncated", "{\"schema_version\":1,\"event_id\":", ReasonCode.MALFORMED_JSON),
                Arguments.of("empty line", "", ReasonCode.MALFORMED_JSON),
                Arguments.of("array", "[1,2]", ReasonCode.MALFORMED_JSON),
                Arguments.of("trailing data", event().json() + " {}", ReasonCode.MALFORMED_JSON),
                Arguments.of(
                        "duplicate key",
                        "{\"schema_version\":1,\"quantity\":1,\"quantity\":2}",
                        ReasonCode.MALFORMED_JSON),
                Arguments.of(
                        "version 2", event().set("schema_version", "2").json(), ReasonCode.UNSUPPORTED_SCHEMA_VERSION),
                Arguments.of(
                        "version 0 and fields missing",
                        "{\"schema_version\":0}",
                        ReasonCode.UNSUPPORTED_SCHEMA_VERSION),
                Arguments.of(
                        "version missing", event().without("schema_version").json(), ReasonCode.MISSING_FIELD),
                Arguments.of(
                        "version as string",
                        event().set("schema_version", "\"1\"").json(),
                        ReasonCode.BAD_TYPE),
                Arguments.of(
                        "version as float", event().set("schema_version", "1.0").json(), ReasonCode.BAD_TYPE),
                Arguments.of("event_id missing", event().without("event_id").json(), ReasonCode.MISSING_FIELD),
                Arguments.of("event_id empty", event().id("").json(), ReasonCode.MISSING_FIELD),
                Arguments.of("event_id blank", event().id("   ").json(), ReasonCode.MISSING_FIELD),
                Arguments.of("source a tab", event().set("source", "\"\\t \"").json(), ReasonCode.MISSING_FIELD),
                Arguments.of(
                        "lone high surrogate",
                        event().set("event_id", "\"inv\\ud800\"").json(),
                        ReasonCode.INVALID_ENCODING),
                Arguments.of(
                        "lone low surrogate",
                        event().set("event_id", "\"inv\\udc00\"").json(),
                        ReasonCode.INVALID_ENCODING),
                Arguments.of(
                        "reversed pair",
                        event().set("tenant_id", "\"t\\udc00\\ud800\"").json(),
                        ReasonCode.INVALID_ENCODING),
                Arguments.of(
                        "lone surrogate in a key",
                        event().set("attributes", "{\"x\\ud800\":\"1\"}").json(),
                        ReasonCode.INVALID_ENCODING),
                Arguments.of(
                        "lone surrogate in an attribute",
                        event().set("attributes", "{\"fn\":\"\\udbff\"}").json(),
                        ReasonCode.INVALID_ENCODING),
                Arguments.of(
                        "version of huge exponent",
                        event().set("schema_version", "1e9999999999").json(),
                        ReasonCode.BAD_TYPE),
                Arguments.of(
                        "version of tiny exponent",
                        event().set("schema_version", "1e-9999999999").json(),
                        ReasonCode.BAD_TYPE),
                Arguments.of(
                        "version beyond int",
                        event().set("schema_version", "4294967297").json(),
                        ReasonCode.UNSUPPORTED_SCHEMA_VERSION),
                Arguments.of("nested 10000 deep", "[".repeat(10_000) + "]".repeat(10_000), ReasonCode.MALFORMED_JSON),
                Arguments.of("year 10000", event().at("+10000-01-01T00:00:00Z").json(), ReasonCode.BAD_TYPE),
                Arguments.of("year 0", event().at("0000-12-31T00:00:00Z").json(), ReasonCode.BAD_TYPE),
                Arguments.of(
                        "year 9999 east of UTC",
                        event().at("10000-01-01T01:00:00+02:00").json(),
                        ReasonCode.BAD_TYPE),
                Arguments.of("source null", event().set("source", "null").json(), ReasonCode.MISSING_FIELD),
                Arguments.of("tenant missing", event().without("tenant_id").json(), ReasonCode.MISSING_FIELD),
                Arguments.of("app missing", event().without("app_id").json(), ReasonCode.MISSING_FIELD),
                Arguments.of("metric missing", event().without("metric").json(), ReasonCode.MISSING_FIELD),
                Arguments.of("unit missing", event().without("unit").json(), ReasonCode.MISSING_FIELD),
                Arguments.of("quantity missing", event().without("quantity").json(), ReasonCode.MISSING_FIELD),
                Arguments.of("event_time missing", event().without("event_time").json(), ReasonCode.MISSING_FIELD),
                Arguments.of("tenant as number", event().set("tenant_id", "42").json(), ReasonCode.BAD_TYPE),
                Arguments.of("event_id too long", event().id("e".repeat(129)).json(), ReasonCode.BAD_TYPE),
                Arguments.of("quantity boolean", event().set("quantity", "true").json(), ReasonCode.BAD_TYPE),
                Arguments.of("quantity words", event().quantity("three").json(), ReasonCode.BAD_TYPE),
                Arguments.of(
                        "action unknown",
                        event().set("action", "\"delete\"")
                                .set("target_event_id", "\"e\"")
                                .json(),
                        ReasonCode.UNKNOWN_ACTION),
                Arguments.of(
                        "action in capitals",
                        event().set("action", "\"VOID\"")
                                .set("target_event_id", "\"e\"")
                                .json(),
                        ReasonCode.UNKNOWN_ACTION),
                Arguments.of("action a number", event().set("action", "1").json(), ReasonCode.UNKNOWN_ACTION),
                Arguments.of(
                        "void without target", event().set("action", "\"void\"").json(), ReasonCode.INVALID_TARGET),
                Arguments.of("amend with blank target", event().amends(" ").json(), ReasonCode.INVALID_TARGET),
                Arguments.of(
                        "target a number",
                        event().set("action", "\"void\"")
                                .set("target_event_id", "7")
                                .json(),
                        ReasonCode.INVALID_TARGET),
                Arguments.of("target too long", event().voids("e".repeat(129)).json(), ReasonCode.INVALID_TARGET),
                Arguments.of("void of itself", event().id("v-1").voids("v-1").json(), ReasonCode.INVALID_TARGET),
                Arguments.of(
                        "target without action",
                        event().set("target_event_id", "\"e\"").json(),
                        ReasonCode.INVALID_TARGET),
                Arguments.of(
                        "amend without quantity",
                        event().amends("e").without("quantity").json(),
                        ReasonCode.MISSING_FIELD),
                Arguments.of(
                        "void with a bad quantity",
                        event().voids("e").quantity("many").json(),
                        ReasonCode.BAD_TYPE),
                Arguments.of("quantity with plus", event().quantity("+3").json(), ReasonCode.BAD_TYPE),
                Arguments.of(
                        "time without offset", event().at("2026-10-15T12:00:00").json(), ReasonCode.BAD_TYPE),
                Arguments.of("time as date", event().at("2026-10-15").json(), ReasonCode.BAD_TYPE),
                Arguments.of(
                        "time as epoch", event().set("event_time", "1760529600").json(), ReasonCode.BAD_TYPE),
                Arguments.of(
                        "attributes not object",
                        event().set("attributes", "[\"a\"]").json(),
                        ReasonCode.BAD_TYPE),
                Arguments.of(
                        "attribute not string",
                        event().set("attributes", "{\"region\":1}").json(),
                        ReasonCode.BAD_TYPE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejected")
    void rejectsWithTheFirstFailingRule(String name, String payload, ReasonCode expected) {
        ParseResult result = parser.parse(payload);

        assertThat(result.accepted()).isFalse();
        assertThat(result.reason()).isEqualTo(expected);
        assertThat(result.detail()).isNotBlank();
    }

    static Stream<Arguments> quantities() {
        return Stream.of(
                Arguments.of("\"1728.987\"", "1728.987"),
                Arguments.of("1728.987", "1728.987"),
                Arguments.of("0.1000000000000000055511151231257827", "0.1000000000000000055511151231257827"),
                Arguments.of("12345678901234567890123", "12345678901234567890123"),
                Arguments.of("\"1e3\"", "1E+3"),
                Arguments.of("1.50", "1.50"),
                Arguments.of("\"-0.0\"", "0.0"),
                Arguments.of("-2", "-2"),
                Arguments.of("NaN", "NaN"),
                Arguments.of("\"NaN\"", "NaN"),
                Arguments.of("\"Infinity\"", "Infinity"),
                Arguments.of("-Infinity", "-Infinity"),
                Arguments.of("\"-inf\"", "-Infinity"),
                // Beyond any canonical value: kept as written (normalize quarantines them), never raised on.
                Arguments.of("1e400", "1E+400"),
                Arguments.of("\"1e400\"", "1E+400"),
                Arguments.of("1e2147483647", "1e2147483647"),
                Arguments.of("\"1e2147483647\"", "1e2147483647"),
                Arguments.of("1e9999999999", "1e9999999999"),
                Arguments.of("\"1e-9999999999\"", "1e-9999999999"),
                Arguments.of("1e-9999999999", "1e-9999999999"),
                Arguments.of("-1e9999999999", "-1e9999999999"),
                Arguments.of("1" + "0".repeat(5_000), "1" + "0".repeat(5_000)));
    }

    static Stream<Arguments> notUtf8() {
        byte[] valid = event().id("inv-X").json().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int at = new String(valid, java.nio.charset.StandardCharsets.UTF_8).indexOf('X');
        return Stream.of(
                Arguments.of("0xff", replace(valid, at, new byte[] {(byte) 0xff}), at),
                Arguments.of("0xfe", replace(valid, at, new byte[] {(byte) 0xfe}), at),
                Arguments.of("overlong slash", replace(valid, at, new byte[] {(byte) 0xc0, (byte) 0xaf}), at),
                Arguments.of(
                        "CESU surrogate", replace(valid, at, new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}), at),
                Arguments.of("truncated sequence", replace(valid, at, new byte[] {(byte) 0xe2, (byte) 0x82}), at),
                Arguments.of(
                        "beyond U+10FFFF",
                        replace(valid, at, new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}),
                        at),
                Arguments.of("latin-1 e acute", replace(valid, at, new byte[] {(byte) 0xe9}), at));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notUtf8")
    void bytesThatAreNotUtf8AreInvalidEncodingAndNamed(String name, byte[] bytes, int at) {
        ParseResult result = parser.parse(bytes);

        assertThat(result.reason()).isEqualTo(ReasonCode.INVALID_ENCODING);
        assertThat(result.detail()).startsWith("byte " + (at + 1) + " ");
        assertThat(EventParser.decode(bytes).exact()).isFalse();
    }

    @Test
    void differentInvalidBytesNeverDecodeToOneIdentity() {
        byte[] ff = replace(
                "{\"event_id\":\"X\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8), 13, new byte[] {(byte) 0xff});
        byte[] fe = replace(
                "{\"event_id\":\"X\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8), 13, new byte[] {(byte) 0xfe});

        // Decoded, both would read as U+FFFD; neither is accepted, so no two events share an identity.
        assertThat(EventParser.decode(ff).text())
                .isEqualTo(EventParser.decode(fe).text());
        assertThat(parser.parse(ff).reason()).isEqualTo(ReasonCode.INVALID_ENCODING);
        assertThat(parser.parse(fe).reason()).isEqualTo(ReasonCode.INVALID_ENCODING);
    }

    @Test
    void readsEveryYearOfTheContractIncludingAncientOnes() {
        for (String time : new String[] {
            "0001-01-01T00:00:00Z", "1582-10-10T00:00:00Z", "1899-12-31T23:59:59Z", "9999-12-31T23:59:59.999999Z"
        }) {
            ParseResult result = parser.parse(event().at(time).json());
            assertThat(result.accepted()).as(time).isTrue();
            assertThat(result.event().eventTime()).isEqualTo(Instant.parse(time));
        }
    }

    @Test
    void aSurrogatePairIsText() {
        ParseResult result =
                parser.parse(event().set("event_id", "\"emoji-\\ud83d\\ude00\"").json());

        assertThat(result.accepted()).as(result.detail()).isTrue();
        assertThat(result.event().eventId()).isEqualTo("emoji-\ud83d\ude00");
    }

    private static byte[] replace(byte[] bytes, int at, byte[] with) {
        byte[] result = new byte[bytes.length - 1 + with.length];
        System.arraycopy(bytes, 0, result, 0, at);
        System.arraycopy(with, 0, result, at, with.length);
        System.arraycopy(bytes, at + 1, result, at + with.length, bytes.length - at - 1);
        return result;
    }

    @ParameterizedTest(name = "quantity {0} reads as {1}")
    @MethodSource("quantities")
    void readsQuantitiesExactly(String json, String expected) {
        ParseResult result = parser.parse(event().set("quantity", json).json());

        assertThat(result.accepted()).as(result.detail()).isTrue();
        assertThat(result.event().inputQuantity()).isEqualTo(expected);
    }

    @Test
    void normalizesAnyOffsetToUtc() {
        ParsedEvent event = parser.parse(
                        event().at("2026-11-01T01:30:00.123456789+02:00").json())
                .event();

        assertThat(event.eventTime()).isEqualTo(Instant.parse("2026-10-31T23:30:00.123456Z"));
    }

    /** An event with every field of a usage event set. */
    private static String everyField() {
        return event().id("e-9")
                .source("kvs")
                .tenant("t")
                .app("a")
                .metric("kvs.reads", "count")
                .quantityNumber("7")
                .at("2026-10-01T00:00:00Z")
                .attributes(Map.of("region", "eu", "fn", "f"))
                .json();
    }

    @Test
    void readsEveryField() {
        ParsedEvent event = parser.parse(everyField()).event();

        assertThat(event)
                .isEqualTo(new ParsedEvent(
                        1,
                        "e-9",
                        "kvs",
                        "t",
                        "a",
                        "kvs.reads",
                        "count",
                        "7",
                        Instant.parse("2026-10-01T00:00:00Z"),
                        Map.of("fn", "f", "region", "eu")));
    }

    @Test
    void readsCorrections() {
        ParsedEvent amend = parser.parse(
                        event().id("fix-1").amends("e-9").quantity("4").json())
                .event();
        ParsedEvent voided = parser.parse(event().id("void-1")
                        .voids("e-9")
                        .without("quantity")
                        .without("unit")
                        .json())
                .event();

        assertThat(amend.action()).isEqualTo("amend");
        assertThat(amend.targetEventId()).isEqualTo("e-9");
        assertThat(amend.inputQuantity()).isEqualTo("4");
        // A void may leave out quantity and unit: 0 in the metric's canonical unit (the pipeline names it).
        assertThat(voided.action()).isEqualTo("void");
        assertThat(voided.inputQuantity()).isEqualTo("0");
        assertThat(voided.inputUnit()).isNull();
        assertThat(parser.parse(event().json()).event().action()).isNull();
        assertThat(parser.parse(event().set("action", "null")
                                .set("target_event_id", "null")
                                .json())
                        .event()
                        .action())
                .isNull();
    }

    @Test
    void ignoresUnknownFieldsAndNullAttributes() {
        ParseResult result = parser.parse(
                event().set("extra", "{\"x\":1}").set("attributes", "null").json());

        assertThat(result.accepted()).isTrue();
        assertThat(result.event().attributes()).isEmpty();
    }

    @Test
    void theCommonTimeShapeIsReadAsTheIsoFormatterReadsIt() {
        java.util.List<String> texts = new java.util.ArrayList<>(java.util.List.of(
                "2026-10-15T12:00:00Z",
                "2028-02-29T12:00:00Z",
                "2026-02-29T00:00:00Z",
                "2026-12-31T23:59:60Z",
                "2026-01-01T24:00:00Z",
                "2026-12-31T23:30:00-01:00",
                "2026-01-01T00:00:00+18:00",
                "2026-01-01T00:00:00+18:01",
                "2026-01-01T00:00:00-00:00",
                "2026-01-01T00:00:00.123456789Z",
                "2026-01-01T00:00:00.1234567891Z",
                "2026-01-01T00:00:00.Z",
                "2026-01-01t00:00:00z",
                "0000-01-01T00:00:00Z",
                "2026-13-01T00:00:00Z",
                "2026-04-31T00:00:00+05:30",
                "2026-01-01T00:00:00+05:3",
                "2026-01-01T00:00:00+05:30:00"));
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        String alphabet = "0123456789012345678901234567890123456789-+:.TZ";
        int base = texts.size();
        for (int i = 0; i < 20_000; i++) {
            char[] chars = texts.get(random.nextInt(base)).toCharArray();
            chars[random.nextInt(chars.length)] = alphabet.charAt(random.nextInt(alphabet.length()));
            texts.add(new String(chars));
        }
        int read = 0;
        for (String text : texts) {
            java.time.OffsetDateTime common = EventTimes.commonTime(text);
            if (common == null) {
                continue;
            }
            read++;
            assertThat(java.time.OffsetDateTime.parse(text, java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME))
                    .as(text)
                    .isEqualTo(common);
        }
        assertThat(read).isGreaterThan(1_000);
        assertThat(EventTimes.commonTime("2028-02-29T12:00:00Z")).isNotNull();
        assertThat(EventTimes.commonTime("2026-02-29T00:00:00Z")).isNull();
    }

    private static final String CLOUD_DATA = "{\"tenant_id\":\"t\",\"app_id\":\"a\",\"metric\":\"kvs.reads\","
            + "\"quantity\":7,\"unit\":\"count\",\"attributes\":{\"region\":\"eu\",\"fn\":\"f\"}}";

    private static String cloudEvent(String attributes, String data) {
        return "{\"specversion\":\"1.0\",\"type\":\"io.meterlake.usage.v1\",\"id\":\"e-9\",\"source\":\"kvs\","
                + "\"time\":\"2026-10-01T02:00:00+02:00\"" + attributes + (data == null ? "" : ",\"data\":" + data)
                + "}";
    }

    /** A CloudEvent (structured JSON) is read as its contract twin: the one mapping, for every reader. */
    @Test
    void readsACloudEventAsTheSameEvent() {
        ParsedEvent twin = parser.parse(everyField()).event();
        assertThat(parser.parse(cloudEvent(",\"datacontenttype\":\"application/json\",\"subject\":\"x\"", CLOUD_DATA))
                        .event())
                .isEqualTo(twin);
        assertThat(parser.parse(cloudEvent("", CLOUD_DATA)).event()).isEqualTo(twin);
    }

    static Stream<Arguments> rejectedCloudEvents() {
        return Stream.of(
                Arguments.of(
                        cloudEvent("", CLOUD_DATA).replace("\"1.0\"", "\"0.3\""),
                        ReasonCode.UNSUPPORTED_SCHEMA_VERSION,
                        "CloudEvents specversion \"0.3\" is not supported; this reader knows \"1.0\""),
                Arguments.of(
                        cloudEvent("", CLOUD_DATA).replace("io.meterlake.usage.v1", "com.example.order"),
                        ReasonCode.UNSUPPORTED_SCHEMA_VERSION,
                        "a CloudEvent of type \"com.example.order\" is not a Meterlake usage event: its type must be"
                                + " \"io.meterlake.usage.v1\""),
                Arguments.of(
                        cloudEvent("", null),
                        ReasonCode.MISSING_FIELD,
                        "the CloudEvent's data is missing: a"
                                + " Meterlake usage event carries tenant_id, app_id, metric, quantity and unit in data"),
                Arguments.of(
                        cloudEvent("", CLOUD_DATA).replace("\"id\":\"e-9\",", ""),
                        ReasonCode.MISSING_FIELD,
                        "the CloudEvent's id is missing"),
                Arguments.of(
                        cloudEvent(",\"data_base64\":\"e30=\"", CLOUD_DATA),
                        ReasonCode.BAD_TYPE,
                        "data_base64 is not read: send data as a JSON object"),
                Arguments.of(
                        cloudEvent(",\"datacontenttype\":\"text/plain\"", CLOUD_DATA),
                        ReasonCode.BAD_TYPE,
                        "datacontenttype must be application/json (or absent), got \"text/plain\""),
                Arguments.of(
                        cloudEvent("", "\"7 reads\""), ReasonCode.BAD_TYPE, "data must be a JSON object, got string"),
                Arguments.of(
                        cloudEvent("", CLOUD_DATA.replace("{", "{\"event_id\":\"other\",")),
                        ReasonCode.BAD_TYPE,
                        "data.event_id is not read from data (the CloudEvent's id is): leave it out"),
                // The mapped event then gets every rule of the contract.
                Arguments.of(
                        cloudEvent("", CLOUD_DATA.replace("\"unit\":\"count\",", "")),
                        ReasonCode.MISSING_FIELD,
                        "unit is missing, empty or blank"),
                Arguments.of(
                        cloudEvent("", CLOUD_DATA).replace("2026-10-01T02:00:00+02:00", "yesterday"),
                        ReasonCode.BAD_TYPE,
                        null));
    }

    @ParameterizedTest
    @MethodSource("rejectedCloudEvents")
    void rejectsACloudEventThatIsNotAUsageEvent(String payload, ReasonCode reason, String detail) {
        ParseResult result = parser.parse(payload);
        assertThat(result.reason()).as(payload).isEqualTo(reason);
        if (detail != null) {
            assertThat(result.detail()).isEqualTo(detail);
        }
    }
}
