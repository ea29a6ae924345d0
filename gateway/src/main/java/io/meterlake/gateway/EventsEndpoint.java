package io.meterlake.gateway;

import io.meterlake.config.MeterlakeConfig;
import io.meterlake.period.Durations;
import io.meterlake.streaming.source.EventProducer;
import io.meterlake.validation.EventParser;
import io.meterlake.validation.EventRules;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/events}: who may send (the bearer token, 401), in what form (415), how much (413), how
 * many at once (429: {@code gateway.max-concurrent-requests}, and per token
 * {@code gateway.max-concurrent-requests-per-token}) and how slowly (408: the whole body within
 * {@code gateway.body-timeout}); then every event checked ({@link EventRules}), the request refused when an
 * event names a source the token may not send (403) or would not fit the topic (413), else every event
 * produced and the answer 202 once the broker acknowledged all (503 if not within
 * {@code gateway.ack-timeout}).
 */
final class EventsEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(EventsEndpoint.class);

    private final EventRules rules;
    private final java.util.function.Supplier<Tokens> tokens;
    private final EventProducer producer;
    private final String topic;
    private final Clock clock;
    private final Duration ackTimeout;
    private final Duration bodyTimeout;
    private final int maxPerToken;
    private final Semaphore permits;
    /** Each token's requests in progress. */
    private final Map<String, Semaphore> tokenPermits = new ConcurrentHashMap<>();

    private final GatewayMetrics metrics;
    private final PrintWriter log;

    EventsEndpoint(
            EventRules rules,
            java.util.function.Supplier<Tokens> tokens,
            EventProducer producer,
            String topic,
            MeterlakeConfig.Gateway settings,
            Clock clock,
            GatewayMetrics metrics,
            PrintWriter log) {
        this.rules = rules;
        this.tokens = tokens;
        this.producer = producer;
        this.topic = topic;
        this.clock = clock;
        this.ackTimeout = settings.ackTimeout();
        this.bodyTimeout = settings.bodyTimeout();
        this.maxPerToken = settings.maxPerToken();
        this.permits = new Semaphore(settings.maxConcurrentRequests());
        this.metrics = metrics;
        this.log = log;
    }

    /** The answer to one {@code POST /v1/events}; counted in the metrics. */
    Answer answer(Request request) {
        Answer answer = ingest(request);
        // A late body is not waited for again: its connection closes (Answer.late).
        if (answer.status() != 202 && answer.status() != 408) {
            Requests.discardRest(request, System.nanoTime() + bodyTimeout.toNanos());
        }
        metrics.answered(answer.status());
        return answer;
    }

    private Answer ingest(Request request) {
        Optional<Tokens.Token> token = Requests.token(request, tokens.get());
        if (token.isEmpty()) {
            return Answer.unauthorized("token", "meterlake");
        }
        EventBatch.Format format = EventBatch.Format.of(request.getHeaders().get(HttpHeader.CONTENT_TYPE));
        if (format == null) {
            return Answer.error(
                    415,
                    "Content-Type must be application/json (an array of events), application/x-ndjson (one"
                            + " event per line), application/cloudevents+json (one CloudEvent) or"
                            + " application/cloudevents-batch+json (an array of CloudEvents), UTF-8");
        }
        if (request.getLength() > EventBatch.MAX_BYTES) {
            return tooLarge();
        }
        Semaphore own = tokenPermits.computeIfAbsent(token.get().name(), name -> new Semaphore(maxPerToken));
        if (!own.tryAcquire()) {
            return busy("token '" + token.get().name() + "' has as many requests in progress as one token may"
                    + " (gateway.max-concurrent-requests-per-token)");
        }
        if (!permits.tryAcquire()) {
            own.release();
            return busy("the gateway is working on as many requests as it may (gateway.max-concurrent-requests)");
        }
        metrics.started();
        try {
            Requests.Body body =
                    Requests.readAtMost(request, EventBatch.MAX_BYTES, System.nanoTime() + bodyTimeout.toNanos());
            if (body.tooLarge()) {
                return tooLarge();
            }
            if (body.late()) {
                return Answer.error(
                        408,
                        "the body did not arrive within " + Durations.render(bodyTimeout)
                                + " (gateway.body-timeout): nothing of this request was produced; send it again",
                        Map.of("Connection", "close"));
            }
            return produce(token.get(), EventBatch.split(body.bytes(), format));
        } catch (EventBatch.Refused refused) {
            return Answer.error(refused.status(), refused.getMessage());
        } catch (IOException e) {
            return Answer.error(400, "the body could not be read: " + e.getMessage());
        } finally {
            metrics.finished();
            permits.release();
            own.release();
        }
    }

    /** 403 when event {@code i} names a source the token may not send (a rejected one read leniently), else null. */
    private Answer foreignSource(Tokens.Token token, int i, EventRules.Verdict verdict) {
        List<String> sources =
                verdict.event() != null ? List.of(verdict.event().source()) : EventBatch.namedSources(verdict.text());
        String source =
                sources.stream().filter(named -> !token.owns(named)).findFirst().orElse(null);
        if (source == null) {
            return null;
        }
        log.println("gateway: refused a request of token '" + token.name() + "' (403): event " + i + " is of source '"
                + source + "'");
        LOG.info("403 to token {}: event {} is of source {}", token.name(), i, source);
        log.flush();
        return Answer.error(
                403,
                "event " + i + " is of source '" + source + "', which token '" + token.name()
                        + "' may not send (it may send "
                        + String.join(", ", new java.util.TreeSet<>(token.sources()))
                        + "); nothing of this request was produced");
    }

    /** 413 when event {@code i}, framed as a record with {@code key}, is larger than the topic takes, else null. */
    private Answer unfit(int i, String key, byte[] event) {
        int framed = EventProducer.framedBytes(key, event);
        if (framed <= producer.maxBatchBytes()) {
            return null;
        }
        return Answer.error(
                413,
                "event " + i + " is " + event.length + " bytes, " + framed + " on the topic: more than the topic '"
                        + topic + "' takes (max.message.bytes " + producer.maxBatchBytes()
                        + "); nothing of this request was produced: leave it out (an event over "
                        + EventParser.MAX_RECORD_BYTES + " bytes is OVERSIZED and never billed)");
    }

    /** A rejected event's id as sent: its event_id, or a CloudEvent's id (see the contract's mapping). */
    private static String rejectedId(String text) {
        String id = EventProducer.topLevelString(text, "event_id");
        return id == null && EventProducer.topLevelString(text, "specversion") != null
                ? EventProducer.topLevelString(text, "id")
                : id;
    }

    private static Answer busy(String why) {
        return Answer.error(
                429,
                why + ": resend after the Retry-After seconds",
                Map.of("Retry-After", Integer.toString(Gateway.RETRY_AFTER_BUSY)));
    }

    /** Checks every event, refuses the request if the token does not own a source, else produces all. */
    private Answer produce(Tokens.Token token, List<byte[]> events) {
        Instant ingestedAt = clock.instant();
        List<EventRules.Verdict> verdicts = new ArrayList<>(events.size());
        List<String> keys = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            EventRules.Verdict verdict = rules.check(events.get(i), ingestedAt);
            Answer refused = foreignSource(token, i, verdict);
            if (refused == null) {
                String key = verdict.event() != null
                        ? verdict.event().tenantId()
                        : EventProducer.topLevelString(verdict.text(), "tenant_id");
                refused = unfit(i, key, events.get(i));
                keys.add(key);
            }
            if (refused != null) {
                return refused;
            }
            verdicts.add(verdict);
        }
        long started = System.nanoTime();
        List<Future<RecordMetadata>> acks = new ArrayList<>(events.size());
        try {
            for (int i = 0; i < events.size(); i++) {
                acks.add(producer.send(keys.get(i), events.get(i)));
            }
            long deadline = started + ackTimeout.toNanos();
            for (Future<RecordMetadata> ack : acks) {
                ack.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (ExecutionException | TimeoutException | org.apache.kafka.common.KafkaException e) {
            String why = e instanceof TimeoutException
                    ? "not acknowledged within " + Durations.render(ackTimeout)
                    : String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
            log.println("gateway: " + events.size() + " events of token '" + token.name() + "' answered 503: " + why);
            LOG.info("503 to token {}: {} events not acknowledged ({})", token.name(), events.size(), why);
            log.flush();
            return Answer.error(
                    503,
                    "the event broker did not acknowledge every event of this request (" + why
                            + "): resend the same events after the Retry-After seconds; an event already stored is"
                            + " counted once",
                    Map.of("Retry-After", Integer.toString(Gateway.RETRY_AFTER_UNAVAILABLE)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Answer.error(
                    503, "interrupted", Map.of("Retry-After", Integer.toString(Gateway.RETRY_AFTER_UNAVAILABLE)));
        }
        metrics.produced(events.size(), (System.nanoTime() - started) / 1e9);
        List<Map<String, Object>> rejected = new ArrayList<>();
        for (int i = 0; i < verdicts.size(); i++) {
            EventRules.Verdict verdict = verdicts.get(i);
            if (verdict.accepted()) {
                continue;
            }
            metrics.rejected(verdict.reason());
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("index", i);
            item.put("event_id", verdict.event() != null ? verdict.event().eventId() : rejectedId(verdict.text()));
            item.put("reason", verdict.reason().name());
            item.put("detail", verdict.detail());
            rejected.add(item);
        }
        int accepted = verdicts.size() - rejected.size();
        metrics.accepted(accepted);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("produced", events.size());
        body.put("accepted", accepted);
        body.put("rejected", rejected);
        return Answer.json(202, body);
    }

    private static Answer tooLarge() {
        return Answer.error(413, "the body is larger than " + EventBatch.MAX_BYTES + " bytes (1 MiB): split the batch");
    }
}
