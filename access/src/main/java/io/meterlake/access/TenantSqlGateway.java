package io.meterlake.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tenant front door to Trino: tenant users ({@code tenant_<id>}) send their SQL here, in Trino's
 * own client protocol (trino-jdbc, the Trino CLI and BI tools connect to it as to Trino), and it runs
 * on Trino only when it is a plain query ({@link TenantStatements}): no {@code EXPLAIN ANALYZE}, no
 * {@code EXPLAIN}, {@code SHOW} or {@code DESCRIBE}, no session properties, no prepared statements,
 * no transactions. A refused statement gets Trino's own error shape ("Access Denied: ...") and never
 * reaches Trino.
 *
 * <p>What it forwards: {@code POST /v1/statement} and the query's own {@code nextUri} polls and
 * cancels (only by the user that started the query), and {@code GET /v1/info}; nothing else (no web
 * UI, no {@code /v1/query}). Of the client's headers only catalog, schema, time zone, language, client
 * info and capabilities pass; the gateway sets the user and the source ({@value #SOURCE}). The
 * response URIs are rewritten to point back at the gateway.
 *
 * <p>Who the tenant is: on the local stack the gateway, like the local Trino, listens on 127.0.0.1 and
 * believes the user name a client claims. With {@link TrinoLogin} it logs in to a Trino that
 * requires passwords as its own service user and runs each query as the tenant (Trino's impersonation,
 * allowed by the access rules for that user only); tenants then have no Trino password at all, so
 * this door is their only one. Authenticating tenants themselves belongs to whatever fronts this
 * service (README, "Finance access").
 */
public final class TenantSqlGateway implements AutoCloseable {
    /** The source every query through the gateway carries; the resource groups admit tenant users only with it. */
    public static final String SOURCE = "meterlake-tenant-gateway";

    private static final String STATEMENT = "/v1/statement";
    private static final Pattern QUERY_PATH = Pattern.compile("/v1/statement/(?:queued|executing)/([^/]+)/.*");
    private static final Set<String> PASSED_HEADERS = Set.of(
            "x-trino-catalog",
            "x-trino-schema",
            "x-trino-time-zone",
            "x-trino-language",
            "x-trino-client-info",
            "x-trino-client-capabilities",
            "user-agent",
            "accept",
            "content-type");
    private static final List<String> URI_FIELDS = List.of("infoUri", "partialCancelUri", "nextUri");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The service user the gateway logs in to Trino as, with its password. */
    public record TrinoLogin(String user, String password) {
        @Override
        public String toString() {
            return "TrinoLogin[" + user + "]"; // never the password
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final HttpClient client;
    private final String trino;
    private final Optional<TrinoLogin> login;
    /** Running queries and the user that started each. */
    private final Map<String, String> owners = new ConcurrentHashMap<>();

    private TenantSqlGateway(
            HttpServer server, ExecutorService executor, HttpClient client, String trino, Optional<TrinoLogin> login) {
        this.server = server;
        this.executor = executor;
        this.client = client;
        this.trino = trino;
        this.login = login;
    }

    /**
     * Starts the gateway on {@code 127.0.0.1:port} in front of {@code trino} (e.g.
     * {@code http://127.0.0.1:18080}); {@code client} reaches it (its TLS settings, if https).
     */
    public static TenantSqlGateway start(int port, URI trino, HttpClient client, Optional<TrinoLogin> login)
            throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        ExecutorService executor = Executors.newFixedThreadPool(16, runnable -> {
            Thread thread = new Thread(runnable, "tenant-sql-gateway");
            thread.setDaemon(true);
            return thread;
        });
        String base = trino.toString().replaceAll("/+$", "");
        TenantSqlGateway gateway = new TenantSqlGateway(server, executor, client, base, login);
        server.createContext("/", gateway::handle);
        server.setExecutor(executor);
        server.start();
        return gateway;
    }

    /** A client for a Trino on plain HTTP. */
    public static HttpClient plainClient() {
        return HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) {
        try (exchange) {
            String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
            String path = exchange.getRequestURI().getRawPath();
            String user = Optional.ofNullable(exchange.getRequestHeaders().getFirst("X-Trino-User"))
                    .orElse("");
            byte[] body = readAll(exchange.getRequestBody());
            if (method.equals("GET") && path.equals("/v1/info")) {
                forward(exchange, "GET", path, body, null);
                return;
            }
            if (!isTenant(user)) {
                if (method.equals("POST") && path.equals(STATEMENT)) {
                    refuse(
                            exchange,
                            "Access Denied: the tenant front door serves tenant users (tenant_<tenant_id>)"
                                    + " only" + (user.isEmpty() ? "; name the user" : ", not '" + user + "'")
                                    + "; finance connects to Trino itself");
                } else {
                    plain(exchange, 403, "tenant users only");
                }
                return;
            }
            if (method.equals("POST") && path.equals(STATEMENT)) {
                Optional<String> refusal = TenantStatements.refusal(new String(body, StandardCharsets.UTF_8));
                if (refusal.isPresent()) {
                    refuse(exchange, refusal.get());
                } else {
                    forward(exchange, method, path, body, user);
                }
                return;
            }
            Matcher query = QUERY_PATH.matcher(path);
            if ((method.equals("GET") || method.equals("DELETE"))
                    && query.matches()
                    && user.equals(owners.get(query.group(1)))) {
                forward(exchange, method, path, body, user);
                if (method.equals("DELETE")) {
                    owners.remove(query.group(1)); // a cancelled query is forgotten, as a finished one
                }
                return;
            }
            plain(exchange, 404, "not found");
        } catch (IOException | RuntimeException e) {
            try {
                plain(exchange, 502, "the tenant front door could not reach Trino: " + e.getMessage());
            } catch (IOException | RuntimeException ignored) {
                // the client went away
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether {@code user} names a tenant user (Trino's rules decide whether it is one of the entitlements'). */
    public static boolean isTenant(String user) {
        return user.startsWith(TrinoAccessRules.TENANT_PREFIX);
    }

    /**
     * Runs the gateway of the local stack until the process is stopped: {@code --port N --trino URI}
     * (started by {@link LocalTenantGateway}).
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 4 || !args[0].equals("--port") || !args[2].equals("--trino")) {
            System.err.println("usage: TenantSqlGateway --port N --trino http://127.0.0.1:PORT");
            System.exit(2);
        }
        TenantSqlGateway gateway =
                start(Integer.parseInt(args[1]), URI.create(args[3]), plainClient(), Optional.empty());
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::close));
        System.out.println("tenant SQL gateway on 127.0.0.1:" + gateway.port() + " in front of " + args[3]);
        System.out.flush();
        Thread.currentThread().join();
    }

    private void forward(HttpExchange exchange, String method, String path, byte[] body, String user)
            throws IOException, InterruptedException {
        String rawQuery = exchange.getRequestURI().getRawQuery();
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create(trino + path + (rawQuery == null ? "" : "?" + rawQuery)))
                .timeout(Duration.ofMinutes(5))
                .method(
                        method,
                        body.length == 0 && !method.equals("POST")
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (PASSED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(value -> request.header(name, value));
            }
        });
        if (user != null) {
            request.header("X-Trino-User", user);
            request.header("X-Trino-Source", SOURCE);
        }
        login.ifPresent(service -> request.header(
                "Authorization",
                "Basic "
                        + Base64.getEncoder()
                                .encodeToString(
                                        (service.user() + ":" + service.password()).getBytes(StandardCharsets.UTF_8))));
        HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        byte[] answer = response.body();
        String contentType = response.headers().firstValue("Content-Type").orElse("");
        if (user != null && path.startsWith(STATEMENT) && contentType.contains("json")) {
            answer = rewrite(exchange, answer, user);
        }
        response.headers().map().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.startsWith("x-trino-") || lower.equals("content-type")) {
                exchange.getResponseHeaders().put(name, values);
            }
        });
        send(exchange, response.statusCode(), answer);
    }

    /** Points the response's URIs at the gateway and keeps track of whose query it is. */
    private byte[] rewrite(HttpExchange exchange, byte[] answer, String user) throws IOException {
        JsonNode results = JSON.readTree(answer);
        if (!(results instanceof ObjectNode) || !results.hasNonNull("id")) {
            return answer;
        }
        String id = results.get("id").textValue();
        if (results.hasNonNull("nextUri")) {
            owners.put(id, user);
        } else {
            owners.remove(id);
        }
        String text = new String(answer, StandardCharsets.UTF_8);
        String self = self(exchange);
        for (String field : URI_FIELDS) {
            // Trino writes compact JSON: the top-level field is the first occurrence of its key.
            text = text.replaceFirst(
                    Pattern.quote("\"" + field + "\":\"" + trino),
                    Matcher.quoteReplacement("\"" + field + "\":\"" + self));
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The gateway's own base URI, as the client reached it. */
    private String self(HttpExchange exchange) {
        String host = exchange.getRequestHeaders().getFirst("Host");
        return "http://" + (host == null || host.isBlank() ? "127.0.0.1:" + port() : host);
    }

    /** A failed query in Trino's response shape, so every Trino client reports {@code message} as the error. */
    private void refuse(HttpExchange exchange, String message) throws IOException {
        String id = "refused_" + UUID.randomUUID().toString().replace("-", "");
        ObjectNode results = JSON.createObjectNode();
        results.put("id", id);
        results.put("infoUri", self(exchange) + "/v1/refused/" + id);
        ObjectNode stats = results.putObject("stats");
        stats.put("state", "FAILED");
        stats.put("queued", false);
        stats.put("scheduled", false);
        for (String zero : List.of(
                "nodes",
                "totalSplits",
                "queuedSplits",
                "runningSplits",
                "completedSplits",
                "cpuTimeMillis",
                "wallTimeMillis",
                "queuedTimeMillis",
                "elapsedTimeMillis",
                "processedRows",
                "processedBytes",
                "physicalInputBytes",
                "physicalWrittenBytes",
                "peakMemoryBytes",
                "spilledBytes")) {
            stats.put(zero, 0);
        }
        ObjectNode error = results.putObject("error");
        error.put("message", message);
        error.put("errorCode", 4);
        error.put("errorName", "PERMISSION_DENIED");
        error.put("errorType", "USER_ERROR");
        ObjectNode failure = error.putObject("failureInfo");
        failure.put("type", "io.trino.spi.security.AccessDeniedException");
        failure.put("message", message);
        failure.putArray("suppressed");
        failure.putArray("stack");
        results.putArray("warnings");
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        send(exchange, 200, JSON.writeValueAsBytes(results));
    }

    private static void plain(HttpExchange exchange, int status, String message) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        send(exchange, status, (message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }
}
