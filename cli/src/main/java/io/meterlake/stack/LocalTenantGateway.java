package io.meterlake.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The local stack's tenant front door ({@link TenantSqlGateway}) on 127.0.0.1, in a small JVM of its
 * own beside the local Trino; its pid file and log are under {@code <stack dir>/trino}.
 */
public final class LocalTenantGateway {
    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

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
        try {
            Files.createDirectories(dir);
            Path log = dir.resolve("tenant-gateway.log");
            Process process = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                            .toString(), "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                    TenantSqlGateway.class.getName(), "--port", Integer.toString(port),
                    "--trino", "http://" + HOST + ":" + trinoPort))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).start();
            pidFile().write(process);
            Instant deadline = Instant.now().plus(START_TIMEOUT);
            while (!PidFile.listening(HOST, port)) {
                if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                    process.destroyForcibly();
                    throw new IllegalStateException("the tenant front door did not start on " + HOST + ":" + port
                            + "; see " + log + ": " + String.join(" | ", Files.readAllLines(log)));
                }
                Thread.sleep(100);
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the tenant front door in " + dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the tenant front door", e);
        }
    }

    /** Stops the gateway; returns whether one was running. */
    public boolean stop() {
        return pidFile().stop();
    }
}
