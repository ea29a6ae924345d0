package io.meterlake.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A response of the gateway: status, media type, body and extra headers; an error is always the JSON object
 * {@code {status, error}} the OpenAPI document describes.
 */
record Answer(int status, String contentType, byte[] body, Map<String, String> headers) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Answer json(int status, Object body) {
        return json(status, body, Map.of());
    }

    static Answer json(int status, Object body, Map<String, String> headers) {
        try {
            return new Answer(status, "application/json", JSON.writeValueAsBytes(body), headers);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** 401, naming the file the token must be in; {@code realm} tells ingest from read tokens. */
    static Answer unauthorized(String which, String realm) {
        return error(
                401,
                "a " + which + " is required: send 'Authorization: Bearer <token>' with a token of the gateway's "
                        + which + "s file (meterlake gateway tokens add)",
                Map.of("WWW-Authenticate", "Bearer realm=\"" + realm + "\""));
    }

    static Answer error(int status, String message) {
        return error(status, message, Map.of());
    }

    static Answer error(int status, String message, Map<String, String> headers) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put("error", message);
        return json(status, body, headers);
    }
}
