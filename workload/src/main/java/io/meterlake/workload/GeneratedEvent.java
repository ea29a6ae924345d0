package io.meterlake.workload;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * A valid event as the generator made it; its JSON is rendered on demand. {@code quantityAsNumber}: the quantity
 * is written as a JSON number (else as a decimal string); {@code offset}: the offset its event_time is written in.
 */
record GeneratedEvent(
        String eventId,
        String source,
        String tenantId,
        String appId,
        String metric,
        String unit,
        BigDecimal quantity,
        boolean quantityAsNumber,
        Instant time,
        ZoneOffset offset,
        Map<String, String> attributes) {
    private static final ObjectMapper MAPPER =
            new ObjectMapper().enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

    GeneratedEvent withQuantity(BigDecimal other) {
        return new GeneratedEvent(
                eventId, source, tenantId, appId, metric, unit, other, quantityAsNumber, time, offset, attributes);
    }

    String json() {
        return node().toString();
    }

    /** The record as the contract's JSON object, quantities written plainly. */
    ObjectNode node() {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("schema_version", 1);
        node.put("event_id", eventId);
        node.put("source", source);
        node.put("tenant_id", tenantId);
        node.put("app_id", appId);
        node.put("metric", metric);
        if (quantityAsNumber) {
            node.put("quantity", quantity);
        } else {
            node.put("quantity", quantity.toPlainString());
        }
        node.put("unit", unit);
        node.put("event_time", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(time.atOffset(offset)));
        if (!attributes.isEmpty()) {
            ObjectNode object = node.putObject("attributes");
            attributes.forEach(object::put);
        }
        return node;
    }
}
