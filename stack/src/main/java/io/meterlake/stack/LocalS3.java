package io.meterlake.stack;

import io.meterlake.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.security.alias.CredentialProvider;
import org.apache.hadoop.security.alias.CredentialProviderFactory;

/**
 * An S3-compatible server on 127.0.0.1: S3Proxy over a local directory (a bucket is a sub-directory),
 * from the jar that {@code services/s3proxy} copies out of Maven Central, in a process of its own.
 *
 * <p>State lives under {@code <stack dir>/s3}: {@code data/} (the buckets), {@code s3proxy.properties},
 * {@code s3proxy.log}, {@code s3proxy.pid} and {@code credentials.jceks}. The access key and secret
 * are generated on the first start and kept only in that Hadoop credential store and in the server's
 * own properties file (both readable by the owner alone); Spark finds the store through
 * {@link Storage}, and Trino gets the keys in its environment.
 */
public final class LocalS3 {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final String HOST = "127.0.0.1";

    private final Path dir;
    private final Path jar;
    private final int port;

    public LocalS3(Path stackDir, Path jar, int port) {
        this.dir = stackDir.toAbsolutePath().normalize().resolve("s3");
        this.jar = jar;
        this.port = port;
    }

    /** The access key and secret of the server. */
    public record Credentials(String accessKey, String secretKey) {
        @Override
        public String toString() {
            return "Credentials[accessKey=" + accessKey + ", secretKey=***]";
        }
    }

    public String endpoint() {
        return "http://" + HOST + ":" + port;
    }

    public Path dir() {
        return dir;
    }

    public Path credentialStore() {
        return dir.resolve("credentials.jceks");
    }

    public Optional<ProcessHandle> process() {
        return pidFile().process();
    }

    private PidFile pidFile() {
        return new PidFile(dir.resolve("s3proxy.pid"));
    }

    /** Starts the server unless it runs, then creates {@code bucket} if absent. Returns whether it started it. */
    public boolean start(String bucket) {
        if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            throw StackErrors.notABucket(bucket);
        }
        boolean started = false;
        try {
            Files.createDirectories(dir.resolve("data"));
            if (process().isEmpty()) {
                if (listening()) {
                    throw StackErrors.portInUse(port, HOST, "stack.s3-port and s3.endpoint");
                }
                launch();
                started = true;
            }
            // The filesystem backend: a bucket is a directory under data/.
            Files.createDirectories(dir.resolve("data").resolve(bucket));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the S3 server in " + dir, e);
        }
        return started;
    }

    public boolean stop() {
        return pidFile().stop();
    }

    /** The server's credentials, generated into the credential store on first use. */
    public Credentials credentials() throws IOException {
        Files.createDirectories(dir);
        CredentialProvider store = store();
        CredentialProvider.CredentialEntry access = store.getCredentialEntry(Storage.ACCESS_KEY);
        CredentialProvider.CredentialEntry secret = store.getCredentialEntry(Storage.SECRET_KEY);
        if (access != null && secret != null) {
            return new Credentials(new String(access.getCredential()), new String(secret.getCredential()));
        }
        SecureRandom random = new SecureRandom();
        Credentials credentials = new Credentials("meterlake-" + hex(random, 6), hex(random, 24));
        for (String alias : List.of(Storage.ACCESS_KEY, Storage.SECRET_KEY)) {
            if (store.getCredentialEntry(alias) != null) {
                store.deleteCredentialEntry(alias);
            }
        }
        store.createCredentialEntry(Storage.ACCESS_KEY, credentials.accessKey().toCharArray());
        store.createCredentialEntry(Storage.SECRET_KEY, credentials.secretKey().toCharArray());
        store.flush();
        ownerOnly(credentialStore());
        return credentials;
    }

    private CredentialProvider store() throws IOException {
        Configuration configuration = new Configuration(false);
        configuration.set(
                CredentialProviderFactory.CREDENTIAL_PROVIDER_PATH, Storage.credentialStoreUri(credentialStore()));
        return CredentialProviderFactory.getProviders(configuration).get(0);
    }

    private void launch() throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw StackErrors.notBuilt(
                    "the S3 server jar is", jar, "services/s3proxy", "bin/meterlake does this for --with-s3");
        }
        Credentials credentials = credentials();
        Path properties = dir.resolve("s3proxy.properties");
        Files.deleteIfExists(properties);
        Files.createFile(
                properties, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(
                properties,
                String.join(
                        "\n",
                        "# Written by 'meterlake stack start --with-s3' on each start; holds the server's secret.",
                        "s3proxy.endpoint=" + endpoint(),
                        "s3proxy.authorization=aws-v2-or-v4",
                        "s3proxy.identity=" + credentials.accessKey(),
                        "s3proxy.credential=" + credentials.secretKey(),
                        // Trino's S3 client sends headers S3Proxy does not know; without this its LIST fails.
                        "s3proxy.ignore-unknown-headers=true",
                        "jclouds.provider=filesystem",
                        "jclouds.filesystem.basedir=" + dir.resolve("data"),
                        ""),
                StandardCharsets.UTF_8);
        Path log = dir.resolve("s3proxy.log");
        Process process = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx256m",
                        "-jar",
                        jar.toString(),
                        "--properties",
                        properties.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        pidFile().write(process);
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (!listening()) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the S3 server exited while starting; see " + log);
            }
            if (Instant.now().isAfter(deadline)) {
                process.destroyForcibly();
                throw new IllegalStateException(
                        "the S3 server did not listen within " + START_TIMEOUT.toSeconds() + " s; see " + log);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private boolean listening() {
        return PidFile.listening(HOST, port);
    }

    private static void ownerOnly(Path file) throws IOException {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }

    private static String hex(SecureRandom random, int bytes) {
        byte[] value = new byte[bytes];
        random.nextBytes(value);
        return HexFormat.of().formatHex(value);
    }
}
