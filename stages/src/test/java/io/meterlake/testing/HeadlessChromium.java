package io.meterlake.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real headless Chromium (Debian's {@code chromium} package, installed by {@link #ensureInstalled}
 * when missing and the tests run as root), driven over the Chrome DevTools Protocol with the JDK's
 * HTTP and WebSocket clients: open a page, evaluate JavaScript in it (what the page shows:
 * {@code innerText}, layout boxes, resource timings), take a screenshot.
 */
public final class HeadlessChromium implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();

    private HeadlessChromium(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Starts {@link #ensureInstalled} on a thread of its own, so that a fresh machine downloads the
     * browser while the tests before the first browser test run; {@link #start} then waits for it (and
     * reports its failure, if it failed).
     */
    public static void installInBackground() {
        if (Files.isExecutable(BINARY) || !"root".equals(System.getProperty("user.name"))) {
            return;
        }
        Thread install = new Thread(
                () -> {
                    try {
                        ensureInstalled();
                    } catch (RuntimeException e) {
                        // start() tries again and reports it.
                    }
                },
                "install-chromium");
        install.setDaemon(true);
        install.start();
    }

    /** Installs Debian's chromium if it is absent (apt-get, as root); fails naming the fix otherwise. */
    public static synchronized void ensureInstalled() {
        if (Files.isExecutable(BINARY)) {
            return;
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException(
                    BINARY + " is missing: install Debian's chromium (apt-get install chromium)");
        }
        if (run("apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium") != 0) {
            run("apt-get", "update", "-q");
            if (run("apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium") != 0) {
                throw new IllegalStateException("apt-get install chromium failed: see the test output");
            }
        }
    }

    private static int run(String... command) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
            builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process install = builder.start();
            if (!install.waitFor(15, TimeUnit.MINUTES)) {
                install.destroyForcibly();
                return -1;
            }
            return install.exitValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts a headless browser with a new empty profile under {@code dir}. */
    public static HeadlessChromium start(Path dir) throws IOException {
        ensureInstalled();
        Path profile = Files.createDirectories(dir.resolve("chromium-profile"));
        // The flags keep it off the network it has no business with (this machine's network is closed).
        Process process = new ProcessBuilder(
                        BINARY.toString(),
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-quic",
                        "--no-first-run",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--disable-extensions",
                        "--hide-scrollbars",
                        "--window-size=1280,1800",
                        "--user-data-dir=" + profile,
                        "--remote-debugging-port=0",
                        "--remote-allow-origins=*",
                        "about:blank")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("chromium.log").toFile())
                .start();
        Path active = profile.resolve("DevToolsActivePort");
        await().atMost(Duration.ofSeconds(60))
                .until(() -> !process.isAlive()
                        || Files.exists(active) && Files.readAllLines(active).size() >= 2);
        if (!process.isAlive()) {
            throw new IllegalStateException(
                    "chromium exited with " + process.exitValue() + ": see " + dir.resolve("chromium.log"));
        }
        return new HeadlessChromium(
                process, Integer.parseInt(Files.readAllLines(active).get(0).trim()));
    }

    /** Opens {@code url} in a new tab and waits until it has loaded. */
    public Page open(URI url) throws IOException, InterruptedException {
        HttpResponse<String> created = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/new?" + url))
                        .PUT(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (created.statusCode() != 200) {
            throw new IllegalStateException(
                    "chromium would not open " + url + ": " + created.statusCode() + " " + created.body());
        }
        String socket =
                JSON.readTree(created.body()).get("webSocketDebuggerUrl").textValue();
        Page.Listener listener = new Page.Listener();
        Page page = new Page(
                http.newWebSocketBuilder()
                        .buildAsync(URI.create(socket), listener)
                        .join(),
                listener);
        // A new tab is about:blank, complete at once, before it navigates: wait for the page itself.
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions() // the context of the blank page is gone while it navigates
                .until(() -> page.evaluate("document.readyState === 'complete' && location.href !== 'about:blank'")
                        .asBoolean());
        return page;
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One tab, over its DevTools WebSocket. */
    public static final class Page {
        private final WebSocket socket;
        private final Listener listener;
        private final AtomicInteger ids = new AtomicInteger();

        private Page(WebSocket socket, Listener listener) {
            this.socket = socket;
            this.listener = listener;
        }

        /** The value of a JavaScript expression in the page (by value: strings, numbers, arrays, objects). */
        public JsonNode evaluate(String expression) {
            ObjectNode params =
                    JSON.createObjectNode().put("expression", expression).put("returnByValue", true);
            JsonNode result = send("Runtime.evaluate", params);
            if (result.has("exceptionDetails")) {
                throw new IllegalStateException(
                        "the page threw on '" + expression + "': " + result.get("exceptionDetails"));
            }
            JsonNode value = result.get("result").get("value");
            return value == null ? JSON.nullNode() : value;
        }

        /** A PNG of the whole page. */
        public void screenshot(Path png) throws IOException {
            ObjectNode params = JSON.createObjectNode().put("format", "png").put("captureBeyondViewport", true);
            Files.write(
                    png,
                    Base64.getDecoder()
                            .decode(send("Page.captureScreenshot", params)
                                    .get("data")
                                    .textValue()));
        }

        private JsonNode send(String method, ObjectNode params) {
            int id = ids.incrementAndGet();
            CompletableFuture<JsonNode> reply = new CompletableFuture<>();
            listener.replies.put(id, reply);
            ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
            message.set("params", params);
            socket.sendText(message.toString(), true).join();
            JsonNode answer = reply.orTimeout(60, TimeUnit.SECONDS).join();
            if (answer.has("error")) {
                throw new IllegalStateException(method + " failed: " + answer.get("error"));
            }
            return answer.get("result");
        }

        /** Collects each reply (text frames may come in parts) and completes the call waiting for its id. */
        private static final class Listener implements WebSocket.Listener {
            private final Map<Integer, CompletableFuture<JsonNode>> replies = new ConcurrentHashMap<>();
            private final StringBuilder text = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    try {
                        JsonNode message = JSON.readTree(text.toString());
                        if (message.has("id")) {
                            CompletableFuture<JsonNode> reply =
                                    replies.remove(message.get("id").intValue());
                            if (reply != null) {
                                reply.complete(message);
                            }
                        }
                    } catch (IOException e) {
                        replies.values().forEach(reply -> reply.completeExceptionally(e));
                    }
                    text.setLength(0);
                }
                webSocket.request(1);
                return null;
            }
        }
    }

    /** The visible text of each cell of each row of the table {@code selector}, as the browser renders it. */
    public static List<List<String>> tableText(Page page, String selector) {
        JsonNode rows = page.evaluate("Array.from(document.querySelectorAll('" + selector + " tbody tr')).map(r =>"
                + " Array.from(r.cells).map(c => c.innerText.trim()))");
        List<List<String>> result = new java.util.ArrayList<>();
        rows.forEach(row -> {
            List<String> cells = new java.util.ArrayList<>();
            row.forEach(cell -> cells.add(cell.asText()));
            result.add(cells);
        });
        return result;
    }
}
