package io.meterlake.stack;

import io.meterlake.error.MeterlakeException;
import java.nio.file.Path;

/**
 * Every message of the local services' launchers, with its fix, in one place (as Delta keeps its messages in
 * {@code DeltaErrors}): a port taken, a service not built, Trino's Java not found, a warehouse Trino cannot read.
 */
final class StackErrors {
    private StackErrors() {}

    /** A port that another program listens on; {@code settings} name the keys that move the service. */
    static MeterlakeException portInUse(int port, String host, String settings) {
        return MeterlakeException.badInput(
                "port " + port + " on " + host + " is already in use by another program",
                "stop it, or set " + settings + " to a free port");
    }

    /** A service whose files the build makes are missing; {@code module} is where the build makes them. */
    static MeterlakeException notBuilt(String what, Path where, String module, String note) {
        return MeterlakeException.badInput(
                what + " missing: " + where,
                "run 'mvn -DskipTests package" + (module.isEmpty() ? "" : " -pl " + module)
                        + "' in the Meterlake directory (" + note + ")");
    }

    static MeterlakeException notABucket(String bucket) {
        return MeterlakeException.badInput(
                "'" + bucket + "' is not an S3 bucket name",
                "use 3-63 lower-case letters, digits, dots and hyphens, e.g. s3a://meterlake/warehouse");
    }

    static MeterlakeException trinoJavaHomeWithoutJava(String configured, int minimum) {
        return MeterlakeException.badInput(
                "TRINO_JAVA_HOME=" + configured + " has no bin/java",
                "point it at a JDK of version " + minimum + " or later");
    }

    static MeterlakeException noJavaForTrino(int minimum) {
        return MeterlakeException.badInput(
                "Trino 476 needs Java " + minimum + " or later, and none was found under /usr/lib/jvm or /opt/java",
                "install one (e.g. Temurin 25) or set TRINO_JAVA_HOME to its directory");
    }

    static MeterlakeException warehouseTrinoCannotRead(String warehouse) {
        return MeterlakeException.badInput(
                "the local Trino reads local and s3a:// warehouses, not " + warehouse,
                "use a local directory or s3a://bucket/prefix as --warehouse");
    }

    static MeterlakeException missingTemplate(Path file) {
        return MeterlakeException.missingFile("Trino configuration template", file.toString());
    }
}
