package io.meterlake.testing;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.Map;

/**
 * Builds contract events for tests: {@code UsageEvents.event().tenant("acme").quantity("3").json()}.
 * Defaults make a valid event; each setter changes one field; {@link #without} removes one.
 */
public final class UsageEvents {
    /** Exact decimals and bare NaN/Infinity tokens survive a round trip through the builder. */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    private final ObjectNode node = MAPPER.createObjectNode();

    private UsageEvents() {
        node.put("schema_version", 1);
        node.put("event_id", "evt-1");
        node.put("source", "forge-functions");
        node.put("tenant_id", "acme");
        node.put("app_id", "app-1");
        node.put("metric", "functions.invocations");
        node.put("quantity", "3");
        node.put("unit", "count");
        node.put("event_time", "2026-10-15T12:00:00Z");
    }

    public static UsageEvents event() {
        return new UsageEvents();
    }

    public UsageEvents id(String eventId) {
        node.put("event_id", eventId);
        return this;
    }

    public UsageEvents source(String source) {
        node.put("source", source);
        return this;
    }

    public UsageEvents tenant(String tenant) {
        node.put("tenant_id", tenant);
        return this;
    }

    public UsageEvents app(String app) {
        node.put("app_id", app);
        return this;
    }

    public UsageEvents metric(String metric, String unit) {
        node.put("metric", metric);
        node.put("unit", unit);
        return this;
    }

    /** Quantity as a decimal string. */
    public UsageEvents quantity(String quantity) {
        node.put("quantity", quantity);
        return this;
    }

    /** Quantity as a JSON number, exactly as written. */
    public UsageEvents quantityNumber(String quantity) {
        node.put("quantity", new BigDecimal(quantity));
        return this;
    }

    public UsageEvents at(String isoTime) {
        node.put("event_time", isoTime);
        return this;
    }

    public UsageEvents attributes(Map<String, String> attributes) {
        ObjectNode object = node.putObject("attributes");
        attributes.forEach(object::put);
        return this;
    }

    /**
     * Sets any field to a raw JSON value, written exactly as given (not re-read, so {@code 1e400}
     * or an escape such as {@code "\\ud800"} reaches the reader as it is), e.g.
     * {@code set("quantity", "true")}.
     */
    public UsageEvents set(String field, String rawJson) {
        node.putRawValue(field, new com.fasterxml.jackson.databind.util.RawValue(rawJson));
        return this;
    }

    /** Makes this a void of {@code targetEventId} (the event's other fields stay: they must match the target's). */
    public UsageEvents voids(String targetEventId) {
        node.put("action", "void");
        node.put("target_event_id", targetEventId);
        return this;
    }

    /** Makes this an amend of {@code targetEventId}: its quantity, unit and attributes replace the target's. */
    public UsageEvents amends(String targetEventId) {
        node.put("action", "amend");
        node.put("target_event_id", targetEventId);
        return this;
    }

    public UsageEvents without(String field) {
        node.remove(field);
        return this;
    }

    public String json() {
        return node.toString();
    }
}
