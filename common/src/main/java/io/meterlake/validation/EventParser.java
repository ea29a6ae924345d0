package io.meterlake.validation;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.json.JsonReadFeature;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

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

    private static final Pattern NON_FINITE_TEXT = Pattern.compile("[+-]?(nan|inf|infinity)", Pattern.CASE_INSENSITIVE);
    private static final String[] REQUIRED_TEXT = {"event_id", "source", "tenant_id", "app_id", "metric", "unit"};

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            // The record limit bounds every token; no separate, smaller limit for numbers or strings.
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNumberLength(MAX_RECORD_BYTES).maxStringLength(MAX_RECORD_BYTES).maxNestingDepth(200).build())
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
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
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
            return ParseResult.rejected(ReasonCode.UNPROCESSABLE, "the parser failed on this record ("
                    + e.getClass().getName() + ")");
        }
    }

    private ParseResult read(Decoded decoded, byte[] bytes) {
        if (decoded.text() == null) {
            return ParseResult.rejected(ReasonCode.MALFORMED_JSON, "the record is empty");
        }
        if (decoded.byteLength() > MAX_RECORD_BYTES) {
            return ParseResult.rejected(ReasonCode.OVERSIZED,
                    "record is " + decoded.byteLength() + " bytes; the limit is " + MAX_RECORD_BYTES);
        }
        if (!decoded.exact()) {
            int at = decoded.invalidAt();
            return ParseResult.rejected(ReasonCode.INVALID_ENCODING, String.format(Locale.ROOT,
                    "byte %d (0x%02x) is not valid UTF-8; the original bytes are kept in payload_bytes",
                    at + 1, bytes[at] & 0xff));
        }
        String payload = decoded.text();
        if (payload.isBlank()) {
            return ParseResult.rejected(ReasonCode.MALFORMED_JSON, "the record is empty");
        }
        Json root;
        try (JsonParser parser = FACTORY.createParser(payload)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                return ParseResult.rejected(ReasonCode.MALFORMED_JSON, "the record is empty");
            }
            root = Json.read(parser);
            if (parser.nextToken() != null) {
                return ParseResult.rejected(ReasonCode.MALFORMED_JSON,
                        "not valid JSON: data after the end of the object");
            }
        } catch (LoneSurrogate e) {
            return ParseResult.rejected(ReasonCode.INVALID_ENCODING, e.getMessage());
        } catch (JsonProcessingException e) {
            return ParseResult.rejected(ReasonCode.MALFORMED_JSON, firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            return ParseResult.rejected(ReasonCode.MALFORMED_JSON, firstLine(e.getMessage()));
        }
        if (!(root instanceof Json.Obj object)) {
            return ParseResult.rejected(ReasonCode.MALFORMED_JSON, "the record is not a JSON object");
        }
        Map<String, Json> fields = object.fields();

        Json version = fields.get("schema_version");
        if (isAbsent(version)) {
            return ParseResult.rejected(ReasonCode.MISSING_FIELD, "schema_version is missing");
        }
        if (!(version instanceof Json.Num number) || !number.integral()) {
            return ParseResult.rejected(ReasonCode.BAD_TYPE, "schema_version must be an integer, got " + describe(version));
        }
        Integer versionNumber = number.intValue();
        if (versionNumber == null || versionNumber != SUPPORTED_SCHEMA_VERSION) {
            return ParseResult.rejected(ReasonCode.UNSUPPORTED_SCHEMA_VERSION,
                    "schema_version " + abbreviate(number.literal()) + " is not supported; this reader knows version "
                            + SUPPORTED_SCHEMA_VERSION);
        }

        // A void takes back an event whole: it may leave out quantity and unit (read as 0 in the
        // metric's canonical unit); every other record carries both.
        boolean isVoid = fields.get("action") instanceof Json.Text action && action.value().equals(VOID);
        for (String field : REQUIRED_TEXT) {
            Json node = fields.get(field);
            if (isVoid && field.equals("unit") && isAbsent(node)) {
                continue;
            }
            if (isAbsent(node) || (node instanceof Json.Text text && text.value().isBlank())) {
                return ParseResult.rejected(ReasonCode.MISSING_FIELD, field + " is missing, empty or blank");
            }
        }
        for (String field : new String[] {"quantity", "event_time"}) {
            if (isAbsent(fields.get(field)) && !(isVoid && field.equals("quantity"))) {
                return ParseResult.rejected(ReasonCode.MISSING_FIELD, field + " is missing");
            }
        }

        for (String field : REQUIRED_TEXT) {
            Json node = fields.get(field);
            if (isVoid && field.equals("unit") && isAbsent(node)) {
                continue;
            }
            if (!(node instanceof Json.Text)) {
                return ParseResult.rejected(ReasonCode.BAD_TYPE, field + " must be a string, got " + describe(node));
            }
        }
        String eventId = text(fields, "event_id");
        if (eventId.length() > MAX_EVENT_ID_LENGTH) {
            return ParseResult.rejected(ReasonCode.BAD_TYPE,
                    "event_id is " + eventId.length() + " characters; at most " + MAX_EVENT_ID_LENGTH + " are allowed");
        }

        String quantity = isVoid && isAbsent(fields.get("quantity")) ? "0" : readQuantity(fields.get("quantity"));
        if (quantity == null) {
            return ParseResult.rejected(ReasonCode.BAD_TYPE,
                    "quantity must be a JSON number or a decimal string, got " + describe(fields.get("quantity")));
        }

        Json timeNode = fields.get("event_time");
        if (!(timeNode instanceof Json.Text time)) {
            return ParseResult.rejected(ReasonCode.BAD_TYPE, "event_time must be a string, got " + describe(timeNode));
        }
        Instant eventTime = readTime(time.value());
        if (eventTime == null) {
            return ParseResult.rejected(ReasonCode.BAD_TYPE, "event_time '" + abbreviate(time.value())
                    + "' is not ISO-8601 with an offset in the years " + MIN_YEAR + " to " + MAX_YEAR
                    + " (e.g. 2026-10-01T12:00:00Z or 2026-10-01T14:00:00+02:00)");
        }

        Map<String, String> attributes = new TreeMap<>();
        Json attributesNode = fields.get("attributes");
        if (!isAbsent(attributesNode)) {
            if (!(attributesNode instanceof Json.Obj attributesObject)) {
                return ParseResult.rejected(ReasonCode.BAD_TYPE,
                        "attributes must be an object of strings, got " + describe(attributesNode));
            }
            for (Map.Entry<String, Json> entry : attributesObject.fields().entrySet()) {
                if (!(entry.getValue() instanceof Json.Text value)) {
                    return ParseResult.rejected(ReasonCode.BAD_TYPE, "attributes." + entry.getKey()
                            + " must be a string, got " + describe(entry.getValue()));
                }
                attributes.put(entry.getKey(), value.value());
            }
        }

        Json actionNode = fields.get("action");
        Json targetNode = fields.get("target_event_id");
        String action = null;
        String target = null;
        if (!isAbsent(actionNode)) {
            if (!(actionNode instanceof Json.Text actionText)
                    || !(actionText.value().equals(VOID) || actionText.value().equals(AMEND))) {
                return ParseResult.rejected(ReasonCode.UNKNOWN_ACTION, "action must be \"" + VOID + "\" or \"" + AMEND
                        + "\" (or absent for a usage event), got " + describe(actionNode));
            }
            action = actionText.value();
            if (isAbsent(targetNode) || (targetNode instanceof Json.Text blank && blank.value().isBlank())) {
                return ParseResult.rejected(ReasonCode.INVALID_TARGET, "a correction (action " + action
                        + ") needs target_event_id, the event_id of the event it corrects");
            }
            if (!(targetNode instanceof Json.Text targetText)) {
                return ParseResult.rejected(ReasonCode.INVALID_TARGET,
                        "target_event_id must be a string, got " + describe(targetNode));
            }
            target = targetText.value();
            if (target.length() > MAX_EVENT_ID_LENGTH) {
                return ParseResult.rejected(ReasonCode.INVALID_TARGET, "target_event_id is " + target.length()
                        + " characters; at most " + MAX_EVENT_ID_LENGTH + " are allowed");
            }
            if (target.equals(eventId)) {
                return ParseResult.rejected(ReasonCode.INVALID_TARGET,
                        "target_event_id is the correction's own event_id; a correction has an id of its own");
            }
        } else if (!isAbsent(targetNode)) {
            return ParseResult.rejected(ReasonCode.INVALID_TARGET,
                    "target_event_id is only for corrections: add \"action\": \"void\" or \"amend\", or remove it");
        }

        Json unitNode = fields.get("unit");
        return ParseResult.ok(new ParsedEvent(SUPPORTED_SCHEMA_VERSION, eventId, text(fields, "source"),
                text(fields, "tenant_id"), text(fields, "app_id"), text(fields, "metric"),
                isAbsent(unitNode) ? null : ((Json.Text) unitNode).value(), quantity, eventTime, attributes,
                action, target));
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
        // A leading digit is never NaN or infinity: skip the expression for nearly every event.
        boolean leadingDigit = !literal.isEmpty() && literal.charAt(0) >= '0' && literal.charAt(0) <= '9';
        if (!leadingDigit && NON_FINITE_TEXT.matcher(literal).matches()) {
            if (literal.toLowerCase(Locale.ROOT).contains("nan")) {
                return Quantities.NON_FINITE.get(0);
            }
            return literal.startsWith("-") ? Quantities.NON_FINITE.get(2) : Quantities.NON_FINITE.get(1);
        }
        if (!Quantities.isDecimal(literal)) {
            return null;
        }
        return Quantities.exact(literal).map(java.math.BigDecimal::toString).orElse(literal);
    }

    /**
     * {@code text} read directly when it has the shape nearly every producer sends,
     * {@code yyyy-MM-ddTHH:mm:ss[.f…](Z|±HH:MM)} with 1 to 9 fraction digits; null for any other shape
     * or an invalid value, which {@link DateTimeFormatter#ISO_OFFSET_DATE_TIME} then reads (or refuses)
     * as before. The same instant as the formatter's in every case it accepts (EventParserTest pins
     * that); the formatter costs a quarter of a whole event's parse.
     */
    static OffsetDateTime commonTime(String text) {
        int n = text.length();
        if (n < 20 || !digits(text, 0, 4) || text.charAt(4) != '-' || !digits(text, 5, 7) || text.charAt(7) != '-'
                || !digits(text, 8, 10) || text.charAt(10) != 'T' || !digits(text, 11, 13) || text.charAt(13) != ':'
                || !digits(text, 14, 16) || text.charAt(16) != ':' || !digits(text, 17, 19)) {
            return null;
        }
        int i = 19;
        int nano = 0;
        if (text.charAt(i) == '.') {
            int start = ++i;
            while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
                i++;
            }
            if (i - start < 1 || i - start > 9) {
                return null;
            }
            nano = number(text, start, i);
            for (int scale = i - start; scale < 9; scale++) {
                nano *= 10;
            }
        }
        ZoneOffset offset;
        if (i == n - 1 && text.charAt(i) == 'Z') {
            offset = ZoneOffset.UTC;
        } else if (i == n - 6 && (text.charAt(i) == '+' || text.charAt(i) == '-') && digits(text, i + 1, i + 3)
                && text.charAt(i + 3) == ':' && digits(text, i + 4, i + 6)) {
            int sign = text.charAt(i) == '-' ? -1 : 1;
            try {
                offset = ZoneOffset.ofHoursMinutes(sign * number(text, i + 1, i + 3), sign * number(text, i + 4, i + 6));
            } catch (java.time.DateTimeException e) {
                return null;
            }
        } else {
            return null;
        }
        try {
            return OffsetDateTime.of(number(text, 0, 4), number(text, 5, 7), number(text, 8, 10), number(text, 11, 13),
                    number(text, 14, 16), number(text, 17, 19), nano, offset);
        } catch (java.time.DateTimeException e) {
            return null;
        }
    }

    private static boolean digits(String text, int from, int to) {
        for (int i = from; i < to; i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static int number(String text, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            value = value * 10 + (text.charAt(i) - '0');
        }
        return value;
    }

    private static Instant readTime(String text) {
        try {
            OffsetDateTime time = commonTime(text);
            if (time == null) {
                time = OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
            }
            int year = time.withOffsetSameInstant(ZoneOffset.UTC).getYear();
            if (year < MIN_YEAR || year > MAX_YEAR) {
                return null;
            }
            return time.toInstant().truncatedTo(ChronoUnit.MICROS);
        } catch (java.time.DateTimeException e) {
            return null;
        }
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

    /** A JSON string escaped half of a surrogate pair: it has no UTF-8 form and would be stored as '?'. */
    private static final class LoneSurrogate extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LoneSurrogate(String where, int index, char unit) {
            super(String.format(Locale.ROOT, "%s escapes a lone surrogate (\\u%04x at character %d), which is not"
                    + " Unicode text", where, (int) unit, index + 1), null, false, false);
        }

        static String check(String value, String where) {
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                    i++;
                } else if (Character.isSurrogate(c)) {
                    throw new LoneSurrogate(where, i, c);
                }
            }
            return value;
        }
    }

    /**
     * The JSON values of one record, read from Jackson's token stream without converting numbers.
     */
    private sealed interface Json {
        String type();

        String render();

        static Json read(JsonParser parser) throws IOException {
            JsonToken token = parser.currentToken();
            switch (token) {
                case START_OBJECT -> {
                    Map<String, Json> fields = new LinkedHashMap<>();
                    for (JsonToken next = parser.nextToken(); next != JsonToken.END_OBJECT; next = parser.nextToken()) {
                        String name = LoneSurrogate.check(parser.currentName(), "a field name");
                        parser.nextToken();
                        fields.put(name, read(parser));
                    }
                    return new Obj(fields);
                }
                case START_ARRAY -> {
                    List<Json> values = new ArrayList<>();
                    for (JsonToken next = parser.nextToken(); next != JsonToken.END_ARRAY; next = parser.nextToken()) {
                        values.add(read(parser));
                    }
                    return new Arr(values);
                }
                case VALUE_STRING -> {
                    String name = parser.currentName();
                    return new Text(LoneSurrogate.check(parser.getText(), name == null ? "a string" : name));
                }
                case VALUE_NUMBER_INT -> {
                    return new Num(parser.getText(), true);
                }
                case VALUE_NUMBER_FLOAT -> {
                    return new Num(parser.getText(), false);
                }
                case VALUE_TRUE, VALUE_FALSE -> {
                    return new Bool(token == JsonToken.VALUE_TRUE);
                }
                case VALUE_NULL -> {
                    return new Null();
                }
                default -> throw new com.fasterxml.jackson.core.JsonParseException(parser, "unexpected " + token);
            }
        }

        record Obj(Map<String, Json> fields) implements Json {
            public String type() {
                return "object";
            }

            public String render() {
                return fields.entrySet().stream().map(e -> quote(e.getKey()) + ":" + e.getValue().render())
                        .collect(Collectors.joining(",", "{", "}"));
            }
        }

        record Arr(List<Json> values) implements Json {
            public String type() {
                return "array";
            }

            public String render() {
                return values.stream().map(Json::render).collect(Collectors.joining(",", "[", "]"));
            }
        }

        record Text(String value) implements Json {
            public String type() {
                return "string";
            }

            public String render() {
                return quote(value);
            }
        }

        /** A number token as written; {@code integral} when it has no fraction and no exponent. */
        record Num(String literal, boolean integral) implements Json {
            public String type() {
                return "number";
            }

            public String render() {
                return literal;
            }

            /** The value when the token is an integer that fits an int, else null. */
            Integer intValue() {
                if (!integral || literal.length() > 11) {
                    return null;
                }
                try {
                    return Integer.parseInt(literal);
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }

        record Bool(boolean value) implements Json {
            public String type() {
                return "boolean";
            }

            public String render() {
                return Boolean.toString(value);
            }
        }

        record Null() implements Json {
            public String type() {
                return "null";
            }

            public String render() {
                return "null";
            }
        }

        private static String quote(String text) {
            return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + "\"";
        }
    }
}
