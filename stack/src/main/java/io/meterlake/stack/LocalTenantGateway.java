package io.meterlake.stack;

import io.meterlake.access.TenantSqlGateway;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * The local stack's tenant front door ({@link TenantSqlGateway}) on 127.0.0.1, in a small JVM of its
 * own beside the local Trino; its pid file and log are under {@code <stack dir>/trino}.
 */
public final class LocalTenantGateway {
    private static final String HOST = "127.0.0.1";

    private final Path dir;
    private final int port;
    private final int trinoPort;

    public LocalTenantGateway(Path stackDir, int port, int trinoPort) {
        this.dir = stackDir.toAbsolutePath().normalize().resolve("trino");
        this.port = port;
        this.trinoPort = trinoPort;
    }

    public int port() {
        return port;
    }

    public String jdbcUrl() {
        return LocalTrino.jdbcUrl(port);
    }

    /** A JDBC connection through the front door as tenant user {@code user} (the local stack believes the name). */
    public Connection connect(String user) throws SQLException {
        return LocalTrino.connect(port, user);
    }

    public Optional<ProcessHandle> process() {
        return pidFile().process();
    }

    private PidFile pidFile() {
        return new PidFile(dir.resolve("tenant-gateway.pid"));
    }

    /** Starts the gateway unless it runs; returns whether it started it. */
    public boolean start() {
        if (process().isPresent()) {
            return false;
        }
        pidFile()
                .startJvm(
                        "the tenant front door",
                        dir.resolve("tenant-gateway.log"),
                        HOST,
                        port,
                        List.of("-Xmx128m"),
                        TenantSqlGateway.class.getName(),
                        List.of("--port", Integer.toString(port), "--trino", "http://" + HOST + ":" + trinoPort));
        return true;
    }

    /** Stops the gateway; returns whether one was running. */
    public boolean stop() {
        return pidFile().stop();
    }
}
