package io.meterlake.stack;

import java.nio.file.Path;

/**
 * The Meterlake installation directory (where {@code bin/}, {@code conf/} and the built service jars
 * are): the system property {@code meterlake.home} set by {@code bin/meterlake}, else the environment
 * variable {@code METERLAKE_HOME}, else the working directory.
 */
public final class MeterlakeHome {
    private MeterlakeHome() {}

    public static Path path() {
        String home = System.getProperty("meterlake.home");
        if (home == null || home.isBlank()) {
            home = System.getenv("METERLAKE_HOME");
        }
        return Path.of(home == null || home.isBlank() ? "." : home)
                .toAbsolutePath()
                .normalize();
    }

    /** The Trino server, unpacked by the {@code services/trino} module. */
    public static Path trinoServer() {
        return path().resolve("services").resolve("trino").resolve("target").resolve("trino-server-476");
    }

    /** The Trino configuration templates: {@code trino/} in the conf directory. */
    public static Path trinoTemplates() {
        String conf = System.getProperty("meterlake.conf.dir");
        return (conf == null || conf.isBlank() ? path().resolve("conf") : Path.of(conf)).resolve("trino");
    }

    /** The S3-compatible server's jar, copied by the {@code services/s3proxy} module. */
    public static Path s3ProxyJar() {
        return path().resolve("services").resolve("s3proxy").resolve("target").resolve("s3proxy.jar");
    }

    /** The broker's jars, copied by the {@code services/kafka} module. */
    public static Path kafkaLib() {
        return path().resolve("services").resolve("kafka").resolve("target").resolve("lib");
    }
}
