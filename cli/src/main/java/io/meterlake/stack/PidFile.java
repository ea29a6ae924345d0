package io.meterlake.stack;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The pid file of a local service that outlives the command which started it. */
record PidFile(Path file) {
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    /** The process the file names, if it is alive. */
    Optional<ProcessHandle> process() {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return ProcessHandle.of(Long.parseLong(Files.readString(file).trim())).filter(ProcessHandle::isAlive);
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
