package io.meterlake.gateway;

import io.meterlake.config.MeterlakeConfig;
import io.meterlake.period.Durations;
import io.meterlake.streaming.source.EventProducer;
import io.meterlake.validation.EventRules;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP ingestion gateway: the front door for services that do not speak Kafka.
 *
 * <p>{@code POST /v1/events} takes a batch ({@link EventBatch}), checks each event with the stream's
 * own stateless rules ({@link EventRules}, against this gateway's clock), produces <em>every</em> event
 * of a well-formed request to the event topic (idempotent producer, acks from all replicas, keyed by
 * tenant), and answers 202 only once the broker has acknowledged all of them, listing the rejected
 * ones (the stream quarantines them with the same reason). A request the broker does not acknowledge
 * within {@code gateway.ack-timeout} is answered 503 with {@code Retry-After}: the client resends the
 * same events, whose identity makes a second copy harmless. Refused requests (400, 401, 403, 413, 415,
 * 429) produce nothing.
 *
 * <p>Also {@code GET /v1/health} (the broker answers for the topic), {@code GET /metrics}
 * ({@link GatewayMetrics}) and {@code GET /v1/openapi.json} (this API, {@link #OPENAPI}).
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    /** Every route the gateway serves; {@code /v1/openapi.json} documents exactly these. */
    public enum Route {
        EVENTS("POST", "/v1/events"),
        HEALTH("GET", "/v1/health"),
        METRICS("GET", "/metrics"),
        OPENAPI("GET", "/v1/openapi.json");

        private final String method;
        private final String path;

        Route(String method, String path) {
            this.method = method;
            this.path = path;
        }

        public String method() {
            return method;
        }

        public String path() {
            return path;
        }
    }

    /** Every status {@code POST /v1/events} answers with. */
    /** How much of a refused request's body is read and dropped so that its client reads the answer. */
    static final long DISCARD_BYTES = 2L * EventBatch.MAX_BYTES;

    public static final Set<Integer> EVENTS_STATUSES = Set.of(202, 400, 401, 403, 413, 415, 429, 503);
    /** The OpenAPI document, a resource of this module. */
    public static final String OPENAPI = "meterlake/gateway-openapi.json";
    /** Seconds a client waits before it resends after 503 (the broker is away) and 429 (too busy). */
    static final int RETRY_AFTER_UNAVAILABLE = 5;

    static final int RETRY_AFTER_BUSY = 1;
    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(3);

    private final Server server;
    private final EventRules rules;
    private final Tokens tokens;
    private final EventProducer producer;
    private final Admin admin;
    private final String topic;
    private final String bootstrapServers;
    private final Clock clock;
    private final Duration ackTimeout;
    private final Semaphore permits;
    private final GatewayMetrics metrics = new GatewayMetrics();
    private final PrintWriter log;
    private final byte[] openApi;

    private Gateway(MeterlakeConfig config, Tokens tokens, Clock clock, PrintWriter log) {
        MeterlakeConfig.Gateway settings = config.gateway();
        this.rules = new EventRules(config.catalog(), config.maxClockSkew(), config.maxEventAge());
        this.tokens = tokens;
        this.clock = clock;
        this.log = log;
        this.topic = config.kafka().topic();
        this.bootstrapServers = config.kafka().bootstrapServers();
        this.ackTimeout = settings.ackTimeout();
        this.permits = new Semaphore(settings.maxConcurrentRequests());
        this.producer = EventProducer.open(bootstrapServers, topic, ackTimeout);
        Properties adminProperties = new Properties();
        adminProperties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        adminProperties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) HEALTH_TIMEOUT.toMillis());
        adminProperties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) HEALTH_TIMEOUT.toMillis());
        this.admin = Admin.create(adminProperties);
        try (InputStream in = Gateway.class.getClassLoader().getResourceAsStream(OPENAPI)) {
            this.openApi = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        QueuedThreadPool threads = new QueuedThreadPool(Math.max(32, settings.maxConcurrentRequests() + 16));
        threads.setName("gateway");
        this.server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(settings.host());
        connector.setPort(settings.port());
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Answer answer = route(request);
                answer.headers().forEach((name, value) -> response.getHeaders().put(name, value));
                response.setStatus(answer.status());
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, answer.contentType());
                response.write(true, ByteBuffer.wrap(answer.body()), callback);
                return true;
            }
        });
    }

    /**
     * Opens the producer (the topic must exist) and starts serving on {@code gateway.host:port}
     * (port 0: any free one, see {@link #port()}).
     */
    public static Gateway start(MeterlakeConfig config, Tokens tokens, Clock clock, PrintWriter log) {
        Gateway gateway = new Gateway(config, tokens, clock, log);
        try {
            gateway.server.start();
        } catch (Exception e) {
            gateway.close();
            throw GatewayErrors.cannotListen(
                    config.gateway().host(), config.gateway().port(), e.getMessage());
        }
        LOG.info(
                "gateway listening on {}:{}, producing to {} at {}",
                config.gateway().host(),
                gateway.port(),
                config.kafka().topic(),
                config.kafka().bootstrapServers());
        return gateway;
    }

    /** The port the gateway listens on. */
    public int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    public GatewayMetrics metrics() {
        return metrics;
    }

    /** Blocks until the server stops. */
    public void join() throws InterruptedException {
        server.join();
    }

    @Override
    public void close() {
        LOG.info("gateway stopping on port {}", port());
        try {
            server.stop();
        } catch (Exception e) {
            log.println("gateway: stopping the HTTP server failed: " + e.getMessage());
        }
        producer.close();
        admin.close(Duration.ofSeconds(5));
    }

    private Answer route(Request request) {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        for (Route route : Route.values()) {
            if (route.path().equals(path)) {
                if (!route.method().equals(method)) {
                    return Answer.error(
                            405,
                            method + " is not allowed on " + path + ": use " + route.method(),
                            Map.of("Allow", route.method()));
                }
                return switch (route) {
                    case EVENTS -> events(request);
                    case HEALTH -> health();
                    case METRICS -> new Answer(200, metrics.contentType(), metrics.scrape(), Map.of());
                    case OPENAPI -> new Answer(200, "application/json", openApi, Map.of());
                };
            }
        }
        return Answer.error(404, "no such resource: " + path + " (the API is described at /v1/openapi.json)");
    }

    private Answer health() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("topic", topic);
        try {
            TopicDescription description = admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get(HEALTH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .get(topic);
            body.put("status", "ok");
            body.put("partitions", description.partitions().size());
            return Answer.json(200, body);
        } catch (ExecutionException | TimeoutException e) {
            body.put("status", "unavailable");
            body.put(
                    "error",
                    "the broker at " + bootstrapServers + " did not describe the topic within "
                            + Durations.render(HEALTH_TIMEOUT));
            return Answer.json(503, body, Map.of("Retry-After", Integer.toString(RETRY_AFTER_UNAVAILABLE)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Answer.error(503, "interrupted");
        }
    }

    private Answer events(Request request) {
        Answer answer = ingest(request);
        if (answer.status() != 202) {
            Requests.discardRest(request);
        }
        metrics.answered(answer.status());
        return answer;
    }

    private Answer ingest(Request request) {
        Optional<Tokens.Token> token = Requests.bearer(request.getHeaders().get(HttpHeader.AUTHORIZATION))
                .flatMap(tokens::authenticate);
        if (token.isEmpty()) {
            return Answer.error(
                    401,
                    "a bearer token is required: send 'Authorization: Bearer <token>' with a token"
                            + " of the gateway's tokens file",
                    Map.of("WWW-Authenticate", "Bearer realm=\"meterlake\""));
        }
        EventBatch.Format format = EventBatch.Format.of(request.getHeaders().get(HttpHeader.CONTENT_TYPE));
        if (format == null) {
            return Answer.error(
                    415,
                    "Content-Type must be application/json (an array of events) or"
                            + " application/x-ndjson (one event per line), UTF-8");
        }
        if (request.getLength() > EventBatch.MAX_BYTES) {
            return tooLarge();
        }
        if (!permits.tryAcquire()) {
            return Answer.error(
                    429,
                    "the gateway is working on as many requests as it may"
                            + " (gateway.max-concurrent-requests): resend after the Retry-After seconds",
                    Map.of("Retry-After", Integer.toString(RETRY_AFTER_BUSY)));
        }
        metrics.started();
        try {
            byte[] body = Requests.readAtMost(request, EventBatch.MAX_BYTES);
            if (body == null) {
                return tooLarge();
            }
            return produce(token.get(), EventBatch.split(body, format));
        } catch (EventBatch.Refused refused) {
            return Answer.error(refused.status(), refused.getMessage());
        } catch (IOException e) {
            return Answer.error(400, "the body could not be read: " + e.getMessage());
        } finally {
            metrics.finished();
            permits.release();
        }
    }

    /** Checks every event, refuses the request if the token does not own a source, else produces all. */
    private Answer produce(Tokens.Token token, List<byte[]> events) {
        Instant ingestedAt = clock.instant();
        List<EventRules.Verdict> verdicts = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            EventRules.Verdict verdict = rules.check(events.get(i), ingestedAt);
            String source = verdict.event() != null
                    ? verdict.event().source()
                    : EventProducer.topLevelString(verdict.text(), "source");
            if (source != null && !token.owns(source)) {
                log.println("gateway: refused a request of token '" + token.name() + "' (403): event " + i
                        + " is of source '" + source + "'");
                LOG.info("403 to token {}: event {} is of source {}", token.name(), i, source);
                log.flush();
                return Answer.error(
                        403,
                        "event " + i + " is of source '" + source + "', which token '" + token.name()
                                + "' may not send (it may send "
                                + String.join(", ", new java.util.TreeSet<>(token.sources()))
                                + "); nothing of this request was produced");
            }
            verdicts.add(verdict);
        }
        long started = System.nanoTime();
        List<Future<RecordMetadata>> acks = new ArrayList<>(events.size());
        try {
            for (int i = 0; i < events.size(); i++) {
                EventRules.Verdict verdict = verdicts.get(i);
                String key = verdict.event() != null
                        ? verdict.event().tenantId()
                        : EventProducer.topLevelString(verdict.text(), "tenant_id");
                acks.add(producer.send(key, events.get(i)));
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
                    Map.of("Retry-After", Integer.toString(RETRY_AFTER_UNAVAILABLE)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Answer.error(503, "interrupted", Map.of("Retry-After", Integer.toString(RETRY_AFTER_UNAVAILABLE)));
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
            item.put(
                    "event_id",
                    verdict.event() != null
                            ? verdict.event().eventId()
                            : EventProducer.topLevelString(verdict.text(), "event_id"));
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
