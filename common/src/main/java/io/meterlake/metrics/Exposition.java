package io.meterlake.metrics;

import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;

/**
 * A registry of metrics and its exposition in Prometheus' text format: what every {@code GET /metrics} of
 * Meterlake serves (the gateway's, the delivery worker's, the stream's).
 */
public final class Exposition {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    /** Where the metrics register. */
    public PrometheusRegistry registry() {
        return registry;
    }

    public String contentType() {
        return writer.getContentType();
    }

    /** The exposition, as {@code GET /metrics} serves it. */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Serves {@code GET /metrics} at {@code host:port} (port 0: any free one) until the returned server stops. */
    public HttpServer serve(String host, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
        server.createContext("/metrics", exchange -> {
            byte[] body = scrape();
            exchange.getResponseHeaders().set("content-type", contentType());
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server;
    }
}
