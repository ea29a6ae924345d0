package io.meterlake.bench;

import io.meterlake.config.MeterlakeConfig;
import io.meterlake.gateway.Gateway;
import io.meterlake.gateway.Tokens;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The gateway as {@code bench usage-api} measures it: a JVM of its own, as {@code meterlake gateway} runs, so that
 * neither the benchmark's clients nor what its Spark left on the heap share the server's threads and collections.
 * Its clock is the parent's: {@code now} at start, moving with the real one. It prints {@code port N} once it
 * listens, and stops when its standard input closes.
 */
final class GatewayProcess implements AutoCloseable {
    private final Process process;
    private final int port;

    private GatewayProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts the gateway of {@code config} (its ingest tokens from the config's file) at {@code now}. */
    static GatewayProcess start(MeterlakeConfig config, Instant now, Path work) throws IOException {
        Path configFile = work.resolve("gateway-config.ser");
        try (ObjectOutputStream out = new ObjectOutputStream(Files.newOutputStream(configFile))) {
            out.writeObject(config);
        }
        Process process = new ProcessBuilder(ChildJvm.command(
                        List.of("-Duser.timezone=UTC"),
                        GatewayProcess.class,
                        configFile.toString(),
                        Long.toString(Duration.between(Instant.now(), now).toMillis())))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        BufferedReader said =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        for (String line = said.readLine(); line != null; line = said.readLine()) {
            if (line.startsWith("port ")) {
                return new GatewayProcess(process, Integer.parseInt(line.substring("port ".length())));
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("the gateway process ended before it listened");
    }

    int port() {
        return port;
    }

    @Override
    public void close() throws IOException {
        process.getOutputStream().close();
        try {
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** The child: {@code <serialized config> <clock offset ms>}. */
    public static void main(String[] args) throws Exception {
        MeterlakeConfig config;
        try (ObjectInputStream in = new ObjectInputStream(Files.newInputStream(Path.of(args[0])))) {
            config = (MeterlakeConfig) in.readObject();
        }
        Clock clock = Clock.offset(Clock.systemUTC(), Duration.ofMillis(Long.parseLong(args[1])));
        PrintWriter log = new PrintWriter(System.err, true);
        try (Gateway gateway =
                Gateway.start(config, Tokens.read(Path.of(config.gateway().tokensFile())), clock, log)) {
            System.out.println("port " + gateway.port());
            System.out.flush();
            while (System.in.read() >= 0) {
                // until the parent closes it
            }
        }
        System.exit(0);
    }
}
