package io.meterlake.validation;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Reads one record of the event contract (schema v1) from its JSON text, exactly.
 *
 * <p>It applies the parse rules in {@link ReasonCode} order: {@code OVERSIZED},
 * {@code MALFORMED_JSON}, {@code UNSUPPORTED_SCHEMA_VERSION}, {@code MISSING_FIELD},
 * {@code BAD_TYPE}. Quantities never pass through {@code double}: JSON numbers are read as
 * {@link BigDecimal}, decimal strings are parsed as such. Duplicate keys make a record
 * malformed, since either value could be the meant one. Unknown top-level fields are ignored
 * (they stay in the stored payload).
 *
 * <p>Thread-safe and serializable: Spark executors share one instance per JVM.
 */
public final class EventParser implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    /** The contract's limit on one record. */
    public static final int MAX_RECORD_BYTES = 64 * 1024;
    public static final int SUPPORTED_SCHEMA_VERSION = 1;
    public static final int MAX_EVENT_ID_LENGTH = 128;

    private static final Pattern DECIMAL = Pattern.compile("-?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?");
    private static final Pattern NON_FINITE_TEXT = Pattern.compile("[+-]?(nan|inf|infinity)", Pattern.CASE_INSENSITIVE);
    private static final String[] REQUIRED_TEXT = {"event_id", "source", "tenant_id", "app_id", "metric", "unit"};

    private static final ObjectMapper MAPPER = JsonMapper.builder(new JsonFactory())
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    public ParseResult parse(String payload) {
        if (payload == null) {
            return ParseResult.rejected(ReasonCode.MALFORMED_JSON, "the record is empty");
        }
        int bytes = utf8Length(payload);
        if (bytes > MAX_RECORD_BYTES) {
            return ParseResult.rejected(ReasonCode.OVERSIZED,
                    "record is " + bytes + " bytes; the limit is " + MAX_RECORD_BYTES);
        }
        if (payload.isBlank()) {
            return ParseResult.rejected(ReasonCode.MALFORMED_JSON, "the record is empty");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(payload);
        } catch (JsonProcessingException e) {
            return ParseResult.rejected(ReasonCode.MALFORMED_JSON, firstLine(e.getOriginalMessage()));
        }
        if (root == null || !root.isObject()) {
            return ParseResult.rejected(ReasonCode.MALFORMED_JSON, "the record is not a JSON object");
        }

        JsonNode version = root.get("schema_version");
        if (isAbsent(version)) {
            return ParseResult.rejected(ReasonCode.MISSING_FIELD, "schema_version is missing");
        }
        if (!version.isIntegralNumber() || !version.canConvertToInt()) {
            return ParseResult.rejected(ReasonCode.BAD_TYPE, "schema_version must be an integer, got " + describe(version));
        }
        if (version.intValue() != SUPPORTED_SCHEMA_VERSION) {
            return ParseResult.rejected(ReasonCode.UNSUPPORTED_SCHEMA_VERSION,
                    "schema_version " + version.intValue() + " is not supported; this reader knows version "
                            + SUPPORTED_SCHEMA_VERSION);
        }

        for (String field : REQUIRED_TEXT) {
            JsonNode node = root.get(field);
            if (isAbsent(node) || (node.isTextual() && node.textValue().isEmpty())) {
                return ParseResult.rejected(ReasonCode.MISSING_FIELD, field + " is missing or empty");
            }
        }
        for (String field : new String[] {"quantity", "event_time"}) {
            if (isAbsent(root.get(field))) {
                return ParseResult.rejected(ReasonCode.MISSING_FIELD, field + " is missing");
            }
        }

        for (String field : REQUIRED_TEXT) {
            JsonNode node = root.get(field);
            if (!node.isTextual()) {
                return ParseResult.rejected(ReasonCode.BAD_TYPE, field + " must be a string, got " + describe(node));
            }
        }
        String eventId = root.get("event_id").textValue();
        if (eventId.length() > MAX_EVENT_ID_LENGTH) {
            return ParseResult.rejected(ReasonCode.BAD_TYPE,
                    "event_id is " + eventId.length() + " characters; at most " + MAX_EVENT_ID_LENGTH + " are allowed");
        }

        String quantity = readQuantity(root.get("quantity"));
        if (quantity == null) {
            return ParseResult.rejected(ReasonCode.BAD_TYPE,
                    "quantity must be a JSON number or a decimal string, got " + describe(root.get("quantity")));
        }

        JsonNode timeNode = root.get("event_time");
        if (!timeNode.isTextual()) {
            return ParseResult.rejected(ReasonCode.BAD_TYPE, "event_time must be a string, got " + describe(timeNode));
        }
        Instant eventTime = readTime(timeNode.textValue());
        if (eventTime == null) {
            return ParseResult.rejected(ReasonCode.BAD_TYPE, "event_time '" + abbreviate(timeNode.textValue())
                    + "' is not ISO-8601 with an offset (e.g. 2026-10-01T12:00:00Z or 2026-10-01T14:00:00+02:00)");
        }

        Map<String, String> attributes = new TreeMap<>();
        JsonNode attributesNode = root.get("attributes");
        if (!isAbsent(attributesNode)) {
            if (!attributesNode.isObject()) {
                return ParseResult.rejected(ReasonCode.BAD_TYPE,
                        "attributes must be an object of strings, got " + describe(attributesNode));
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = attributesNode.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> entry = it.next();
                if (!entry.getValue().isTextual()) {
                    return ParseResult.rejected(ReasonCode.BAD_TYPE, "attributes." + entry.getKey()
                            + " must be a string, got " + describe(entry.getValue()));
                }
                attributes.put(entry.getKey(), entry.getValue().textValue());
            }
        }

        return ParseResult.ok(new ParsedEvent(SUPPORTED_SCHEMA_VERSION, eventId, root.get("source").textValue(),
                root.get("tenant_id").textValue(), root.get("app_id").textValue(), root.get("metric").textValue(),
                root.get("unit").textValue(), quantity, eventTime, attributes));
    }

    /** The exact decimal text of a quantity node, a {@link Quantities#NON_FINITE} marker, or null. */
    private static String readQuantity(JsonNode node) {
        if (node.isNumber()) {
            if (node.isDouble() || node.isFloat()) {
                // Only NaN and the infinities reach here: finite floats are read as BigDecimal.
                double value = node.doubleValue();
                if (Double.isNaN(value)) {
                    return Quantities.NON_FINITE.get(0);
                }
                if (Double.isInfinite(value)) {
                    return value > 0 ? Quantities.NON_FINITE.get(1) : Quantities.NON_FINITE.get(2);
                }
                return new BigDecimal(node.asText()).toString();
            }
            return node.decimalValue().toString();
        }
        if (node.isTextual()) {
            String text = node.textValue();
            if (DECIMAL.matcher(text).matches()) {
                return new BigDecimal(text).toString();
            }
            if (NON_FINITE_TEXT.matcher(text).matches()) {
                if (text.toLowerCase(java.util.Locale.ROOT).contains("nan")) {
                    return Quantities.NON_FINITE.get(0);
                }
                return text.startsWith("-") ? Quantities.NON_FINITE.get(2) : Quantities.NON_FINITE.get(1);
            }
        }
        return null;
    }

    private static Instant readTime(String text) {
        try {
            OffsetDateTime time = OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
            Instant instant = time.toInstant();
            int year = time.withOffsetSameInstant(java.time.ZoneOffset.UTC).getYear();
            if (year < 1 || year > 9999) {
                return null;
            }
            return instant.truncatedTo(ChronoUnit.MICROS);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static boolean isAbsent(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode();
    }

    private static String describe(JsonNode node) {
        String type = node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        return type + " " + abbreviate(node.toString());
    }

    private static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }

    private static String firstLine(String message) {
        String text = message == null ? "not valid JSON" : message;
        int newline = text.indexOf('\n');
        return "not valid JSON: " + (newline < 0 ? text : text.substring(0, newline));
    }

    private static int utf8Length(String text) {
        if (text.length() * 3 <= MAX_RECORD_BYTES) {
            return text.length(); // cannot exceed the limit; exact size is not needed
        }
        return text.getBytes(StandardCharsets.UTF_8).length;
    }
}
