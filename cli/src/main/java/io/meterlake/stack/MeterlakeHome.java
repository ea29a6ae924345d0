package io.meterlake.stack;

import java.nio.file.Path;

/**
 * The Meterlake installation directory (where {@code bin/}, {@code conf/} and the built service jars
 * are): the system property {@code meterlake.home} set by {@code bin/meterlake}, else the environment
 * variable {@code METERLAKE_HOME}, else the working directory.
 */
public final class MeterlakeHome {
    private MeterlakeHome() {
    }

    public static Path path() {
        String home = System.getProperty("meterlake.home");
        if (home == null || home.isBlank()) {
            home = System.getenv("METERLAKE_HOME");
        }
        return Path.of(home == null || home.isBlank() ? "." : home).toAbsolutePath().normalize();
    }

    /** The broker's jars, copied by the {@code services/kafka} module. */
    public static Path kafkaLib() {
        return path().resolve("services").resolve("kafka").resolve("target").resolve("lib");
    }
}
