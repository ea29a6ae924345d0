package io.meterlake.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meterlake.gateway.Gateway;
import io.meterlake.gateway.Tokens;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.stack.FreePorts;
import io.meterlake.stack.TestBroker;
import io.meterlake.streaming.source.EventProducer;
import io.meterlake.table.Warehouse;
import io.meterlake.testing.SparkTestBase;
import io.meterlake.validation.ReasonCode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP gateway with a real broker, a real gateway process ({@code bin/meterlake stack start
 * --with-gateway}) and real HTTP: the bad-request table (each with nothing produced), 429 under load,
 * the OpenAPI document against the real handlers, and the promise itself: a workload sent in batches of
 * 100 while the broker is killed (SIGKILL) and restarted, every 503-answered batch resent, then the
 * stream: every acknowledged event is in raw or quarantine, with the gateway's reason, and counted once.
 * Last, no token appears in anything the gateway wrote or answered.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@org.junit.jupiter.api.parallel.ResourceLock(SharedStack.STREAM_IN_PROCESS)
class GatewayIT extends SparkTestBase {
    private static final Path LAUNCHER =
            Path.of("..", "bin", "meterlake").toAbsolutePath().normalize();
    private static final String TOPIC = "usage-events";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CONCURRENT = 3;
    private static final int PER_TOKEN = 2;
    /** Long enough for the slow requests of the 429 test to finish their bodies on a loaded machine. */
    private static final Duration BODY_TIMEOUT = Duration.ofSeconds(15);

    private static final String SERVICE_TOKEN = "svc-" + java.util.UUID.randomUUID();
    private static final String OTHER_TOKEN = "other-" + java.util.UUID.randomUUID();

    @TempDir
    static Path dir;

    private static TestBroker broker;
    private static Path tokens;
    /** The token 'gateway tokens add' made while the gateway ran. */
    private static String lateToken = "none-yet";
    /** The read tokens 'gateway tokens add --tenant|--account|--finance' made. */
    private static final List<String> READ_TOKENS = new ArrayList<>();

    private static List<String> settings;
    private static String url;
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    /** Every response body the tests read, for the token check at the end. */
    private static final StringBuilder ANSWERS = new StringBuilder();
    /** Every status POST /v1/events answered in this class. */
    private static final Set<Integer> STATUSES = new TreeSet<>();

    @BeforeAll
    static void startBrokerAndGateway() throws Exception {
        broker = TestBroker.start(dir.resolve("stack"), TOPIC, 3);
        tokens = dir.resolve("gateway-tokens");
        io.meterlake.signing.PrivateFiles.write(
                tokens,
                "# name, sha256 of the token, sources\n"
                        + "services " + Tokens.sha256(SERVICE_TOKEN)
                        + " forge-functions,forge-kvs,forge-logs,forge-storage,"
                        + "forge-app,forge-network\n"
                        + "exporter " + Tokens.sha256(OTHER_TOKEN) + " billing-export\n");
        int port = FreePorts.next();
        url = "http://127.0.0.1:" + port;
        settings = List.of(
                "--set",
                "stack.dir=" + dir.resolve("stack"),
                "--set",
                "stack.kafka-port=" + broker.kafka().bootstrapServers().split(":")[1],
                "--set",
                "kafka.bootstrap-servers=" + broker.bootstrapServers(),
                "--set",
                "gateway.port=" + port,
                "--set",
                "gateway.tokens-file=" + tokens,
                "--set",
                "gateway.read-tokens-file=" + dir.resolve("read-tokens"),
                "--set",
                "warehouse=" + dir.resolve("warehouse"),
                "--set",
                "gateway.ack-timeout=PT5S",
                "--set",
                "gateway.max-concurrent-requests=" + CONCURRENT,
                "--set",
                "gateway.max-concurrent-requests-per-token=" + PER_TOKEN,
                "--set",
                "gateway.body-timeout=" + BODY_TIMEOUT);
        List<String> command = new ArrayList<>(List.of(LAUNCHER.toString(), "stack", "start", "--with-gateway"));
        command.addAll(settings);
        Process start = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("stack-start.out").toFile())
                .start();
        assertThat(start.waitFor())
                .as(Files.readString(dir.resolve("stack-start.out")))
                .isZero();
        assertThat(Files.readString(dir.resolve("stack-start.out"))).contains("gateway started on " + url);
    }

    @AfterAll
    static void stopAll() throws Exception {
        List<String> command = new ArrayList<>(List.of(LAUNCHER.toString(), "stack", "stop"));
        command.addAll(settings);
        new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("stack-stop.out").toFile())
                .start()
                .waitFor();
        broker.close();
    }

    private record Case(String name, String token, String contentType, byte[] body, int status) {}

    @Test
    @Order(1)
    void refusesEveryBadRequestWithItsStatusAndProducesNothing() throws Exception {
        String good = event("ok-1", "forge-functions");
        byte[] big = new byte[EventBatchLimits.BYTES + 1];
        Arrays.fill(big, (byte) ' ');
        big[0] = '[';
        big[big.length - 1] = ']';
        String many = "[" + String.join(",", java.util.Collections.nCopies(1_001, good)) + "]";
        // One event that fills the body: within 1 MiB, but with its framing more than the topic takes
        // (max.message.bytes, 1 MiB + 12 by default); it was answered 503 for ever.
        String filler = good.substring(0, good.length() - 1) + ",\"attributes\":{\"blob\":\"";
        String huge = filler + "x".repeat(EventBatchLimits.BYTES - 2 - filler.length() - 3) + "\"}}";
        List<Case> cases = List.of(
                new Case("not JSON", SERVICE_TOKEN, "application/json", bytes("{oops"), 400),
                new Case("an object, not an array", SERVICE_TOKEN, "application/json", bytes(good), 400),
                new Case("data after the array", SERVICE_TOKEN, "application/json", bytes("[" + good + "] x"), 400),
                new Case("empty array", SERVICE_TOKEN, "application/json", bytes("[]"), 400),
                new Case("empty NDJSON", SERVICE_TOKEN, "application/x-ndjson", bytes("\n\n"), 400),
                new Case("NDJSON without a JSON line", SERVICE_TOKEN, "application/x-ndjson", bytes("a,b\n1,2\n"), 400),
                new Case("no token", null, "application/json", bytes("[" + good + "]"), 401),
                new Case("unknown token", "nope", "application/json", bytes("[" + good + "]"), 401),
                new Case(
                        "another service's source",
                        OTHER_TOKEN,
                        "application/json",
                        bytes("[" + event("x-1", "billing-export") + "," + good + "]"),
                        403),
                new Case(
                        "a source hidden in a rejected event",
                        OTHER_TOKEN,
                        "application/x-ndjson",
                        bytes(event("x-2", "billing-export") + "\n{\"source\":\"forge-functions\",\"event_id\":1}\n"),
                        403),
                new Case(
                        "a source after the syntax error of a rejected event",
                        OTHER_TOKEN,
                        "application/x-ndjson",
                        bytes(event("x-3", "billing-export")
                                + "\n{\"event_id\":\"x-4\",,\"source\":\"forge-functions\"}\n"),
                        403),
                new Case(
                        "a source named twice",
                        OTHER_TOKEN,
                        "application/json",
                        bytes("[{\"source\":\"billing-export\",\"source\":\"forge-functions\",\"event_id\":\"x-5\"}]"),
                        403),
                new Case("over 1 MiB", SERVICE_TOKEN, "application/json", big, 413),
                new Case(
                        "an event larger than the topic takes",
                        SERVICE_TOKEN,
                        "application/json",
                        bytes("[" + huge + "]"),
                        413),
                new Case("over 1,000 events", SERVICE_TOKEN, "application/json", bytes(many), 413),
                new Case("text/plain", SERVICE_TOKEN, "text/plain", bytes("[" + good + "]"), 415),
                new Case("no content type", SERVICE_TOKEN, null, bytes("[" + good + "]"), 415),
                new Case(
                        "UTF-16 with a byte-order mark",
                        SERVICE_TOKEN,
                        "application/json",
                        ("\uFEFF[" + good + "]").getBytes(StandardCharsets.UTF_16LE),
                        415),
                new Case(
                        "UTF-32 without a byte-order mark",
                        SERVICE_TOKEN,
                        "application/x-ndjson",
                        (good + "\n").getBytes(java.nio.charset.Charset.forName("UTF-32BE")),
                        415),
                new Case(
                        "another charset",
                        SERVICE_TOKEN,
                        "application/json; charset=latin1",
                        bytes("[" + good + "]"),
                        415));
        long before = produced();
        Map<String, Integer> answered = new LinkedHashMap<>();
        for (Case each : cases) {
            HttpResponse<String> response = post(each.token(), each.contentType(), each.body());
            answered.put(each.name(), response.statusCode());
            assertThat(JSON.readTree(response.body()).get("error").asText())
                    .as(each.name())
                    .isNotBlank();
        }
        Map<String, Integer> expected = new LinkedHashMap<>();
        cases.forEach(each -> expected.put(each.name(), each.status()));
        assertThat(answered).isEqualTo(expected);
        assertThat(produced()).isEqualTo(before);

        // The same event with the right token is produced: the table above refused on the request alone.
        HttpResponse<String> accepted = post(SERVICE_TOKEN, "application/json", bytes("[" + good + "]"));
        assertThat(accepted.statusCode()).isEqualTo(202);
        assertThat(produced()).isEqualTo(before + 1);
        assertThat(get("/v1/events").statusCode()).isEqualTo(405);
        assertThat(get("/v1/nothing").statusCode()).isEqualTo(404);

        // A large event that fits the topic is produced (and rejected OVERSIZED by the rules, as the stream will).
        HttpResponse<String> large =
                post(SERVICE_TOKEN, "application/json", bytes("[" + huge.substring(0, 200_000) + "\"}}]"));
        assertThat(large.statusCode()).as(large.body()).isEqualTo(202);
        assertThat(JSON.readTree(large.body())
                        .get("rejected")
                        .get(0)
                        .get("reason")
                        .asText())
                .isEqualTo(ReasonCode.OVERSIZED.name());
        assertThat(produced()).isEqualTo(before + 2);

        // What Jetty refuses itself is the same JSON error, never an HTML page.
        try (Socket socket = new Socket("127.0.0.1", port())) {
            socket.getOutputStream()
                    .write(("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "y".repeat(20_000) + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 431 ").contains("Content-Type: application/json");
            assertThat(JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4))
                            .get("status")
                            .asInt())
                    .isEqualTo(431);
        }
    }

    @Test
    @Order(2)
    void answers429WhenEveryRequestSlotIsTakenAndProducesNothingForIt() throws Exception {
        long before = produced();
        List<Socket> slow = new ArrayList<>();
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < PER_TOKEN; i++) {
            // Headers and half the body: the gateway holds a slot while it waits for the rest.
            bodies.add(bytes("[" + event("slow-" + i, "forge-functions") + "]"));
            slow.add(halfSent(SERVICE_TOKEN, bodies.get(i)));
        }
        Awaitility.await("the token's slots taken")
                .atMost(Duration.ofSeconds(30))
                .until(() -> metric("meterlake_gateway_requests_in_flight") == PER_TOKEN);
        // One token may not take the last slot: another token's request still gets it.
        HttpResponse<String> greedy =
                post(SERVICE_TOKEN, "application/json", bytes("[" + event("greedy-1", "forge-functions") + "]"));
        assertThat(greedy.statusCode()).isEqualTo(429);
        assertThat(JSON.readTree(greedy.body()).get("error").asText())
                .contains("token 'services'", "gateway.max-concurrent-requests-per-token");
        bodies.add(bytes("[" + event("slow-x", "billing-export") + "]"));
        slow.add(halfSent(OTHER_TOKEN, bodies.get(PER_TOKEN)));
        Awaitility.await("every slot taken")
                .atMost(Duration.ofSeconds(30))
                .until(() -> metric("meterlake_gateway_requests_in_flight") == CONCURRENT);

        HttpResponse<String> busy =
                post(OTHER_TOKEN, "application/json", bytes("[" + event("busy-1", "billing-export") + "]"));
        assertThat(busy.statusCode()).isEqualTo(429);
        assertThat(JSON.readTree(busy.body()).get("error").asText()).contains("gateway.max-concurrent-requests)");
        assertThat(busy.headers().firstValue("Retry-After")).isPresent();

        for (int i = 0; i < slow.size(); i++) {
            Socket socket = slow.get(i);
            byte[] body = bodies.get(i);
            try (socket) {
                socket.getOutputStream().write(body, body.length / 2, body.length - body.length / 2);
                socket.getOutputStream().flush();
                String status = new BufferedReader(
                                new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                        .readLine();
                assertThat(status).isEqualTo("HTTP/1.1 202 Accepted");
            }
        }
        STATUSES.add(202);
        // The three slow requests' events, not the refused ones'.
        assertThat(produced()).isEqualTo(before + CONCURRENT);
    }

    /**
     * A client that trickles its body (a byte every half second, a bounded loop that would take a minute)
     * holds its slot no longer than {@code gateway.body-timeout}: it is answered 408 and its connection
     * closed, and meanwhile another client's request is answered 202. Before, every slot could be held
     * for as long as the clients liked.
     */
    @Test
    @Order(3)
    void aSlowBodyIsAnswered408AndFreesItsSlot() throws Exception {
        long before = produced();
        byte[] body = bytes("[" + event("trickle-1", "forge-functions") + "]");
        List<Socket> trickling = new ArrayList<>();
        for (int i = 0; i < PER_TOKEN; i++) {
            trickling.add(halfSent(SERVICE_TOKEN, body));
        }
        HttpResponse<String> other =
                post(OTHER_TOKEN, "application/json", bytes("[" + event("meanwhile-1", "billing-export") + "]"));
        assertThat(other.statusCode()).isEqualTo(202);

        Map<Socket, String> answers = new LinkedHashMap<>();
        for (Socket socket : trickling) {
            socket.setSoTimeout(500);
        }
        int rounds = 0;
        for (; rounds < 120 && answers.size() < trickling.size(); rounds++) {
            for (Socket socket : trickling) {
                if (answers.containsKey(socket)) {
                    continue;
                }
                String status = statusLine(socket);
                if (status != null) {
                    answers.put(socket, status);
                    continue;
                }
                try {
                    socket.getOutputStream().write(' ');
                    socket.getOutputStream().flush();
                } catch (IOException closed) {
                    // the gateway closed it: its answer is read next round
                }
            }
        }
        assertThat(answers.values())
                .containsOnly("HTTP/1.1 408 Request Timeout")
                .hasSize(PER_TOKEN);
        assertThat(rounds).as("answered before the body could have arrived").isLessThan(120);
        STATUSES.add(408);
        for (Socket socket : trickling) {
            socket.close();
        }
        Awaitility.await("the slots freed")
                .atMost(Duration.ofSeconds(30))
                .until(() -> metric("meterlake_gateway_requests_in_flight") == 0);
        assertThat(produced()).isEqualTo(before + 1);
    }

    /** A token added while the gateway runs is taken within seconds; a revoked one is refused, no restart. */
    @Test
    @Order(4)
    void aTokenAddedOrRevokedCountsWithoutARestart() throws Exception {
        String file = "gateway.tokens-file=" + tokens;
        CommandLineTest.Run added = CommandLineTest.Run.at(
                CommandLineTest.LIVE, "--set", file, "gateway", "tokens", "add", "late", "--source", "forge-logs");
        assertThat(added.exitCode()).as(added.err()).isZero();
        lateToken = added.out().strip();
        byte[] body = bytes("[" + event("late-1", "forge-logs") + "]");
        Awaitility.await("the new token taken")
                .atMost(Duration.ofSeconds(30))
                .until(() -> post(lateToken, "application/json", body).statusCode() == 202);
        CommandLineTest.Run revoked =
                CommandLineTest.Run.at(CommandLineTest.LIVE, "--set", file, "gateway", "tokens", "revoke", "late");
        assertThat(revoked.exitCode()).as(revoked.err()).isZero();
        Awaitility.await("the revoked token refused")
                .atMost(Duration.ofSeconds(30))
                .until(() -> post(lateToken, "application/json", body).statusCode() == 401);
        assertThat(post(SERVICE_TOKEN, "application/json", bytes("[" + event("still-1", "forge-functions") + "]"))
                        .statusCode())
                .isEqualTo(202);
    }

    /** The CloudEvents the SDK test sent and the generated client's event; the kill test finds each in raw once. */
    private static final List<String> CLOUD_EVENT_IDS = List.of("ce-1", "ce-2", "ce-3", "gen-1");

    /**
     * A client generated from the OpenAPI document (openapi-generator, Java) against the running gateway: its
     * health, an accepted batch with an exact decimal quantity, and a refusal as the document describes it.
     */
    @Test
    @Order(5)
    void theClientGeneratedFromTheOpenApiDocumentWorksAgainstTheGateway() throws Exception {
        io.meterlake.client.ApiClient client = new io.meterlake.client.ApiClient();
        client.updateBaseUri(url);
        client.setRequestInterceptor(request -> request.header("Authorization", "Bearer " + SERVICE_TOKEN));
        io.meterlake.client.api.DefaultApi api = new io.meterlake.client.api.DefaultApi(client);
        assertThat(api.health().getStatus()).isEqualTo(io.meterlake.client.model.Health.StatusEnum.OK);

        long before = produced();
        io.meterlake.client.model.Event event = new io.meterlake.client.model.Event()
                .schemaVersion(io.meterlake.client.model.Event.SchemaVersionEnum.NUMBER_1)
                .eventId("gen-1")
                .source("forge-functions")
                .tenantId("acme")
                .appId("app-1")
                .metric("functions.invocations")
                .quantity(new io.meterlake.client.model.EventQuantity("2"))
                .unit("count")
                .eventTime(CommandLineTest.LIVE
                        .instant()
                        .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                        .atOffset(java.time.ZoneOffset.UTC));
        io.meterlake.client.model.Accepted accepted = api.sendEvents(List.of(event));
        assertThat(accepted.getProduced()).isEqualTo(1);
        assertThat(accepted.getAccepted()).isEqualTo(1);
        assertThat(accepted.getRejected()).isEmpty();
        assertThat(produced()).isEqualTo(before + 1);

        // The API object keeps the interceptor it was made with: a client of its own for the wrong token.
        io.meterlake.client.ApiClient stranger = new io.meterlake.client.ApiClient();
        stranger.updateBaseUri(url);
        stranger.setRequestInterceptor(request -> request.header("Authorization", "Bearer not-a-token"));
        io.meterlake.client.ApiException refused = org.assertj.core.api.Assertions.catchThrowableOfType(
                () -> new io.meterlake.client.api.DefaultApi(stranger).sendEvents(List.of(event)),
                io.meterlake.client.ApiException.class);
        assertThat(refused.getCode()).isEqualTo(401);
        assertThat(JSON.readTree(refused.getResponseBody()).get("status").asInt())
                .isEqualTo(401);
        STATUSES.add(401);
        assertThat(produced()).isEqualTo(before + 1);
    }

    /**
     * CloudEvents through the CloudEvents Java SDK, as a real client sends them: one in structured mode (the
     * SDK's HTTP writer sets the media type), two as a batch; each checked by the same rules as any event.
     */
    @Test
    @Order(6)
    void cloudEventsSentWithTheSdkAreEventsLikeAnyOther() throws Exception {
        long before = produced();
        List<io.cloudevents.CloudEvent> events = new ArrayList<>();
        for (String id : CLOUD_EVENT_IDS) {
            events.add(io.cloudevents.core.builder.CloudEventBuilder.v1()
                    .withId(id)
                    .withSource(URI.create("forge-functions"))
                    .withType("io.meterlake.usage.v1")
                    .withTime(CommandLineTest.LIVE
                            .instant()
                            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                            .atOffset(java.time.ZoneOffset.ofHours(2)))
                    .withDataContentType("application/json")
                    .withData(bytes("{\"tenant_id\":\"acme\",\"app_id\":\"app-1\",\"metric\":\"functions.invocations\","
                            + "\"quantity\":3,\"unit\":\"count\"}"))
                    .build());
        }
        Map<String, String> headers = new LinkedHashMap<>();
        byte[][] body = new byte[1][];
        io.cloudevents.http.HttpMessageFactory.createWriter(headers::put, written -> body[0] = written)
                .writeStructured(events.get(0), io.cloudevents.jackson.JsonFormat.CONTENT_TYPE);
        assertThat(headers).containsEntry("Content-Type", "application/cloudevents+json");
        HttpResponse<String> one = post(SERVICE_TOKEN, headers.get("Content-Type"), body[0]);
        assertThat(one.statusCode()).as(one.body()).isEqualTo(202);
        assertThat(JSON.readTree(one.body()).get("accepted").asInt()).isEqualTo(1);

        io.cloudevents.core.format.EventFormat format = io.cloudevents.core.provider.EventFormatProvider.getInstance()
                .resolveFormat(io.cloudevents.jackson.JsonFormat.CONTENT_TYPE);
        io.cloudevents.CloudEvent foreign = io.cloudevents.core.builder.CloudEventBuilder.v1(events.get(1))
                .withId("ce-x")
                .withType("com.example.order.created")
                .build();
        String batch = "[" + new String(format.serialize(events.get(1)), StandardCharsets.UTF_8) + ","
                + new String(format.serialize(events.get(2)), StandardCharsets.UTF_8) + ","
                + new String(format.serialize(foreign), StandardCharsets.UTF_8) + "]";
        HttpResponse<String> many = post(SERVICE_TOKEN, "application/cloudevents-batch+json", bytes(batch));
        assertThat(many.statusCode()).as(many.body()).isEqualTo(202);
        JsonNode answer = JSON.readTree(many.body());
        assertThat(answer.get("accepted").asInt()).isEqualTo(2);
        assertThat(answer.get("rejected").get(0).get("reason").asText())
                .isEqualTo(ReasonCode.UNSUPPORTED_SCHEMA_VERSION.name());
        assertThat(answer.get("rejected").get(0).get("event_id").asText()).isEqualTo("ce-x");
        assertThat(produced()).isEqualTo(before + 4);
    }

    /** The status line of what the gateway answered on {@code socket}, or null if nothing yet. */
    private static String statusLine(Socket socket) throws IOException {
        try {
            java.io.InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            return line.length() == 0 ? null : line.toString();
        } catch (java.net.SocketTimeoutException nothingYet) {
            return null;
        }
    }

    /** A POST whose headers and first half of {@code body} are sent; the rest is the caller's. */
    private static Socket halfSent(String token, byte[] body) throws IOException {
        Socket socket = new Socket("127.0.0.1", port());
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(body, 0, body.length / 2);
        out.flush();
        return socket;
    }

    private static int port() {
        return Integer.parseInt(url.substring(url.lastIndexOf(':') + 1));
    }

    @Test
    @Order(7)
    void theOpenApiDocumentDescribesTheRealHandlers() throws Exception {
        HttpResponse<String> response = get("/v1/openapi.json");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode document = JSON.readTree(response.body());
        Set<String> documented = new TreeSet<>();
        document.get("paths")
                .fields()
                .forEachRemaining(path -> path.getValue()
                        .fieldNames()
                        .forEachRemaining(method ->
                                documented.add(method.toUpperCase(java.util.Locale.ROOT) + " " + path.getKey())));
        assertThat(documented)
                .isEqualTo(Arrays.stream(Gateway.Route.values())
                        .map(route -> route.method() + " " + route.path())
                        .collect(Collectors.toCollection(TreeSet::new)));

        JsonNode events = document.get("paths").get("/v1/events").get("post");
        Set<Integer> eventStatuses = new TreeSet<>();
        events.get("responses").fieldNames().forEachRemaining(code -> {
            if (!code.equals("default")) {
                eventStatuses.add(Integer.parseInt(code));
            }
        });
        assertThat(eventStatuses).isEqualTo(new TreeSet<>(Gateway.EVENTS_STATUSES));
        // Anything else (a fault of the gateway, the HTTP layer's own refusals) is the same JSON error.
        assertThat(events.get("responses")
                        .get("default")
                        .get("content")
                        .get("application/json")
                        .toString())
                .contains("#/components/schemas/Error");
        Set<String> mediaTypes = new TreeSet<>();
        events.get("requestBody").get("content").fieldNames().forEachRemaining(mediaTypes::add);
        assertThat(mediaTypes)
                .containsExactlyInAnyOrder(Arrays.stream(io.meterlake.gateway.EventBatch.Format.values())
                        .map(io.meterlake.gateway.EventBatch.Format::mediaType)
                        .toArray(String[]::new))
                .hasSize(4);
        List<String> reasons = new ArrayList<>();
        document.get("components")
                .get("schemas")
                .get("Rejection")
                .get("properties")
                .get("reason")
                .get("enum")
                .forEach(reason -> reasons.add(reason.asText()));
        assertThat(reasons)
                .isEqualTo(Arrays.stream(ReasonCode.values()).map(Enum::name).toList());

        // Each GET answers as documented: a documented status and media type.
        for (Gateway.Route route : Gateway.Route.values()) {
            if (!route.method().equals("GET")) {
                continue;
            }
            // A template's variable: any value (no token: 401, which the document lists too).
            HttpResponse<String> answer = get(route.path().replaceAll("\\{[a-z_]+}", "x"));
            JsonNode documentedResponse = document.get("paths")
                    .get(route.path())
                    .get("get")
                    .get("responses")
                    .get(Integer.toString(answer.statusCode()));
            assertThat(documentedResponse)
                    .as(route.path() + " answered " + answer.statusCode())
                    .isNotNull();
            String contentType = answer.headers()
                    .firstValue("Content-Type")
                    .orElseThrow()
                    .split(";")[0]
                    .trim();
            assertThat(documentedResponse.get("content").has(contentType))
                    .as(route.path() + " " + contentType)
                    .isTrue();
        }
        assertThat(JSON.readTree(get("/v1/health").body()).get("status").asText())
                .isEqualTo("ok");
    }

    @Test
    @Order(8)
    void everyAcknowledgedEventIsStoredOnceThroughABrokerKill() throws Exception {
        Path warehouse = dir.resolve("warehouse");
        Path events = dir.resolve("events.jsonl");
        CommandLineTest.Run generated = CommandLineTest.Run.at(
                CommandLineTest.LIVE,
                "generate",
                "--events",
                "3000",
                "--seed",
                "19",
                "--conflict-rate",
                "0",
                "--out",
                events.toString(),
                "--entitlements-out",
                dir.resolve("e.csv").toString(),
                "--truth-out",
                dir.resolve("truth.json").toString());
        assertThat(generated.exitCode()).as(generated.err()).isZero();
        assertThat(CommandLineTest.Run.at(
                                CommandLineTest.LIVE,
                                "--warehouse",
                                warehouse.toString(),
                                "entitlements",
                                "load",
                                dir.resolve("e.csv").toString())
                        .exitCode())
                .isZero();
        // The tenant of the earlier tests' events (the CloudEvents among them), so that they are billed too.
        Path acme = Files.writeString(
                dir.resolve("acme.csv"),
                "entitlement_id,subscription_id,billing_account_id,tenant_id,app_id,plan,valid_from,valid_to\n"
                        + "e-acme,sub-acme,acct-acme,acme,app-1,standard,2020-01-01T00:00:00Z,\n");
        assertThat(CommandLineTest.Run.at(
                                CommandLineTest.LIVE,
                                "--warehouse",
                                warehouse.toString(),
                                "entitlements",
                                "load",
                                acme.toString())
                        .exitCode())
                .isZero();
        List<String> lines = Files.readAllLines(events);
        List<List<String>> batches = new ArrayList<>();
        for (int i = 0; i < lines.size(); i += 100) {
            batches.add(lines.subList(i, Math.min(lines.size(), i + 100)));
        }
        long producedBefore = produced();

        // Two clients send the batches in turn; a batch answered anything but 202 is sent again, unchanged.
        ConcurrentLinkedQueue<Integer> pending = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < batches.size(); i++) {
            pending.add(i);
        }
        Map<Integer, JsonNode> acknowledged = new java.util.concurrent.ConcurrentHashMap<>();
        AtomicInteger unavailable = new AtomicInteger();
        AtomicInteger resent = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(2);
        List<Future<?>> running = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            running.add(clients.submit(() -> {
                for (Integer batch = pending.poll(); batch != null; batch = pending.poll()) {
                    byte[] body = bytes(String.join("\n", batches.get(batch)) + "\n");
                    while (true) {
                        HttpResponse<String> response;
                        try {
                            response = post(SERVICE_TOKEN, "application/x-ndjson", body);
                        } catch (IOException e) {
                            resent.incrementAndGet();
                            continue;
                        }
                        if (response.statusCode() == 202) {
                            acknowledged.put(batch, JSON.readTree(response.body()));
                            break;
                        }
                        assertThat(response.statusCode()).as(response.body()).isIn(503, 429);
                        if (response.statusCode() == 503) {
                            unavailable.incrementAndGet();
                        }
                        resent.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        Awaitility.await("a fifth of the batches acknowledged")
                .atMost(Duration.ofMinutes(2))
                .until(() -> acknowledged.size() >= batches.size() / 5);
        broker.kafka().process().orElseThrow().destroyForcibly(); // SIGKILL: the broker stops mid-flight
        Awaitility.await("a batch answered 503").atMost(Duration.ofMinutes(1)).until(() -> unavailable.get() > 0);
        assertThat(JSON.readTree(get("/v1/health").body()).get("status").asText())
                .isEqualTo("unavailable");
        broker.kafka().start(TOPIC, 3);
        for (Future<?> client : running) {
            client.get(5, java.util.concurrent.TimeUnit.MINUTES);
        }
        clients.shutdown();
        assertThat(acknowledged).hasSize(batches.size());
        assertThat(resent.get()).isGreaterThanOrEqualTo(unavailable.get()).isPositive();
        assertThat(produced() - producedBefore).isGreaterThanOrEqualTo(lines.size());

        CommandLineTest.Run stream = CommandLineTest.Run.at(
                CommandLineTest.LIVE,
                "--warehouse",
                warehouse.toString(),
                "--set",
                "kafka.bootstrap-servers=" + broker.bootstrapServers(),
                "--set",
                "stream.watermark-delay=P60D",
                "stream",
                "--available-now");
        assertThat(stream.exitCode()).as(stream.err()).isZero();

        Warehouse tables = new Warehouse(spark(), warehouse.toString());
        Dataset<Row> raw = tables.read(Tables.RAW_USAGE_EVENTS);
        Dataset<Row> quarantine = tables.read(Tables.QUARANTINED_EVENTS);
        // Every record on the topic is in raw or quarantine once (the stream's promise, resends included).
        assertThat(raw.count() + quarantine.count()).isEqualTo(produced());
        // The CloudEvents the SDK sent and the generated client's event are billed, each once.
        assertThat(raw
                        .where(col(Columns.EVENT_ID).isin(CLOUD_EVENT_IDS.toArray()))
                        .select(Columns.SOURCE, Columns.EVENT_ID)
                        .collectAsList()
                        .stream()
                        .map(row -> row.getString(0) + "/" + row.getString(1))
                        .toList())
                .containsExactlyInAnyOrder(
                        "forge-functions/ce-1",
                        "forge-functions/ce-2",
                        "forge-functions/ce-3",
                        "forge-functions/gen-1");

        // Every acknowledged event is stored; the ones the gateway rejected are quarantined with its reason.
        Set<String> rawIds = ids(raw);
        Map<String, Set<String>> quarantinedReasons = new HashMap<>();
        for (Row row : quarantine.select(Columns.PAYLOAD, Columns.REASON).collectAsList()) {
            quarantinedReasons
                    .computeIfAbsent(identity(row.getString(0)), id -> new HashSet<>())
                    .add(row.getString(1));
        }
        int checked = 0;
        for (Map.Entry<Integer, JsonNode> answer : acknowledged.entrySet()) {
            List<String> batch = batches.get(answer.getKey());
            assertThat(answer.getValue().get("produced").asInt()).isEqualTo(batch.size());
            Map<Integer, String> rejected = new HashMap<>();
            answer.getValue()
                    .get("rejected")
                    .forEach(item -> rejected.put(
                            item.get("index").asInt(), item.get("reason").asText()));
            assertThat(answer.getValue().get("accepted").asInt()).isEqualTo(batch.size() - rejected.size());
            for (int i = 0; i < batch.size(); i++) {
                String id = identity(batch.get(i));
                if (rejected.containsKey(i)) {
                    assertThat(quarantinedReasons.get(id)).as(batch.get(i)).contains(rejected.get(i));
                    assertThat(rawIds).doesNotContain(id);
                } else {
                    // Accepted by the stateless rules: billed, or quarantined by attribution only.
                    assertThat(rawIds.contains(id)
                                    || Set.of(ReasonCode.UNATTRIBUTED.name(), ReasonCode.AMBIGUOUS_ATTRIBUTION.name())
                                            .containsAll(quarantinedReasons.getOrDefault(id, Set.of("missing"))))
                            .as(batch.get(i))
                            .isTrue();
                }
                checked++;
            }
        }
        assertThat(checked).isEqualTo(lines.size());

        // Counted once: the provisional windows count each identity in raw once, resent copies or not.
        long counted = tables.read(Tables.USAGE_AGGREGATES_PROVISIONAL)
                .agg(sum(col(Columns.EVENT_COUNT)))
                .first()
                .getLong(0);
        assertThat(counted)
                .isEqualTo(
                        raw.select(Columns.SOURCE, Columns.EVENT_ID).distinct().count());
    }

    /**
     * The usage API over the warehouse the kill test streamed: read tokens of their own (made by 'gateway tokens
     * add'), each tenant's answer the same as 'usage --format json' and the provisional table's, and nothing of
     * any other tenant, whatever a tenant's token asks for.
     */
    @Test
    @Order(9)
    void theUsageApiAnswersATenantItsOwnUsageAndNothingElse() throws Exception {
        Path warehouse = dir.resolve("warehouse");
        // The generated span's month: the period most of the truth's lines are in (a few straddle it).
        Map<String, Integer> linesPerPeriod = new HashMap<>();
        JSON.readTree(dir.resolve("truth.json").toFile())
                .get("lines")
                .forEach(line -> linesPerPeriod.merge(line.get("period").asText(), 1, Integer::sum));
        String period = java.util.Collections.max(linesPerPeriod.entrySet(), Map.Entry.comparingByValue())
                .getKey();
        Map<String, String> tokenOf = new HashMap<>();
        for (String[] grant : List.of(
                new String[] {"tenant-1", "--tenant", "tenant-001"},
                new String[] {"finance", "--finance", null},
                new String[] {"account-2", "--account", "acct-002"})) {
            List<String> args = new ArrayList<>(settings);
            args.addAll(List.of("gateway", "tokens", "add", grant[0], grant[1]));
            if (grant[2] != null) {
                args.add(grant[2]);
            }
            CommandLineTest.Run added = CommandLineTest.Run.at(CommandLineTest.LIVE, args.toArray(String[]::new));
            assertThat(added.exitCode()).as(added.err()).isZero();
            tokenOf.put(grant[0], added.out().trim());
            READ_TOKENS.add(added.out().trim());
        }
        String tenant = tokenOf.get("tenant-1");
        // Tenant 1's subscriptions (from the entitlements the kill test loaded), and another tenant's.
        Set<String> ownSet = new java.util.LinkedHashSet<>();
        Set<String> foreignSet = new java.util.LinkedHashSet<>();
        List<String> entitlements = Files.readAllLines(dir.resolve("e.csv"));
        assertThat(entitlements.get(0)).startsWith("entitlement_id,subscription_id,billing_account_id,tenant_id,");
        for (String line : entitlements.subList(1, entitlements.size())) {
            String[] cells = line.split(",");
            (cells[3].equals("tenant-001") ? ownSet : foreignSet).add(cells[1]);
        }
        List<String> own = List.copyOf(ownSet);
        List<String> foreign = List.copyOf(foreignSet);
        assertThat(own).isNotEmpty();
        assertThat(foreign).isNotEmpty();
        // Another tenant's subscription in tenant 1's account, with usage newer than any of tenant 1's.
        Path shared = Files.writeString(
                dir.resolve("shared.csv"),
                entitlements.get(0) + "\ne-shared,sub-shared,acct-001,tenant-shared,app-9,standard,"
                        + "2020-01-01T00:00:00Z,\n");
        List<String> load = new ArrayList<>(settings);
        load.addAll(List.of("entitlements", "load", shared.toString()));
        CommandLineTest.Run loaded = CommandLineTest.Run.at(CommandLineTest.LIVE, load.toArray(String[]::new));
        assertThat(loaded.exitCode()).as(loaded.err()).isZero();
        Warehouse tables = new Warehouse(spark(), warehouse.toString());
        java.time.Instant start = io.meterlake.period.Period.parse(period).start();
        java.time.Instant newest = tables.read(Tables.USAGE_AGGREGATES_PROVISIONAL)
                .agg(org.apache.spark.sql.functions.max(Columns.UPDATED_AT))
                .first()
                .getTimestamp(0)
                .toInstant()
                .plus(Duration.ofHours(1));
        sharedWindow(tables, start, 5, newest, "usage-api-it");
        Awaitility.await("the read tokens reloaded")
                .atMost(Duration.ofSeconds(30))
                .until(() ->
                        usage(tenant, "/v1/usage/subscriptions/" + own.get(0)).statusCode() == 200);

        for (String subscription : own) {
            for (String window : List.of("period", "day")) {
                HttpResponse<String> answer = usage(
                        tenant, "/v1/usage/subscriptions/" + subscription + "?period=" + period + "&window=" + window);
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
                List<String> args = new ArrayList<>(settings);
                args.addAll(List.of(
                        "usage",
                        "--subscription",
                        subscription,
                        "--period",
                        period,
                        "--window",
                        window,
                        "--format",
                        "json"));
                CommandLineTest.Run cli = CommandLineTest.Run.at(CommandLineTest.LIVE, args.toArray(String[]::new));
                assertThat(cli.exitCode()).as(cli.err()).isZero();
                assertThat(JSON.readTree(answer.body())).isEqualTo(JSON.readTree(cli.out()));
            }
        }
        // Against the provisional table, to the last digit: each metric's event count, and a sum's quantity.
        JsonNode first = JSON.readTree(usage(tenant, "/v1/usage/subscriptions/" + own.get(0) + "?period=" + period)
                .body());
        Map<String, Row> provisional = new HashMap<>();
        for (Row row : tables.read(Tables.USAGE_AGGREGATES_PROVISIONAL)
                .where(col(Columns.SUBSCRIPTION_ID).equalTo(own.get(0)))
                .where(col(Columns.WINDOW_START)
                        .geq(java.sql.Timestamp.from(
                                io.meterlake.period.Period.parse(period).start())))
                .where(col(Columns.WINDOW_START)
                        .lt(java.sql.Timestamp.from(
                                io.meterlake.period.Period.parse(period).end())))
                .groupBy(Columns.METRIC)
                .agg(sum(Columns.EVENT_COUNT), sum(Columns.QUANTITY))
                .collectAsList()) {
            provisional.put(row.getString(0), row);
        }
        assertThat(first.get("values")).hasSize(provisional.size());
        assertThat(first.get("values").findValuesAsText("metric")).contains("functions.invocations");
        for (JsonNode value : first.get("values")) {
            Row row = provisional.get(value.get("metric").asText());
            assertThat(value.get("source").asText()).isEqualTo("provisional");
            assertThat(value.get("event_count").asLong()).isEqualTo(row.getLong(1));
            if (value.get("metric").asText().equals("functions.invocations")) {
                assertThat(value.get("quantity").asText())
                        .isEqualTo(io.meterlake.validation.Quantities.render(row.getDecimal(2)));
            }
        }

        // The page a browser gets (Accept: text/html) shows exactly the JSON's values, checked in a real browser.
        HttpResponse<String> page = HTTP.send(
                HttpRequest.newBuilder(URI.create(url + "/v1/usage/subscriptions/" + own.get(0) + "?period=" + period))
                        .header("Authorization", "Bearer " + tenant)
                        .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-store");
        List<List<String>> shown = new ArrayList<>();
        for (JsonNode value : first.get("values")) {
            shown.add(io.meterlake.batch.usage.UsagePage.COLUMNS.stream()
                    .map(column ->
                            value.get(column).isNull() ? "-" : value.get(column).asText())
                    .toList());
        }
        Path saved = Files.writeString(dir.resolve("usage.html"), page.body());
        try (io.meterlake.testing.HeadlessChromium browser = io.meterlake.testing.HeadlessChromium.start(dir)) {
            io.meterlake.testing.HeadlessChromium.Page view = browser.open(saved.toUri());
            assertThat(io.meterlake.testing.HeadlessChromium.tableText(view, "#usage"))
                    .isEqualTo(shown)
                    .isNotEmpty();
            assertThat(view.evaluate("document.getElementById('selection').innerText")
                            .asText())
                    .isEqualTo("subscription " + own.get(0));
            // How fresh: the JSON's as_of, in the words a person reads.
            assertThat(view.evaluate("document.getElementById('freshness').innerText")
                            .asText())
                    .contains("every event the broker had by "
                            + first.get("as_of").asText() + " is counted");
        }

        // Probes with tenant 1's token: whatever is not its own answers as what does not exist, the same body.
        String missing = usage(tenant, "/v1/usage/subscriptions/sub-nobody-has").body();
        for (String probe : List.of(
                "/v1/usage/subscriptions/" + foreign.get(0),
                "/v1/usage/subscriptions/sub-shared",
                "/v1/usage/subscriptions/" + own.get(0).toUpperCase(java.util.Locale.ROOT),
                "/v1/usage/subscriptions/" + own.get(0) + "x",
                "/v1/usage/subscriptions/" + own.get(0) + "/../" + foreign.get(0),
                "/v1/usage/subscriptions/%2A",
                "/v1/usage/subscriptions/",
                "/v1/usage/accounts/acct-002",
                "/v1/usage/accounts/acct-nobody-has",
                "/v1/usage/accounts/" + foreign.get(0),
                "/v1/usage/subscriptions/" + foreign.get(0) + "?period=" + period + "&window=hour")) {
            HttpResponse<String> answer = usage(tenant, probe);
            assertThat(answer.statusCode()).as(probe).isEqualTo(404);
            // {"status": 404, "error": "no such resource: <path>"}: only the path asked for differs.
            JsonNode body = JSON.readTree(answer.body());
            assertThat(body.size()).as(probe).isEqualTo(2);
            assertThat(body.get("error").asText().replaceFirst(": .*", ""))
                    .as(probe)
                    .isEqualTo(JSON.readTree(missing).get("error").asText().replaceFirst(": .*", ""));
        }
        // Tenant 1's account holds another tenant's subscription: tenant 1 sees its own part only; the finance
        // token sees it all. as_of is the stream's mark (how fresh the windows are), the same for both: the other
        // tenant's newer window does not show in it.
        JsonNode account = JSON.readTree(
                usage(tenant, "/v1/usage/accounts/acct-001?period=" + period).body());
        assertThat(account.get("values").findValuesAsText("subscription_id"))
                .isNotEmpty()
                .allMatch(own::contains);
        java.time.Instant mark = tables.visibleThrough()
                .orElseThrow(() -> new AssertionError("the stream wrote no mark of how fresh its windows are"));
        assertThat(account.get("as_of").asText()).isEqualTo(mark.toString()).isNotEqualTo(newest.toString());
        JsonNode whole = JSON.readTree(usage(tokenOf.get("finance"), "/v1/usage/accounts/acct-001?period=" + period)
                .body());
        assertThat(whole.get("values").findValuesAsText("subscription_id")).contains("sub-shared");
        assertThat(whole.get("as_of").asText()).isEqualTo(mark.toString());
        // The stream moves its mark while no window changes (an idle trigger): the kept answer is given as of it.
        java.time.Instant later = mark.plusSeconds(30);
        tables.markVisibleThrough(later);
        Awaitility.await("the stream's new mark given")
                .atMost(Duration.ofSeconds(30))
                .until(() -> JSON.readTree(usage(tenant, "/v1/usage/accounts/acct-001?period=" + period)
                                .body())
                        .get("as_of")
                        .asText()
                        .equals(later.toString()));
        assertThat(JSON.readTree(usage(tenant, "/v1/usage/accounts/acct-001?period=" + period)
                                .body())
                        .get("values"))
                .isEqualTo(account.get("values"));
        // The finance token reads any subscription; an account token its account's.
        assertThat(usage(tokenOf.get("finance"), "/v1/usage/subscriptions/" + foreign.get(0))
                        .statusCode())
                .isEqualTo(200);
        assertThat(usage(tokenOf.get("account-2"), "/v1/usage/accounts/acct-002?period=" + period + "&window=hour")
                        .statusCode())
                .isEqualTo(200);
        assertThat(usage(tokenOf.get("account-2"), "/v1/usage/subscriptions/" + own.get(0))
                        .statusCode())
                .isEqualTo(404);
        // Read and ingest tokens are apart: each is 401 at the other's door; bad parameters are a JSON 400.
        assertThat(usage(SERVICE_TOKEN, "/v1/usage/subscriptions/" + own.get(0)).statusCode())
                .isEqualTo(401);
        assertThat(usage(null, "/v1/usage/subscriptions/" + own.get(0)).statusCode())
                .isEqualTo(401);
        assertThat(post(tenant, "application/json", bytes("[" + event("read-1", "forge-functions") + "]"))
                        .statusCode())
                .isEqualTo(401);
        for (String bad : List.of("?period=2026-13", "?period=last", "?window=week")) {
            HttpResponse<String> answer = usage(tenant, "/v1/usage/subscriptions/" + own.get(0) + bad);
            assertThat(answer.statusCode()).as(bad).isEqualTo(400);
            assertThat(JSON.readTree(answer.body()).get("error").asText())
                    .as(bad)
                    .isNotBlank();
        }

        // The generated client reads it as well.
        io.meterlake.client.ApiClient client = new io.meterlake.client.ApiClient();
        client.updateBaseUri(url);
        client.setRequestInterceptor(request -> request.header("Authorization", "Bearer " + tenant));
        io.meterlake.client.model.Usage read =
                new io.meterlake.client.api.DefaultApi(client).subscriptionUsage(own.get(0), period, "period");
        assertThat(read.getValues()).hasSize(first.get("values").size());
        assertThat(read.getValues().get(0).getEventCount())
                .isEqualTo(first.get("values").get(0).get("event_count").asLong());

        // Every usage answer is counted by its status, beside its latency.
        assertThat(get("/metrics").body())
                .contains("meterlake_gateway_usage_requests_total{status=\"200\"}")
                .contains("meterlake_gateway_usage_requests_total{status=\"404\"}")
                .contains("meterlake_gateway_usage_latency_seconds_count");

        // A revoked read token is refused within seconds.
        List<String> revoke = new ArrayList<>(settings);
        revoke.addAll(List.of("gateway", "tokens", "revoke", "tenant-1"));
        assertThat(CommandLineTest.Run.at(CommandLineTest.LIVE, revoke.toArray(String[]::new))
                        .exitCode())
                .isZero();
        Awaitility.await("the revoked read token refused")
                .atMost(Duration.ofSeconds(30))
                .until(() ->
                        usage(tenant, "/v1/usage/subscriptions/" + own.get(0)).statusCode() == 401);
    }

    /** An hour's window of sub-shared's function invocations from {@code start} (events = quantity), appended once. */
    private void sharedWindow(
            Warehouse tables, java.time.Instant start, long quantity, java.time.Instant updated, String writer) {
        tables.appendIdempotent(
                spark().createDataFrame(
                                List.of(org.apache.spark.sql.RowFactory.create(
                                        "sub-shared",
                                        "e-shared",
                                        "acct-001",
                                        "functions.invocations",
                                        "count",
                                        java.sql.Timestamp.from(start),
                                        java.sql.Timestamp.from(start.plus(Duration.ofHours(1))),
                                        java.math.BigDecimal.valueOf(quantity),
                                        quantity,
                                        1L,
                                        java.sql.Timestamp.from(updated))),
                                Tables.PROVISIONAL),
                Tables.USAGE_AGGREGATES_PROVISIONAL,
                writer,
                1);
    }

    private static HttpResponse<String> usage(String token, String path) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path))
                .timeout(Duration.ofSeconds(30))
                .GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        synchronized (ANSWERS) {
            ANSWERS.append(response.body()).append('\n');
        }
        return response;
    }

    /**
     * {@code GET /v1/access}: the usage API's value for the month and the same {@code as_of}, against the limit that
     * applies (a subscription's own hard limit over its plan's), denied at the limit; a subscription the token may not
     * see is 404 as one that does not exist; a missing or unknown metric is 400.
     */
    @Test
    @Order(10)
    void checkAccessAgreesWithTheUsageApiAndDeniesAtAHardLimit() throws Exception {
        List<String> add = new ArrayList<>(settings);
        add.addAll(List.of("gateway", "tokens", "add", "access-checker", "--finance"));
        CommandLineTest.Run added = CommandLineTest.Run.at(CommandLineTest.LIVE, add.toArray(String[]::new));
        assertThat(added.exitCode()).as(added.err()).isZero();
        String finance = added.out().trim();
        READ_TOKENS.add(finance);
        add = new ArrayList<>(settings);
        add.addAll(List.of("gateway", "tokens", "add", "access-tenant", "--tenant", "tenant-001"));
        added = CommandLineTest.Run.at(CommandLineTest.LIVE, add.toArray(String[]::new));
        assertThat(added.exitCode()).as(added.err()).isZero();
        String tenant = added.out().trim();
        READ_TOKENS.add(tenant);
        // Usage of sub-shared (tenant-shared's, loaded by the usage test) in the month now is in.
        java.time.Instant hour = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.HOURS);
        sharedWindow(new Warehouse(spark(), dir.resolve("warehouse").toString()), hour, 7, hour, "access-it");
        // A soft limit per plan of the entitlements, and sub-shared's own hard one over its plan's.
        List<String[]> entitled = Files.readAllLines(dir.resolve("e.csv")).stream()
                .skip(1)
                .map(line -> line.split(","))
                .toList();
        StringBuilder csv = new StringBuilder(
                "limit_id,plan,subscription_id,metric,limit_amount,enforcement,thresholds,valid_from,valid_to\n");
        entitled.stream()
                .map(cells -> cells[5])
                .distinct()
                .forEach(plan -> csv.append("plan-calls-")
                        .append(plan)
                        .append(',')
                        .append(plan)
                        .append(",,functions.invocations,1000000,soft,80%,2020-01-01T00:00:00Z,\n"));
        csv.append("shared-calls,,sub-shared,functions.invocations,7,hard,50%;100%,2020-01-01T00:00:00Z,\n");
        Path limits = Files.writeString(dir.resolve("limits.csv"), csv);
        List<String> load = new ArrayList<>(settings);
        load.addAll(List.of("limits", "load", limits.toString()));
        CommandLineTest.Run loaded = CommandLineTest.Run.at(CommandLineTest.LIVE, load.toArray(String[]::new));
        assertThat(loaded.exitCode()).as(loaded.err()).isZero();
        String check = "/v1/access?subscription_id=sub-shared&metric=functions.invocations";
        Awaitility.await("the limits and the new window seen")
                .atMost(Duration.ofSeconds(30))
                .until(() -> JSON.readTree(usage(finance, check).body())
                                .path("limit_id")
                                .asText()
                                .equals("shared-calls")
                        && !JSON.readTree(usage(finance, check).body())
                                .path("allowed")
                                .asBoolean(true));

        JsonNode access = JSON.readTree(usage(finance, check).body());
        JsonNode month = JSON.readTree(
                usage(finance, "/v1/usage/subscriptions/sub-shared").body());
        assertThat(access.get("period").asText()).isEqualTo(month.get("period").asText());
        assertThat(access.get("as_of")).isEqualTo(month.get("as_of"));
        JsonNode calls = null;
        for (JsonNode value : month.get("values")) {
            calls = value.get("metric").asText().equals("functions.invocations") ? value : calls;
        }
        assertThat(calls).isNotNull();
        assertThat(access.get("used")).isEqualTo(calls.get("quantity"));
        assertThat(new java.math.BigDecimal(access.get("used").asText()))
                .isGreaterThanOrEqualTo(new java.math.BigDecimal("7"));
        assertThat(access.get("limit").asText()).isEqualTo("7.000000000");
        assertThat(access.get("enforcement").asText()).isEqualTo("hard");
        assertThat(access.get("remaining").asText()).isEqualTo("0.000000000");
        assertThat(access.get("source").asText()).isEqualTo("provisional");
        // Another metric of the same subscription: its plan's soft limit does not apply (another metric), none does.
        JsonNode reads = JSON.readTree(usage(finance, "/v1/access?subscription_id=sub-shared&metric=kvs.reads")
                .body());
        assertThat(reads.get("allowed").asBoolean()).isTrue();
        assertThat(reads.get("limit").isNull()).isTrue();
        // A tenant's own subscription: its plan's soft limit.
        String own = entitled.stream()
                .filter(cells -> cells[3].equals("tenant-001"))
                .map(cells -> cells[1])
                .findFirst()
                .orElseThrow();
        JsonNode plan =
                JSON.readTree(usage(tenant, "/v1/access?subscription_id=" + own + "&metric=functions.invocations")
                        .body());
        assertThat(plan.get("limit_id").asText()).startsWith("plan-calls-");
        assertThat(plan.get("enforcement").asText()).isEqualTo("soft");
        assertThat(plan.get("allowed").asBoolean()).isTrue();
        // What the token may not see answers as what does not exist.
        HttpResponse<String> foreign = usage(tenant, check);
        HttpResponse<String> missing =
                usage(tenant, "/v1/access?subscription_id=sub-nobody&metric=functions.invocations");
        assertThat(foreign.statusCode()).isEqualTo(404);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(foreign.body().replace("sub-shared", "X"))
                .isEqualTo(missing.body().replace("sub-nobody", "X"));
        assertThat(usage(finance, "/v1/access?subscription_id=sub-shared&metric=nope")
                        .statusCode())
                .isEqualTo(400);
        assertThat(usage(finance, "/v1/access?subscription_id=sub-shared").statusCode())
                .isEqualTo(400);
        assertThat(usage(null, check).statusCode()).isEqualTo(401);
    }

    @Test
    @Order(11)
    void noTokenAppearsInAnythingTheGatewayWroteOrAnswered() throws Exception {
        StringBuilder written = new StringBuilder(ANSWERS);
        try (var files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile)
                    .filter(f -> f.toString().endsWith(".log") || f.toString().endsWith(".out"))
                    .toList()) {
                written.append(Files.readString(file, StandardCharsets.ISO_8859_1));
            }
        }
        written.append(get("/metrics").body());
        assertThat(written.toString())
                .contains("gateway: listening on", "token 'exporter'")
                .doesNotContain(SERVICE_TOKEN, OTHER_TOKEN, lateToken)
                .doesNotContain(READ_TOKENS.toArray(String[]::new))
                .contains("gateway: tokens reloaded from " + tokens);
        // What POST /v1/events answered in this class: every status the document lists but 503 and 429 was
        // seen here (those two in the kill and the busy test).
        assertThat(STATUSES).containsAll(Gateway.EVENTS_STATUSES);
    }

    /** The limits, named once for the table. */
    private static final class EventBatchLimits {
        static final int BYTES = io.meterlake.gateway.EventBatch.MAX_BYTES;
    }

    private static String event(String id, String source) {
        return "{\"schema_version\":1,\"event_id\":\"" + id + "\",\"source\":\"" + source + "\",\"tenant_id\":\"acme\","
                + "\"app_id\":\"app-1\",\"metric\":\"functions.invocations\",\"quantity\":\"1\",\"unit\":\"count\","
                + "\"event_time\":\""
                + CommandLineTest.LIVE.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                + "\"}";
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static HttpResponse<String> post(String token, String contentType, byte[] body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + "/v1/events"))
                .timeout(Duration.ofMinutes(1))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        synchronized (ANSWERS) {
            ANSWERS.append(response.body()).append(response.headers().map()).append('\n');
            STATUSES.add(response.statusCode());
        }
        return response;
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create(url + path))
                        .timeout(Duration.ofSeconds(30))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        synchronized (ANSWERS) {
            ANSWERS.append(response.body()).append('\n');
        }
        return response;
    }

    /** A metric's value in GET /metrics (0 when absent). */
    private static double metric(String name) throws IOException, InterruptedException {
        for (String line : get("/metrics").body().split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        return 0;
    }

    /** Records on the topic: the sum of its partitions' end offsets. */
    private static long produced() {
        return broker.endOffsets(TOPIC).values().stream()
                .mapToLong(Long::longValue)
                .sum();
    }

    /** source/event_id of a payload, or the payload itself when it has no readable identity. */
    private static String identity(String payload) {
        String source = EventProducer.topLevelString(payload, "source");
        String id = EventProducer.topLevelString(payload, "event_id");
        return source == null || id == null ? payload : source + "/" + id;
    }

    private static Set<String> ids(Dataset<Row> raw) {
        Set<String> ids = new HashSet<>();
        for (Row row : raw.select(Columns.SOURCE, Columns.EVENT_ID).collectAsList()) {
            ids.add(row.getString(0) + "/" + row.getString(1));
        }
        return ids;
    }
}
