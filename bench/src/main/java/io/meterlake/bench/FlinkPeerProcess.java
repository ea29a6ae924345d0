package io.meterlake.bench;

import io.meterlake.stack.MeterlakeHome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Flink peer ({@code bench/flink}, its own JVM: it brings kafka-clients 4.x) over the topic
 * and returns the time its job took from submission to the end of the bounded input, as it reports it.
 */
final class FlinkPeerProcess {
    private static final Duration TIMEOUT = Duration.ofMinutes(30);

    private FlinkPeerProcess() {}

    static Duration run(String bootstrapServers, String topic, Path work) throws IOException, InterruptedException {
        Path target = MeterlakeHome.path().resolve("bench").resolve("flink").resolve("target");
        Path jar = target.resolve("meterlake-bench-flink.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the Flink peer is not built: " + jar
                    + " (mvn -DskipTests package -pl bench/flink; bin/meterlake bench does it)");
        }
        Files.createDirectories(work);
        Path log = work.resolve("flink.log");
        Process process = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx3g",
                        "-cp",
                        jar + ":" + target.resolve("lib") + "/*",
                        "io.meterlake.bench.flink.FlinkPeer",
                        bootstrapServers,
                        topic,
                        work.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!process.waitFor(TIMEOUT.toMinutes(), TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("the Flink peer did not finish within " + TIMEOUT + "; see " + log);
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        String seconds = lines.stream()
                .filter(line -> line.startsWith("seconds="))
                .reduce((a, b) -> b)
                .orElse(null);
        if (process.exitValue() != 0 || seconds == null) {
            throw new IllegalStateException("the Flink peer failed (exit " + process.exitValue() + "); see " + log
                    + ": " + String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size())));
        }
        return Duration.ofMillis(Math.round(Double.parseDouble(seconds.substring("seconds=".length())) * 1000));
    }
}
