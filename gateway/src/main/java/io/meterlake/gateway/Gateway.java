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
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
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
 * same events, whose identity makes a second copy harmless. Refused requests (400, 401, 403, 408, 413, 415,
 * 429) produce nothing ({@link EventsEndpoint}).
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
        OPENAPI("GET", "/v1/openapi.json"),
        USAGE_SUBSCRIPTION("GET", UsageEndpoint.SUBSCRIPTIONS + "{subscription_id}"),
        USAGE_ACCOUNT("GET", UsageEndpoint.ACCOUNTS + "{billing_account_id}"),
        ACCESS("GET", UsageEndpoint.ACCESS);

        private final String method;
        private final String path;

        Route(String method, String path) {
            this.method = method;
            this.path = path;
        }

        public String method() {
            return method;
        }

        /** The path as the OpenAPI document names it: {@code {name}} stands for one segment. */
        public String path() {
            return path;
        }

        /** Whether {@code requested} is this route's path (a template's: its fixed part and one segment or more). */
        boolean matches(String requested) {
            int variable = path.indexOf('{');
            return variable < 0
                    ? path.equals(requested)
                    : requested.startsWith(path.substring(0, variable)) && requested.length() > variable;
        }
    }

    /** Every status {@code POST /v1/events} answers with. */
    /** How much of a refused request's body is read and dropped so that its client reads the answer. */
    static final long DISCARD_BYTES = 2L * EventBatch.MAX_BYTES;

    public static final Set<Integer> EVENTS_STATUSES = Set.of(202, 400, 401, 403, 408, 413, 415, 429, 503);
    /** The OpenAPI document, a resource of this module. */
    public static final String OPENAPI = "meterlake/gateway-openapi.json";
    /** Seconds a client waits before it resends after 503 (the broker is away) and 429 (too busy). */
    static final int RETRY_AFTER_UNAVAILABLE = 5;

    static final int RETRY_AFTER_BUSY = 1;
    /** How soon a change of the tokens file counts ({@code gateway tokens add|revoke}, or an edit). */
    public static final int TOKENS_RELOAD_SECONDS = TokensReloader.PERIOD_SECONDS;

    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(3);

    private final Server server;
    private final EventProducer producer;
    private final EventsEndpoint events;
    private final TokensReloader tokens;
    private final UsageEndpoint usage;
    private final Admin admin;
    private final String topic;
    private final String bootstrapServers;
    private final GatewayMetrics metrics = new GatewayMetrics();
    private final PrintWriter log;
    private final byte[] openApi;

    private Gateway(MeterlakeConfig config, Tokens tokens, Clock clock, PrintWriter log) {
        MeterlakeConfig.Gateway settings = config.gateway();
        this.log = log;
        this.topic = config.kafka().topic();
        this.bootstrapServers = config.kafka().bootstrapServers();
        this.producer = EventProducer.open(bootstrapServers, topic, settings.ackTimeout());
        // Every event the rules can accept must fit the topic: else the limits contradict each other.
        int largestValid =
                EventProducer.framedBytes(null, new byte[io.meterlake.validation.EventParser.MAX_RECORD_BYTES]);
        if (producer.maxBatchBytes() < largestValid) {
            producer.close();
            throw GatewayErrors.topicTooSmall(topic, producer.maxBatchBytes(), largestValid);
        }
        this.tokens = new TokensReloader(Path.of(config.gateway().tokensFile()), tokens, "tokens", log);
        this.usage = UsageEndpoint.open(config, clock, metrics, log);
        this.events = new EventsEndpoint(
                new EventRules(config.catalog(), config.maxClockSkew(), config.maxEventAge()),
                this.tokens::current,
                producer,
                topic,
                settings,
                clock,
                metrics,
                log);
        Properties adminProperties = new Properties();
        adminProperties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        adminProperties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) HEALTH_TIMEOUT.toMillis());
        adminProperties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) HEALTH_TIMEOUT.toMillis());
        this.admin = Admin.create(adminProperties);
        this.openApi = openApi();
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
                Answer answer;
                try {
                    answer = route(request);
                } catch (RuntimeException e) {
                    LOG.error("gateway: {} {} failed", request.getMethod(), Request.getPathInContext(request), e);
                    answer = Answer.error(
                            500,
                            "the gateway failed on this request ("
                                    + e.getClass().getSimpleName()
                                    + "); nothing of it was produced: resend it, and report it if it repeats");
                    if (Route.EVENTS.path().equals(Request.getPathInContext(request))) {
                        metrics.answered(500);
                    }
                }
                send(answer, response, callback);
                return true;
            }
        });
        // What Jetty answers itself (a malformed request line, headers too large, ...): JSON, never a page.
        server.setErrorHandler((Request request, Response response, Callback callback) -> {
            Object status = request.getAttribute(org.eclipse.jetty.server.handler.ErrorHandler.ERROR_STATUS);
            Object message = request.getAttribute(org.eclipse.jetty.server.handler.ErrorHandler.ERROR_MESSAGE);
            int code = status instanceof Integer number ? number : 500;
            send(
                    Answer.error(
                            code,
                            message == null ? org.eclipse.jetty.http.HttpStatus.getMessage(code) : message.toString()),
                    response,
                    callback);
            return true;
        });
    }

    private static byte[] openApi() {
        try (InputStream in = Gateway.class.getClassLoader().getResourceAsStream(OPENAPI)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void send(Answer answer, Response response, Callback callback) {
        answer.headers().forEach((name, value) -> response.getHeaders().put(name, value));
        response.setStatus(answer.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, answer.contentType());
        response.write(true, ByteBuffer.wrap(answer.body()), callback);
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
        tokens.close();
        usage.close();
        producer.close();
        admin.close(Duration.ofSeconds(5));
    }

    private Answer route(Request request) {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        for (Route route : Route.values()) {
            if (route.matches(path)) {
                if (!route.method().equals(method)) {
                    return Answer.error(
                            405,
                            method + " is not allowed on " + path + ": use " + route.method(),
                            Map.of("Allow", route.method()));
                }
                return switch (route) {
                    case EVENTS -> events.answer(request);
                    case HEALTH -> health();
                    case METRICS -> new Answer(200, metrics.contentType(), metrics.scrape(), Map.of());
                    case OPENAPI -> new Answer(200, "application/json", openApi, Map.of());
                    case USAGE_SUBSCRIPTION, USAGE_ACCOUNT -> usage.answer(request, path);
                    case ACCESS -> usage.access(request);
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
}
