package io.meterlake.bench;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;

/**
 * HTTP clients as {@code bench usage-api} runs them: a JVM of their own (as a service's clients are not the
 * server's, nor the benchmark's, whose heap holds what its Spark left). Sends the requests of a file ({@code <url>
 * <bearer token>} per line, in order, cycled) at a fixed rate from some clients, each latency counted from when its
 * request was due (a slow answer delays the ones behind it, and they count it), and writes the latencies in
 * nanoseconds. Any status but 200 fails the run.
 */
final class LoadProcess {
    private LoadProcess() {}

    /**
     * The requests at {@code rate} per second from {@code clients}: {@code warm} seconds to warm up (the server's
     * and the clients' code), then {@code seconds}; the latencies of those.
     */
    static long[] run(List<String> requests, int rate, int warm, int seconds, int clients, Path work)
            throws IOException, InterruptedException {
        Path in = Files.createTempFile(work, "load-", ".requests");
        Path out = Files.createTempFile(work, "load-", ".latencies");
        try {
            Files.write(in, requests, StandardCharsets.UTF_8);
            Process process = new ProcessBuilder(ChildJvm.command(
                            List.of(),
                            LoadProcess.class,
                            in.toString(),
                            Integer.toString(rate),
                            Integer.toString(warm),
                            Integer.toString(seconds),
                            Integer.toString(clients),
                            out.toString()))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            int exit = process.waitFor();
            if (exit != 0) {
                throw new IllegalStateException("the load clients failed (exit " + exit + "), see above");
            }
            try (DataInputStream latencies = new DataInputStream(Files.newInputStream(out))) {
                long[] read = new long[latencies.readInt()];
                for (int i = 0; i < read.length; i++) {
                    read[i] = latencies.readLong();
                }
                return read;
            }
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
        }
    }

    /** The child: {@code <requests file> <rate> <warm-up seconds> <seconds> <clients> <latencies file>}. */
    public static void main(String[] args) throws Exception {
        List<HttpRequest> requests = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8)) {
            String[] parts = line.split(" ", 2);
            HttpRequest.Builder request =
                    HttpRequest.newBuilder(URI.create(parts[0])).GET();
            if (parts.length > 1) {
                request.header("Authorization", "Bearer " + parts[1]);
            }
            requests.add(request.build());
        }
        int rate = Integer.parseInt(args[1]);
        int clients = Integer.parseInt(args[4]);
        load(requests, rate, Integer.parseInt(args[2]), clients);
        long[] latencies = load(requests, rate, Integer.parseInt(args[3]), clients);
        try (DataOutputStream out =
                new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(Path.of(args[5]))))) {
            out.writeInt(latencies.length);
            for (long latency : latencies) {
                out.writeLong(latency);
            }
        }
        System.exit(0);
    }

    private static long[] load(List<HttpRequest> requests, int rate, int seconds, int clients) throws Exception {
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        int total = rate * seconds;
        long[] latencies = new long[total];
        long interval = 1_000_000_000L / rate;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            long start = System.nanoTime() + 50_000_000L;
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                running.add(pool.submit(() -> {
                    for (int i = client; i < total; i += clients) {
                        long due = start + i * interval;
                        LockSupport.parkNanos(due - System.nanoTime());
                        HttpRequest request = requests.get(i % requests.size());
                        HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
                        latencies[i] = System.nanoTime() - due;
                        if (response.statusCode() != 200) {
                            throw new IllegalStateException(
                                    request.uri().getPath() + " answered " + response.statusCode());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> client : running) {
                client.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return latencies;
    }
}
