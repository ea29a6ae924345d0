package io.meterlake.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON file a benchmark leaves behind: what ran, on what machine, with which figures. */
final class BenchResults {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private BenchResults() {}

    /** This machine, as the results describe it. */
    static Map<String, Object> machine() {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        long memory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        machine.put("memory_gib", Math.round(memory / (1024.0 * 1024 * 1024)));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        return machine;
    }

    /** Writes {@code <dir>/<name>-<date>.json} and returns its path. */
    static Path write(
            Path dir,
            String name,
            Instant finished,
            Map<String, Object> parameters,
            List<Map<String, Object>> rows,
            Map<String, Object> extra) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("benchmark", name);
        document.put("finished_at", finished.toString());
        document.put("machine", machine());
        document.put("parameters", parameters);
        document.put("results", rows);
        document.putAll(extra);
        Path file = dir.resolve(name + "-" + LocalDate.ofInstant(finished, ZoneOffset.UTC) + ".json");
        try {
            Files.createDirectories(dir);
            JSON.writeValue(file.toFile(), document);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }
}
