package io.meterlake.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.meterlake.validation.JsonLines;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A request body cut into its events, each as the exact bytes the client sent: what is produced to
 * the topic is what the client wrote, so the stream checks (and quarantine keeps) the original.
 *
 * <p>Two forms: {@code application/json}, one JSON array whose elements are the events; and
 * {@code application/x-ndjson}, one event per line, cut exactly as a file is ({@link JsonLines}: a
 * trailing {@code \r} and a leading byte-order mark dropped, a blank line an event like any other).
 * A JSON body must be one JSON array, else the whole request is refused (400) and
 * nothing is produced; so is an NDJSON body none of whose lines is JSON (a CSV file or an HTML page
 * sent by mistake). Anything else is an event, even an NDJSON line that is not JSON, an element that
 * is not an object, duplicate keys or a missing field: the rules reject it with its reason
 * ({@code MALFORMED_JSON}, ...), it is produced, answered per event and quarantined by the stream,
 * so one damaged line neither vanishes nor holds back the others.
 */
public final class EventBatch {
    /** The most events one request may carry. */
    public static final int MAX_EVENTS = 1_000;
    /** The largest body one request may carry: 1 MiB. */
    public static final int MAX_BYTES = 1 << 20;

    private static final JsonFactory JSON = new JsonFactory();

    /** The body forms, by their media type. */
    public enum Format {
        JSON_ARRAY("application/json"),
        NDJSON("application/x-ndjson"),
        /** One CloudEvent in structured mode: the body is the event. */
        CLOUDEVENT("application/cloudevents+json"),
        /** CloudEvents' batch mode: a JSON array of structured CloudEvents. */
        CLOUDEVENTS_BATCH("application/cloudevents-batch+json");

        private final String mediaType;

        Format(String mediaType) {
            this.mediaType = mediaType;
        }

        public String mediaType() {
            return mediaType;
        }

        /** The form a {@code Content-Type} names (parameters other than charset=utf-8 refused), or null. */
        public static Format of(String contentType) {
            if (contentType == null) {
                return null;
            }
            String[] parts = contentType.split(";");
            String type = parts[0].trim().toLowerCase(Locale.ROOT);
            for (int i = 1; i < parts.length; i++) {
                String parameter = parts[i].trim().toLowerCase(Locale.ROOT).replace("\"", "");
                if (!parameter.isEmpty() && !parameter.equals("charset=utf-8")) {
                    return null;
                }
            }
            for (Format format : values()) {
                if (format.mediaType.equals(type)) {
                    return format;
                }
            }
            return null;
        }
    }

    /** Why a body was refused as a whole: the HTTP status and a sentence for the client. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        private final int status;

        Refused(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private EventBatch() {}

    /** The events of {@code body}, in order; at least one, at most {@link #MAX_EVENTS}. */
    public static List<byte[]> split(byte[] body, Format format) throws Refused {
        String wide = wideEncoding(body);
        if (wide != null) {
            throw new Refused(
                    415, "the body is " + wide + ", not UTF-8: send it in UTF-8, the only encoding the gateway takes");
        }
        List<byte[]> events = switch (format) {
            case JSON_ARRAY, CLOUDEVENTS_BATCH -> array(body);
            case NDJSON -> lines(body);
            case CLOUDEVENT -> one(body);
        };
        if (events.isEmpty()) {
            throw new Refused(400, "the batch is empty: send at least one event");
        }
        return events;
    }

    private static List<byte[]> array(byte[] body) throws Refused {
        List<byte[]> events = new ArrayList<>();
        try (JsonParser parser = JSON.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw new Refused(
                        400,
                        "the body is not a JSON array of events (Content-Type application/json);"
                                + " send [{...}, {...}] or use application/x-ndjson, one event per line");
            }
            JsonToken token = parser.nextToken();
            while (token != JsonToken.END_ARRAY) {
                if (token == null) {
                    throw new Refused(400, "the body is not JSON: the array is not closed");
                }
                int start = (int) parser.currentTokenLocation().getByteOffset();
                parser.skipChildren();
                token = parser.nextToken();
                int end = token == null
                        ? body.length
                        : (int) parser.currentTokenLocation().getByteOffset();
                events.add(trimmed(body, start, end));
                if (events.size() > MAX_EVENTS) {
                    throw tooMany();
                }
            }
            if (parser.nextToken() != null) {
                throw new Refused(400, "the body is not JSON: data after the array");
            }
        } catch (IOException e) {
            throw notJson(e);
        } catch (RuntimeException e) {
            // The parser's own failure on bytes it cannot read (never an answer the client cannot parse).
            throw new Refused(400, "the body is not JSON (" + e.getClass().getSimpleName() + ")");
        }
        return events;
    }

    /**
     * UTF-16 or UTF-32 (with or without a byte-order mark), as JSON's own encoding detection tells them
     * from UTF-8 by the zero bytes among the first four (RFC 4627, section 3); null for anything else.
     */
    static String wideEncoding(byte[] body) {
        if (startsWith(body, 0x00, 0x00, 0xFE, 0xFF) || startsWith(body, 0xFF, 0xFE, 0x00, 0x00)) {
            return "UTF-32";
        }
        if (startsWith(body, 0xFE, 0xFF) || startsWith(body, 0xFF, 0xFE)) {
            return "UTF-16";
        }
        if (body.length >= 4 && (body[0] == 0 || body[1] == 0 || body[2] == 0 || body[3] == 0)) {
            boolean utf32 = (body[0] == 0 && body[1] == 0) || (body[2] == 0 && body[3] == 0);
            return utf32 ? "UTF-32" : "UTF-16";
        }
        if (body.length >= 2 && (body[0] == 0 || body[1] == 0)) {
            return "UTF-16";
        }
        return null;
    }

    private static boolean startsWith(byte[] body, int... prefix) {
        if (body.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((body[i] & 0xFF) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static final java.util.regex.Pattern SOURCE =
            java.util.regex.Pattern.compile("\"source\"\\s*:\\s*(\"(?:[^\"\\\\]|\\\\.)*\")");

    /**
     * Every source an event's text names, read leniently: each {@code "source": "..."} pair anywhere in
     * it, for an event the rules rejected (it may be cut off, carry the key twice or break JSON before or
     * after it). The gateway refuses a request whose events name a source the token may not send.
     */
    static List<String> namedSources(String text) {
        List<String> sources = new ArrayList<>();
        if (text == null) {
            return sources;
        }
        java.util.regex.Matcher matcher = SOURCE.matcher(text);
        while (matcher.find()) {
            String literal = matcher.group(1);
            try (JsonParser parser = JSON.createParser(literal)) {
                parser.nextToken();
                sources.add(parser.getText());
            } catch (IOException e) {
                sources.add(literal.substring(1, literal.length() - 1));
            }
        }
        return sources;
    }

    /** A body that is one event: one JSON value, the event whatever it holds (the rules judge it). */
    private static List<byte[]> one(byte[] body) throws Refused {
        int start = 0;
        int end = body.length;
        while (start < end && isSpace(body[start])) {
            start++;
        }
        while (end > start && isSpace(body[end - 1])) {
            end--;
        }
        byte[] event = Arrays.copyOfRange(body, start, end);
        if (event.length == 0) {
            return List.of();
        }
        if (!isJson(event)) {
            throw new Refused(
                    400,
                    "the body is not one JSON object (Content-Type application/cloudevents+json);"
                            + " send one CloudEvent, or many as application/cloudevents-batch+json");
        }
        return List.of(event);
    }

    private static List<byte[]> lines(byte[] body) throws Refused {
        List<byte[]> events = JsonLines.split(body);
        if (events.size() > MAX_EVENTS) {
            throw tooMany();
        }
        if (!events.isEmpty() && events.stream().noneMatch(EventBatch::isJson)) {
            throw new Refused(
                    400,
                    "the body is not NDJSON: none of its " + events.size() + " lines is JSON;"
                            + " send one JSON event per line");
        }
        return events;
    }

    /** Whether a line is one JSON value. */
    private static boolean isJson(byte[] line) {
        try (JsonParser parser = JSON.createParser(line)) {
            if (parser.nextToken() == null) {
                return false;
            }
            parser.skipChildren();
            return parser.nextToken() == null;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** An array element: {@code body[start, end)} without surrounding whitespace and the comma after it. */
    private static byte[] trimmed(byte[] body, int start, int end) {
        while (end > start && isSpace(body[end - 1])) {
            end--;
        }
        if (end > start && body[end - 1] == ',') {
            end--;
            while (end > start && isSpace(body[end - 1])) {
                end--;
            }
        }
        while (start < end && isSpace(body[start])) {
            start++;
        }
        return Arrays.copyOfRange(body, start, end);
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }

    private static Refused tooMany() {
        return new Refused(413, "more than " + MAX_EVENTS + " events in one request: split the batch");
    }

    private static Refused notJson(IOException e) {
        return new Refused(400, "the body is not JSON (" + firstLine(e) + ")");
    }

    private static String firstLine(IOException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.lines().findFirst().orElse(message);
    }
}
