package io.meterlake.cli.options;

import com.sun.net.httpserver.HttpServer;
import io.meterlake.metrics.Exposition;
import java.io.IOException;
import picocli.CommandLine.Option;

/** {@code --metrics <host:port>}: where a command that runs until stopped serves Prometheus' {@code GET /metrics}. */
public final class MetricsOption {
    @Option(
            names = "--metrics",
            paramLabel = "<host:port>",
            description = "Serve Prometheus metrics at http://<host:port>/metrics (port 0: any free one, printed).")
    String address;

    /** Refuses an address that is not {@code host:port} (one line, exit 2): call it before anything starts. */
    public void check() {
        if (address != null) {
            port();
        }
    }

    /** Serves {@code exposition} at the address; null (nothing served) without {@code --metrics}. The caller stops it. */
    public HttpServer serve(Exposition exposition) {
        if (address == null) {
            return null;
        }
        int port = port();
        String host = address.substring(0, address.lastIndexOf(':'));
        HttpServer server;
        try {
            server = exposition.serve(host, port);
        } catch (IOException e) {
            throw CliErrors.metricsNotServed(address, String.valueOf(e.getMessage()));
        }
        return server;
    }

    /** Where {@code server} (from {@link #serve}) answers, to print: "metrics at http://host:port/metrics". */
    public String where(HttpServer server) {
        return "metrics at http://" + address.substring(0, address.lastIndexOf(':')) + ":"
                + server.getAddress().getPort() + "/metrics";
    }

    private int port() {
        int colon = address.lastIndexOf(':');
        try {
            int port = colon < 0 ? -1 : Integer.parseInt(address.substring(colon + 1));
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw CliErrors.badMetricsAddress(address);
    }
}
