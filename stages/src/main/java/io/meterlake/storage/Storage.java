package io.meterlake.storage;

import io.meterlake.config.MeterlakeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;

/**
 * Where the warehouse lives: a local directory, or an {@code s3a://bucket/prefix} in S3 or an
 * S3-compatible server. This class turns {@link MeterlakeConfig.S3} into the Hadoop settings of the
 * s3a connector. Credentials never pass through it in clear: they come from Hadoop credential
 * providers or the AWS chain (environment variables {@code AWS_ACCESS_KEY_ID} /
 * {@code AWS_SECRET_ACCESS_KEY}, then the instance role).
 *
 * <p>The local stack's server ({@code meterlake stack start --with-s3}) keeps its generated
 * credentials in a Hadoop credential store under the stack directory; that store is used only for
 * that server's endpoint and only when no other provider is configured.
 */
public final class Storage {
    /** Aliases of the s3a keys in a Hadoop credential store. */
    public static final String ACCESS_KEY = "fs.s3a.access.key";

    public static final String SECRET_KEY = "fs.s3a.secret.key";
    private static final String PROVIDER_PATH = "hadoop.security.credential.provider.path";

    private Storage() {}

    /** Whether {@code location} is in object storage rather than on a local or cluster file system. */
    public static boolean isS3(String location) {
        return location.startsWith("s3a://") || location.startsWith("s3://");
    }

    /** The bucket of an {@code s3a://bucket/...} location. */
    public static String bucket(String location) {
        String rest = location.substring(location.indexOf("://") + 3);
        int slash = rest.indexOf('/');
        return slash < 0 ? rest : rest.substring(0, slash);
    }

    /** The Hadoop settings (keys without Spark's {@code spark.hadoop.} prefix) that reach {@code config}'s S3. */
    public static Map<String, String> hadoopSettings(MeterlakeConfig config) {
        MeterlakeConfig.S3 s3 = config.s3();
        Map<String, String> settings = new LinkedHashMap<>();
        if (!s3.endpoint().isEmpty()) {
            settings.put("fs.s3a.endpoint", s3.endpoint());
            settings.put(
                    "fs.s3a.connection.ssl.enabled",
                    Boolean.toString(s3.endpoint().startsWith("https:")));
        }
        if (!s3.region().isEmpty()) {
            settings.put("fs.s3a.endpoint.region", s3.region());
        }
        settings.put("fs.s3a.path.style.access", Boolean.toString(s3.pathStyleAccess()));
        credentialProviders(config).ifPresent(path -> settings.put(PROVIDER_PATH, path));
        return settings;
    }

    /** A Hadoop configuration with {@link #hadoopSettings}. */
    public static Configuration hadoopConfiguration(MeterlakeConfig config) {
        Configuration configuration = new Configuration();
        hadoopSettings(config).forEach(configuration::set);
        return configuration;
    }

    /** The local stack's credential store (written by {@code stack start --with-s3}). */
    public static Path localStackCredentials(MeterlakeConfig config) {
        return Path.of(config.stack().dir())
                .toAbsolutePath()
                .normalize()
                .resolve("s3")
                .resolve("credentials.jceks");
    }

    /** The endpoint of the local stack's S3 server. */
    public static String localStackEndpoint(MeterlakeConfig config) {
        return "http://127.0.0.1:" + config.stack().s3Port();
    }

    /** A Hadoop URI of a credential store file. */
    public static String credentialStoreUri(Path store) {
        return "localjceks://file" + store.toAbsolutePath().normalize();
    }

    private static Optional<String> credentialProviders(MeterlakeConfig config) {
        if (!config.s3().credentialProviders().isEmpty()) {
            return Optional.of(config.s3().credentialProviders());
        }
        Path local = localStackCredentials(config);
        boolean localEndpoint = config.s3().endpoint().equals(localStackEndpoint(config))
                || config.s3()
                        .endpoint()
                        .equals("http://localhost:" + config.stack().s3Port());
        return localEndpoint && Files.isRegularFile(local) ? Optional.of(credentialStoreUri(local)) : Optional.empty();
    }
}
