package io.meterlake.validation;

import static io.meterlake.testing.UsageEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The stateless rules without Spark, as the HTTP gateway runs them: every reason code they can give,
 * the first failing rule winning, and the edges of the time rules on the calendar's awkward instants.
 * {@code EventPipelineTest} runs the same records through the pipeline, which calls this class.
 */
class EventRulesTest {
    private static final MeterlakeConfig CONFIG = ConfigLoader.load(Optional.empty(), List.of(), Map.of());
    private static final EventRules RULES =
            new EventRules(CONFIG.catalog(), CONFIG.maxClockSkew(), CONFIG.maxEventAge());
    private static final Instant INGESTED_AT = Instant.parse("2026-11-02T00:00:00Z");

    private static EventRules.Verdict check(String payload, Instant ingestedAt) {
        return RULES.check(payload.getBytes(StandardCharsets.UTF_8), ingestedAt);
    }

    @Test
    void givesEveryStatelessReasonWithADetail() {
        Map<String, ReasonCode> cases = new LinkedHashMap<>();
        cases.put("x".repeat(EventParser.MAX_RECORD_BYTES + 1), ReasonCode.OVERSIZED);
        cases.put("{oops", ReasonCode.MALFORMED_JSON);
        cases.put(event().set("schema_version", "3").json(), ReasonCode.UNSUPPORTED_SCHEMA_VERSION);
        cases.put(event().without("tenant_id").json(), ReasonCode.MISSING_FIELD);
        cases.put(event().set("quantity", "[1]").json(), ReasonCode.BAD_TYPE);
        cases.put(event().set("action", "\"undo\"").json(), ReasonCode.UNKNOWN_ACTION);
        cases.put(event().set("target_event_id", "\"evt-0\"").json(), ReasonCode.INVALID_TARGET);
        cases.put(event().metric("functions.gpu", "count").json(), ReasonCode.UNKNOWN_METRIC);
        cases.put(event().metric("app.active_users", "users").json(), ReasonCode.MISSING_FIELD);
        cases.put(event().metric("functions.compute", "ms").json(), ReasonCode.UNIT_NOT_ACCEPTED);
        cases.put(event().quantity("NaN").json(), ReasonCode.NON_FINITE_QUANTITY);
        cases.put(event().quantity("-1").json(), ReasonCode.NEGATIVE_QUANTITY);
        cases.put(event().at("2026-11-02T00:05:00.000001Z").json(), ReasonCode.EVENT_TIME_IN_FUTURE);
        cases.put(event().at("2026-08-03T23:59:59Z").json(), ReasonCode.EVENT_TOO_OLD);
        cases.put(event().metric("logs.ingested", "B").quantity("0.5").json(), ReasonCode.PRECISION_OVERFLOW);
        cases.put(event().quantity("1000000000001").json(), ReasonCode.QUANTITY_ABOVE_MAXIMUM);
        // The first failing rule wins: unknown metric before negative quantity before the clock.
        cases.put(
                event().metric("nope", "count")
                        .quantity("-1")
                        .at("2030-01-01T00:00:00Z")
                        .json(),
                ReasonCode.UNKNOWN_METRIC);

        Set<ReasonCode> seen = EnumSet.noneOf(ReasonCode.class);
        cases.forEach((payload, reason) -> {
            EventRules.Verdict verdict = check(payload, INGESTED_AT);
            assertThat(verdict.reason())
                    .as(payload.length() > 200 ? "oversized" : payload)
                    .isEqualTo(reason);
            assertThat(verdict.detail()).isNotBlank();
            assertThat(verdict.quantity()).isNull();
            seen.add(reason);
        });
        // Every code but attribution's (which needs the entitlements) and the catch-all.
        assertThat(seen)
                .isEqualTo(EnumSet.complementOf(EnumSet.of(
                        ReasonCode.INVALID_ENCODING,
                        ReasonCode.UNATTRIBUTED,
                        ReasonCode.AMBIGUOUS_ATTRIBUTION,
                        ReasonCode.UNPROCESSABLE)));
        byte[] notUtf8 = {'{', (byte) 0xC3, '}'};
        assertThat(RULES.check(notUtf8, INGESTED_AT).reason()).isEqualTo(ReasonCode.INVALID_ENCODING);
    }

    @Test
    void convertsExactlyToTheCanonicalUnit() {
        EventRules.Verdict verdict = check(
                event().metric("functions.compute", "GB-ms").quantity("1500").json(), INGESTED_AT);

        assertThat(verdict.accepted()).as(verdict.detail()).isTrue();
        assertThat(verdict.unit()).isEqualTo("GB-s");
        assertThat(Quantities.render(verdict.quantity())).isEqualTo("1.500000000");
    }

    @Test
    void aVoidWithoutAUnitIsInTheCanonicalOne() {
        EventRules.Verdict verdict = check(
                event().without("unit")
                        .without("quantity")
                        .voids("evt-0")
                        .id("v")
                        .at("2026-11-01T23:00:00Z")
                        .json(),
                INGESTED_AT);

        assertThat(verdict.accepted()).as(verdict.detail()).isTrue();
        assertThat(verdict.inputUnit()).isEqualTo("count");
    }

    @Test
    void timeRulesHoldAtTheCalendarsEdges() {
        for (String ingest : List.of("2026-12-01T00:30:00Z", "2027-01-01T00:00:00Z", "2028-02-29T12:00:00Z")) {
            Instant at = Instant.parse(ingest);
            assertThat(check(
                                    event().at(at.plus(CONFIG.maxClockSkew()).toString())
                                            .json(),
                                    at)
                            .accepted())
                    .isTrue();
            assertThat(check(
                                    event().at(at.plus(CONFIG.maxClockSkew())
                                                    .plusNanos(1_000)
                                                    .toString())
                                            .json(),
                                    at)
                            .reason())
                    .isEqualTo(ReasonCode.EVENT_TIME_IN_FUTURE);
            assertThat(check(
                                    event().at(at.minus(CONFIG.maxEventAge()).toString())
                                            .json(),
                                    at)
                            .accepted())
                    .isTrue();
            assertThat(check(
                                    event().at(at.minus(CONFIG.maxEventAge())
                                                    .minusNanos(1_000)
                                                    .toString())
                                            .json(),
                                    at)
                            .reason())
                    .isEqualTo(ReasonCode.EVENT_TOO_OLD);
        }
    }
}
