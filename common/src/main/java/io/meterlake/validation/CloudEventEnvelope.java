package io.meterlake.validation;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A CloudEvents 1.0 event in structured JSON mode, read as an event of the contract: the one mapping, which
 * every reader applies (the parser, so the gateway, the stream and file ingest alike). A record is one when
 * it names a {@code specversion}:
 *
 * <pre>
 * specversion "1.0"                  (else UNSUPPORTED_SCHEMA_VERSION)
 * type        "io.meterlake.usage.v1" = schema_version 1 (else UNSUPPORTED_SCHEMA_VERSION)
 * id          event_id        source   source        time   event_time
 * data        a JSON object with the rest: tenant_id, app_id, metric, quantity, unit, attributes,
 *             action, target_event_id (datacontenttype absent or application/json; no data_base64)
 * </pre>
 *
 * Other attributes (subject, dataschema, extensions) are kept in the stored payload and not read. The
 * envelope is checked first (its version and type, then id, source, time and data present, then data's
 * form); then the mapped event gets every rule of the contract, with the same reason codes.
 */
final class CloudEventEnvelope {
    static final String SPEC_VERSION = "1.0";
    static final String TYPE = "io.meterlake.usage.v1";

    private CloudEventEnvelope() {}

    /** A record's fields as the contract's: a CloudEvent's mapped (or rejected), any other record's as they are. */
    static Map<String, Json> contractOf(Map<String, Json> fields) {
        return fields.containsKey("specversion") ? toContract(fields) : fields;
    }

    private static Map<String, Json> toContract(Map<String, Json> envelope) {
        if (!(envelope.get("specversion") instanceof Json.Text version)
                || !version.value().equals(SPEC_VERSION)) {
            throw new EventParser.Rejected(
                    ReasonCode.UNSUPPORTED_SCHEMA_VERSION,
                    "CloudEvents specversion " + envelope.get("specversion").render()
                            + " is not supported; this reader knows \"" + SPEC_VERSION + "\"");
        }
        if (!(envelope.get("type") instanceof Json.Text type) || !type.value().equals(TYPE)) {
            throw new EventParser.Rejected(
                    ReasonCode.UNSUPPORTED_SCHEMA_VERSION,
                    "a CloudEvent of type "
                            + (envelope.containsKey("type")
                                    ? envelope.get("type").render()
                                    : "(none)") + " is not a Meterlake usage event: its type must be \"" + TYPE + "\"");
        }
        for (String attribute : new String[] {"id", "source", "time", "data"}) {
            if (absent(envelope.get(attribute))) {
                throw new EventParser.Rejected(
                        ReasonCode.MISSING_FIELD,
                        "the CloudEvent's " + attribute + " is missing"
                                + (attribute.equals("data")
                                        ? ": a Meterlake usage event carries tenant_id, app_id, metric, quantity and unit in data"
                                        : ""));
            }
        }
        if (envelope.containsKey("data_base64")) {
            throw new EventParser.Rejected(ReasonCode.BAD_TYPE, "data_base64 is not read: send data as a JSON object");
        }
        Json contentType = envelope.get("datacontenttype");
        if (!absent(contentType)
                && !(contentType instanceof Json.Text text
                        && text.value()
                                .toLowerCase(Locale.ROOT)
                                .split(";")[0]
                                .trim()
                                .equals("application/json"))) {
            throw new EventParser.Rejected(
                    ReasonCode.BAD_TYPE,
                    "datacontenttype must be application/json (or absent), got " + contentType.render());
        }
        if (!(envelope.get("data") instanceof Json.Obj data)) {
            throw new EventParser.Rejected(
                    ReasonCode.BAD_TYPE,
                    "data must be a JSON object, got " + envelope.get("data").type());
        }
        Map<String, Json> event = new LinkedHashMap<>();
        event.put("schema_version", new Json.Num("1", true));
        event.put("event_id", envelope.get("id"));
        event.put("source", envelope.get("source"));
        event.put("event_time", envelope.get("time"));
        for (Map.Entry<String, Json> field : data.fields().entrySet()) {
            if (event.containsKey(field.getKey())) {
                throw new EventParser.Rejected(
                        ReasonCode.BAD_TYPE,
                        "data." + field.getKey() + " is not read from data (the CloudEvent's "
                                + attributeOf(field.getKey()) + " is): leave it out");
            }
            event.put(field.getKey(), field.getValue());
        }
        return event;
    }

    private static String attributeOf(String field) {
        return switch (field) {
            case "event_id" -> "id";
            case "event_time" -> "time";
            case "schema_version" -> "type";
            default -> field;
        };
    }

    private static boolean absent(Json node) {
        return node == null || node instanceof Json.Null;
    }
}
