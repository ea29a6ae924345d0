package io.meterlake.validation;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads one record of the event contract (schema v1) from its bytes, exactly, and never throws.
 *
 * <p>It applies the parse rules in {@link ReasonCode} order: {@code OVERSIZED},
 * {@code INVALID_ENCODING} (the bytes are not UTF-8, or a JSON string escapes a lone surrogate),
 * {@code MALFORMED_JSON}, {@code UNSUPPORTED_SCHEMA_VERSION}, {@code MISSING_FIELD},
 * {@code BAD_TYPE}, then a correction's shape ({@code UNKNOWN_ACTION}, {@code INVALID_TARGET}). A
 * failure nothing more specific describes is {@code UNPROCESSABLE}.
 *
 * <p>Numbers are never converted by the JSON reader: a number token is kept as its literal text
 * and read exactly like the same text inside a string ({@link Quantities#exact}), so {@code 1e400}
 * and {@code "1e400"} get one meaning, and no exponent, however large, can raise. Duplicate keys
 * make a record malformed, since either value could be the meant one. Unknown top-level fields are
 * ignored (they stay in the stored payload).
 *
 * <p>Thread-safe and serializable: Spark executors share one instance per JVM.
 */
public final class EventParser implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    /** The contract's limit on one record. */
    public static final int MAX_RECORD_BYTES = 64 * 1024;

    public static final int SUPPORTED_SCHEMA_VERSION = 1;
    public static final int MAX_EVENT_ID_LENGTH = 128;
    /** Event times are read for the years {@code [MIN_YEAR, MAX_YEAR]} (UTC); others are BAD_TYPE. */
    public static final int MIN_YEAR = 1;

    public static final int MAX_YEAR = 9999;

    private static final String[] REQUIRED_TEXT = {"event_id", "source", "tenant_id", "app_id", "metric", "unit"};

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            // The record limit bounds every token; no separate, smaller limit for numbers or strings.
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNumberLength(MAX_RECORD_BYTES)
                    .maxStringLength(MAX_RECORD_BYTES)
                    .maxNestingDepth(200)
                    .build())
            .build();

    /** A record's bytes as text: exact when they are UTF-8, else with U+FFFD and where the first bad byte is. */
    public record Decoded(String text, int byteLength, int invalidAt) {
        public boolean exact() {
            return invalidAt < 0;
        }
    }

    /** Decodes strictly; a record that is not UTF-8 gets a lossy text (the caller keeps its bytes). */
    public static Decoded decode(byte[] bytes) {
        if (bytes == null) {
            return new Decoded(null, 0, -1);
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            return new Decoded(new String(bytes, StandardCharsets.UTF_8), bytes.length, in.position());
        }
        decoder.flush(out);
        out.flip();
        return new Decoded(out.toString(), bytes.length, -1);
    }

    /** Parses a record's bytes. */
    public ParseResult parse(byte[] bytes) {
        return parse(decode(bytes), bytes);
    }

    /** Parses text (as its UTF-8 bytes). */
    public ParseResult parse(String payload) {
        return parse(payload == null ? null : payload.getBytes(StandardCharsets.UTF_8));
    }

    /** Parses a record already decoded by {@link #decode}; {@code bytes} are the ones decoded. */
    public ParseResult parse(Decoded decoded, byte[] bytes) {
        try {
            return read(decoded, bytes);
        } catch (RuntimeException | StackOverflowError e) {
            return ParseResult.rejected(
                    ReasonCode.UNPROCESSABLE,
                    "the parser failed on this record (" + e.getClass().getName() + ")");
        }
    }

    /** A record's rejection, thrown by the steps of {@link #read} and returned by it (no stack trace). */
    static final class Rejected extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient ParseResult result;

        Rejected(ReasonCode reason, String detail) {
            super(null, null, false, false);
            this.result = ParseResult.rejected(reason, detail);
        }
    }

    /** The record's checks in the contract's order; the first that fails names the reason. */
    private ParseResult read(Decoded decoded, byte[] bytes) {
        try {
            Map<String, Json> fields = object(decoded, bytes);
            fields = CloudEventEnvelope.contractOf(fields);
            requireSupportedVersion(fields);
            // A void takes back an event whole: it may leave out quantity and unit (read as 0 in the
            // metric's canonical unit); every other record carries both.
            boolean isVoid = fields.get("action") instanceof Json.Text action
                    && action.value().equals(VOID);
            requirePresent(fields, isVoid);
            String eventId = text(fields, "event_id");
            if (eventId.length() > MAX_EVENT_ID_LENGTH) {
                throw new Rejected(
                        ReasonCode.BAD_TYPE,
                        "event_id is " + eventId.length() + " characters; at most " + MAX_EVENT_ID_LENGTH
                                + " are allowed");
            }
            String quantity = isVoid && isAbsent(fields.get("quantity")) ? "0" : readQuantity(fields.get("quantity"));
            if (quantity == null) {
                throw new Rejected(
                        ReasonCode.BAD_TYPE,
                        "quantity must be a JSON number or a decimal string, got " + describe(fields.get("quantity")));
            }
            Instant eventTime = eventTime(fields.get("event_time"));
            Map<String, String> attributes = attributes(fields.get("attributes"));
            String[] correction = correction(fields, eventId);
            Json unitNode = fields.get("unit");
            return ParseResult.ok(new ParsedEvent(
                    SUPPORTED_SCHEMA_VERSION,
                    eventId,
                    text(fields, "source"),
                    text(fields, "tenant_id"),
                    text(fields, "app_id"),
                    text(fields, "metric"),
                    isAbsent(unitNode) ? null : ((Json.Text) unitNode).value(),
                    quantity,
                    eventTime,
                    attributes,
                    correction[0],
                    correction[1]));
        } catch (Rejected rejected) {
            return rejected.result;
        }
    }

    /** The record as a JSON object's fields: within the size limit, valid UTF-8, one object and nothing after it. */
    private static Map<String, Json> object(Decoded decoded, byte[] bytes) {
        if (decoded.text() == null) {
            throw new Rejected(ReasonCode.MALFORMED_JSON, "the record is empty");
        }
        if (decoded.byteLength() > MAX_RECORD_BYTES) {
            throw new Rejected(
                    ReasonCode.OVERSIZED,
                    "record is " + decoded.byteLength() + " bytes; the limit is " + MAX_RECORD_BYTES);
        }
        if (!decoded.exact()) {
            int at = decoded.invalidAt();
            throw new Rejected(
                    ReasonCode.INVALID_ENCODING,
                    String.format(
                            Locale.ROOT,
                            "byte %d (0x%02x) is not valid UTF-8; the original bytes are kept in payload_bytes",
                            at + 1,
                            bytes[at] & 0xff));
        }
        String payload = decoded.text();
        if (payload.isBlank()) {
            throw new Rejected(ReasonCode.MALFORMED_JSON, "the record is empty");
        }
        Json root;
        try (JsonParser parser = FACTORY.createParser(payload)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new Rejected(ReasonCode.MALFORMED_JSON, "the record is empty");
            }
            root = Json.read(parser);
            if (parser.nextToken() != null) {
                throw new Rejected(ReasonCode.MALFORMED_JSON, "not valid JSON: data after the end of the object");
            }
        } catch (LoneSurrogate e) {
            throw new Rejected(ReasonCode.INVALID_ENCODING, e.getMessage());
        } catch (JsonProcessingException e) {
            throw new Rejected(ReasonCode.MALFORMED_JSON, firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new Rejected(ReasonCode.MALFORMED_JSON, firstLine(e.getMessage()));
        }
        if (!(root instanceof Json.Obj object)) {
            throw new Rejected(ReasonCode.MALFORMED_JSON, "the record is not a JSON object");
        }
        return object.fields();
    }

    private static void requireSupportedVersion(Map<String, Json> fields) {
        Json version = fields.get("schema_version");
        if (isAbsent(version)) {
            throw new Rejected(ReasonCode.MISSING_FIELD, "schema_version is missing");
        }
        if (!(version instanceof Json.Num number) || !number.integral()) {
            throw new Rejected(ReasonCode.BAD_TYPE, "schema_version must be an integer, got " + describe(version));
        }
        Integer versionNumber = number.intValue();
        if (versionNumber == null || versionNumber != SUPPORTED_SCHEMA_VERSION) {
            throw new Rejected(
                    ReasonCode.UNSUPPORTED_SCHEMA_VERSION,
                    "schema_version " + abbreviate(number.literal()) + " is not supported; this reader knows version "
                            + SUPPORTED_SCHEMA_VERSION);
        }
    }

    /** Every required field present and non-blank (a void may leave out unit and quantity), then of its type. */
    private static void requirePresent(Map<String, Json> fields, boolean isVoid) {
        for (String field : REQUIRED_TEXT) {
            Json node = fields.get(field);
            if (isVoid && field.equals("unit") && isAbsent(node)) {
                continue;
            }
            if (isAbsent(node)
                    || (node instanceof Json.Text text && text.value().isBlank())) {
                throw new Rejected(ReasonCode.MISSING_FIELD, field + " is missing, empty or blank");
            }
        }
        for (String field : new String[] {"quantity", "event_time"}) {
            if (isAbsent(fields.get(field)) && !(isVoid && field.equals("quantity"))) {
                throw new Rejected(ReasonCode.MISSING_FIELD, field + " is missing");
            }
        }
        for (String field : REQUIRED_TEXT) {
            Json node = fields.get(field);
            if (isVoid && field.equals("unit") && isAbsent(node)) {
                continue;
            }
            if (!(node instanceof Json.Text)) {
                throw new Rejected(ReasonCode.BAD_TYPE, field + " must be a string, got " + describe(node));
            }
        }
    }

    private static Instant eventTime(Json timeNode) {
        if (!(timeNode instanceof Json.Text time)) {
            throw new Rejected(ReasonCode.BAD_TYPE, "event_time must be a string, got " + describe(timeNode));
        }
        Instant eventTime = EventTimes.read(time.value());
        if (eventTime == null) {
            throw new Rejected(
                    ReasonCode.BAD_TYPE,
                    "event_time '" + abbreviate(time.value())
                            + "' is not ISO-8601 with an offset in the years " + MIN_YEAR + " to " + MAX_YEAR
                            + " (e.g. 2026-10-01T12:00:00Z or 2026-10-01T14:00:00+02:00)");
        }
        return eventTime;
    }

    /** The attributes, an object of strings (empty when absent), sorted by name. */
    private static Map<String, String> attributes(Json attributesNode) {
        Map<String, String> attributes = new TreeMap<>();
        if (isAbsent(attributesNode)) {
            return attributes;
        }
        if (!(attributesNode instanceof Json.Obj attributesObject)) {
            throw new Rejected(
                    ReasonCode.BAD_TYPE, "attributes must be an object of strings, got " + describe(attributesNode));
        }
        for (Map.Entry<String, Json> entry : attributesObject.fields().entrySet()) {
            if (!(entry.getValue() instanceof Json.Text value)) {
                throw new Rejected(
                        ReasonCode.BAD_TYPE,
                        "attributes." + entry.getKey() + " must be a string, got " + describe(entry.getValue()));
            }
            attributes.put(entry.getKey(), value.value());
        }
        return attributes;
    }

    /** {action, target_event_id}: both null for a usage event. */
    private static String[] correction(Map<String, Json> fields, String eventId) {
        Json actionNode = fields.get("action");
        Json targetNode = fields.get("target_event_id");
        if (isAbsent(actionNode)) {
            if (!isAbsent(targetNode)) {
                throw new Rejected(
                        ReasonCode.INVALID_TARGET,
                        "target_event_id is only for corrections: add \"action\": \"void\" or \"amend\", or remove it");
            }
            return new String[2];
        }
        if (!(actionNode instanceof Json.Text actionText)
                || !(actionText.value().equals(VOID) || actionText.value().equals(AMEND))) {
            throw new Rejected(
                    ReasonCode.UNKNOWN_ACTION,
                    "action must be \"" + VOID + "\" or \"" + AMEND + "\" (or absent for a usage event), got "
                            + describe(actionNode));
        }
        String action = actionText.value();
        if (isAbsent(targetNode)
                || (targetNode instanceof Json.Text blank && blank.value().isBlank())) {
            throw new Rejected(
                    ReasonCode.INVALID_TARGET,
                    "a correction (action " + action
                            + ") needs target_event_id, the event_id of the event it corrects");
        }
        if (!(targetNode instanceof Json.Text targetText)) {
            throw new Rejected(
                    ReasonCode.INVALID_TARGET, "target_event_id must be a string, got " + describe(targetNode));
        }
        String target = targetText.value();
        if (target.length() > MAX_EVENT_ID_LENGTH) {
            throw new Rejected(
                    ReasonCode.INVALID_TARGET,
                    "target_event_id is " + target.length() + " characters; at most " + MAX_EVENT_ID_LENGTH
                            + " are allowed");
        }
        if (target.equals(eventId)) {
            throw new Rejected(
                    ReasonCode.INVALID_TARGET,
                    "target_event_id is the correction's own event_id; a correction has an id of its own");
        }
        return new String[] {action, target};
    }

    /** A correction that takes an event back: it is not billed. */
    public static final String VOID = "void";
    /** A correction that replaces an event's quantity, unit and attributes. */
    public static final String AMEND = "amend";

    /**
     * The quantity's text as {@link Quantities#exact} reads it, a {@link Quantities#NON_FINITE}
     * marker, or null when it is neither a number nor a decimal string. A JSON number and the same
     * text as a string read alike.
     */
    private static String readQuantity(Json node) {
        String literal;
        if (node instanceof Json.Num number) {
            literal = number.literal();
        } else if (node instanceof Json.Text text) {
            literal = text.value();
        } else {
            return null;
        }
        return Quantities.read(literal);
    }

    private static String text(Map<String, Json> fields, String name) {
        return ((Json.Text) fields.get(name)).value();
    }

    private static boolean isAbsent(Json node) {
        return node == null || node instanceof Json.Null;
    }

    private static String describe(Json node) {
        return node.type() + " " + abbreviate(node.render());
    }

    private static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }

    private static String firstLine(String message) {
        String text = message == null ? "not valid JSON" : message;
        int newline = text.indexOf('\n');
        return "not valid JSON: " + (newline < 0 ? text : text.substring(0, newline));
    }
}
