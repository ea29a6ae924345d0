package io.meterlake.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** The Java that Trino runs on: a newer one than Meterlake's, found on the machine. */
final class TrinoJava {
    /** Trino 476 needs this feature version or later. */
    private static final int MINIMUM_JAVA = 24;

    private TrinoJava() {}

    /**
     * The JDK to run Trino on: {@code TRINO_JAVA_HOME}, else the newest JDK of version 24 or later
     * under {@code /usr/lib/jvm} or {@code /opt/java}.
     */
    static Path find() {
        String configured = System.getenv("TRINO_JAVA_HOME");
        if (configured != null && !configured.isBlank()) {
            Path java = Path.of(configured).resolve("bin").resolve("java");
            if (!Files.isExecutable(java)) {
                throw StackErrors.trinoJavaHomeWithoutJava(configured, MINIMUM_JAVA);
            }
            return java;
        }
        List<Path> candidates = new ArrayList<>();
        for (String root : List.of("/usr/lib/jvm", "/opt/java", "/usr/java")) {
            Path dir = Path.of(root);
            if (Files.isDirectory(dir)) {
                try (Stream<Path> jdks = Files.list(dir)) {
                    jdks.filter(jdk -> featureVersion(jdk) >= MINIMUM_JAVA).forEach(candidates::add);
                } catch (IOException e) {
                    // not readable: not a candidate
                }
            }
        }
        return candidates.stream()
                .max(Comparator.comparingInt(TrinoJava::featureVersion))
                .map(jdk -> jdk.resolve("bin").resolve("java"))
                .orElseThrow(() -> StackErrors.noJavaForTrino(MINIMUM_JAVA));
    }

    /** The feature version in a JDK's {@code release} file, or 0. */
    private static int featureVersion(Path jdk) {
        Path release = jdk.resolve("release");
        if (!Files.isRegularFile(release)
                || !Files.isExecutable(jdk.resolve("bin").resolve("java"))) {
            return 0;
        }
        try {
            for (String line : Files.readAllLines(release)) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String version = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                    return Integer.parseInt(version.split("[.+-]")[0]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
