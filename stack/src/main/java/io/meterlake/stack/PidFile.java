package io.meterlake.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The pid file of a local service that outlives the command which started it. */
record PidFile(Path file) {
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    /** The process the file names, if it is alive. */
    Optional<ProcessHandle> process() {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return ProcessHandle.of(Long.parseLong(Files.readString(file).trim()))
                    .filter(ProcessHandle::isAlive);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Whether something accepts connections on {@code host:port} (a service's readiness probe). */
    static boolean listening(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Starts {@code mainClass} in a JVM of its own on this process' class path (log to {@code log}),
     * records its pid here and waits until it listens on {@code host:port}; {@code what} names it in errors.
     */
    void startJvm(
            String what,
            Path log,
            String host,
            int port,
            List<String> jvmOptions,
            String mainClass,
            List<String> args) {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        try {
            Files.createDirectories(file.getParent());
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
                    .start();
            write(process);
            Instant deadline = Instant.now().plus(START_TIMEOUT);
            while (!listening(host, port)) {
                if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                    process.destroyForcibly();
                    throw new IllegalStateException(what + " did not start on " + host + ":" + port + "; see " + log
                            + ": " + String.join(" | ", Files.readAllLines(log)));
                }
                Thread.sleep(100);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + what + " in " + file.getParent(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting " + what, e);
        }
    }

    void write(Process process) throws IOException {
        Files.writeString(file, Long.toString(process.pid()));
    }

    /** Stops the process (TERM, then KILL after 30 s) and removes the file. Returns whether one was running. */
    boolean stop() {
        Optional<ProcessHandle> process = process();
        if (process.isEmpty()) {
            return false;
        }
        ProcessHandle handle = process.get();
        handle.destroy();
        try {
            handle.onExit().get(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            handle.destroyForcibly();
            handle.onExit().join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a stale pid file is detected as such on the next start
        }
        return true;
    }
}
