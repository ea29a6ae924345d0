package io.meterlake.webhooks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meterlake.limits.Notification;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The body of a notification's webhook, the same bytes at every delivery and retry (a function of the outbox's row
 * alone): {@code {"type":"usage.threshold.crossed"|"usage.threshold.resolved","timestamp":<decided_at>,
 * "data":<the notification>}}, the envelope Standard Webhooks recommends.
 */
public final class WebhookBody {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private WebhookBody() {}

    /** The event type: {@code usage.threshold.crossed} or {@code usage.threshold.resolved}. */
    public static String type(Notification notification) {
        return "usage.threshold." + notification.kind().text();
    }

    public static String of(Notification notification) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", type(notification));
        body.put("timestamp", notification.decidedAt().toString());
        body.put("data", notification.json());
        try {
            return MAPPER.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings and numbers is JSON", e);
        }
    }
}
