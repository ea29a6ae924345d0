package io.meterlake.config;

import io.meterlake.catalog.MetricCatalog;
import io.meterlake.error.ContractErrors;
import io.meterlake.error.MeterlakeException;
import io.meterlake.output.Suggestions;
import io.meterlake.period.Durations;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;

/**
 * Resolves configuration once: code defaults, then {@code conf/meterlake.properties}, then each
 * {@code --conf-file}, then {@code --set} overrides (see {@link ConfigKeys} for the precedence).
 *
 * <p>Unknown keys and bad values are collected and reported together in one
 * {@link MeterlakeException}, so a user fixes a config file in one round trip.
 *
 * <p>The defaults directory is {@code conf/} of the installation: the system property
 * {@code meterlake.conf.dir} or the environment variable {@code METERLAKE_CONF_DIR} name it (the
 * launcher sets it). Without either, the copies of {@code conf/} packaged in the jar are used, so a
 * job under spark-submit starts from the same defaults.
 */
public final class ConfigLoader {
    /** The master URLs Spark accepts (its SparkMasterRegex, plus yarn, k8s:// and mesos://). */
    private static final java.util.regex.Pattern SPARK_MASTER = java.util.regex.Pattern.compile(
            "local|local\\[(\\*|[0-9]+)(,[0-9]+)?\\]|local-cluster\\[[0-9]+, *[0-9]+, *[0-9]+\\]"
                    + "|spark://[^\\s]+|yarn|k8s://[^\\s]+|mesos://[^\\s]+");

    static final String DEFAULTS_FILE = "meterlake.properties";
    static final String CATALOG_FILE = "metrics.json";
    static final String PACKAGED_CONF = "meterlake/conf/";

    private ConfigLoader() {}

    public static MeterlakeConfig load(List<Path> confFiles, Map<String, String> overrides) {
        return load(defaultConfDir(), confFiles, overrides);
    }

    public static MeterlakeConfig load(Optional<Path> confDir, List<Path> confFiles, Map<String, String> overrides) {
        List<String> errors = new ArrayList<>();
        Map<String, String> values = layered(confDir, confFiles, overrides, errors);
        String warehouse = warehouse(values, errors);
        Duration skew = duration(values, ConfigKeys.MAX_CLOCK_SKEW, errors);
        Duration age = duration(values, ConfigKeys.MAX_EVENT_AGE, errors);
        int partitions = positiveInt(values, ConfigKeys.SPARK_SHUFFLE_PARTITIONS, errors);
        String master = values.get(ConfigKeys.SPARK_MASTER).trim();
        if (!SPARK_MASTER.matcher(master).matches()) {
            errors.add(ConfigKeys.SPARK_MASTER + " '" + master + "' is not a Spark master URL: use local[*], local[N],"
                    + " spark://host:port, yarn or k8s://https://host:port");
        }
        MeterlakeConfig.Kafka kafka = kafka(values, errors);
        MeterlakeConfig.Stack stack = stack(values, errors);
        MeterlakeConfig.S3 s3 = s3(values, errors);
        MeterlakeConfig.Stream stream = new MeterlakeConfig.Stream(
                duration(values, ConfigKeys.STREAM_TRIGGER, errors),
                duration(values, ConfigKeys.STREAM_WATERMARK_DELAY, errors),
                duration(values, ConfigKeys.STREAM_WINDOW, errors),
                positiveInt(values, ConfigKeys.STREAM_MAX_OFFSETS_PER_TRIGGER, errors),
                stripTrailingSlash(values.get(ConfigKeys.STREAM_CHECKPOINT).trim()));
        Duration grace = duration(values, ConfigKeys.PUBLISH_GRACE, errors);
        Duration horizon = horizon(values, age, skew, errors);
        List<String> approvers = approvers(values, errors);
        MeterlakeConfig.Gateway gateway = gateway(values, errors);
        String endpoints = values.get(ConfigKeys.NOTIFICATIONS_ENDPOINTS_FILE).trim();
        if (endpoints.isEmpty()) {
            errors.add(ConfigKeys.NOTIFICATIONS_ENDPOINTS_FILE
                    + " must not be empty: name the file of webhook endpoints, e.g. ./.meterlake/webhook-endpoints");
        }
        MeterlakeConfig.Notifications notifications = new MeterlakeConfig.Notifications(
                endpoints,
                positiveInt(values, ConfigKeys.NOTIFICATIONS_MAX_ATTEMPTS, errors),
                duration(values, ConfigKeys.NOTIFICATIONS_FIRST_RETRY, errors));
        MetricCatalog catalog = catalog(values, confDir, horizon, errors);
        if (!errors.isEmpty()) {
            throw ContractErrors.configInvalid(errors);
        }
        return new MeterlakeConfig(
                warehouse,
                catalog,
                skew,
                age,
                master,
                partitions,
                kafka,
                stack,
                stream,
                grace,
                s3,
                horizon,
                approvers,
                gateway,
                notifications);
    }

    /** The defaults, then the installation's {@code meterlake.properties} (or the packaged one), the files, the --set values. */
    private static Map<String, String> layered(
            Optional<Path> confDir, List<Path> confFiles, Map<String, String> overrides, List<String> errors) {
        Map<String, String> values = new LinkedHashMap<>(ConfigKeys.defaults());
        if (confDir.isPresent()) {
            Path defaults = confDir.get().resolve(DEFAULTS_FILE);
            if (Files.isRegularFile(defaults)) {
                merge(values, ConfigFiles.properties(defaults), defaults.toString(), errors);
            }
        } else {
            try (InputStream in =
                    ConfigLoader.class.getClassLoader().getResourceAsStream(PACKAGED_CONF + DEFAULTS_FILE)) {
                if (in != null) {
                    Properties properties = new Properties();
                    properties.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
                    merge(values, properties, "packaged " + DEFAULTS_FILE, errors);
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the packaged defaults", e);
            }
        }
        for (Path file : confFiles) {
            if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
                errors.add("--conf-file " + file + " does not exist or is not readable");
                continue;
            }
            merge(values, ConfigFiles.properties(file), file.toString(), errors);
        }
        Properties sets = new Properties();
        sets.putAll(overrides);
        merge(values, sets, "--set", errors);
        return values;
    }

    private static String warehouse(Map<String, String> values, List<String> errors) {
        String warehouse = stripTrailingSlash(values.get(ConfigKeys.WAREHOUSE).trim());
        if (warehouse.isEmpty()) {
            errors.add(ConfigKeys.WAREHOUSE + " must not be empty");
        } else if (MeterlakeConfig.localDirectory(warehouse)
                .filter(Files::isRegularFile)
                .isPresent()) {
            errors.add("the warehouse " + warehouse + " is a file, not a directory: pass a directory with --warehouse"
                    + " (it is created if missing)");
        }
        return warehouse;
    }

    private static MeterlakeConfig.Kafka kafka(Map<String, String> values, List<String> errors) {
        String bootstrap = values.get(ConfigKeys.KAFKA_BOOTSTRAP_SERVERS).trim();
        if (!bootstrap.matches("[^,\\s]+:[0-9]+(,[^,\\s]+:[0-9]+)*")) {
            errors.add(
                    ConfigKeys.KAFKA_BOOTSTRAP_SERVERS + " must be host:port[,host:port...], got '" + bootstrap + "'");
        }
        String topic = values.get(ConfigKeys.KAFKA_TOPIC).trim();
        if (!topic.matches("[a-zA-Z0-9._-]{1,249}")) {
            errors.add(ConfigKeys.KAFKA_TOPIC + " must be a Kafka topic name (letters, digits, . _ -), got '" + topic
                    + "'");
        }
        return new MeterlakeConfig.Kafka(bootstrap, topic, positiveInt(values, ConfigKeys.KAFKA_PARTITIONS, errors));
    }

    private static MeterlakeConfig.Stack stack(Map<String, String> values, List<String> errors) {
        String stackDir = values.get(ConfigKeys.STACK_DIR).trim();
        if (stackDir.isEmpty()) {
            errors.add(ConfigKeys.STACK_DIR + " must not be empty");
        }
        return new MeterlakeConfig.Stack(
                stackDir,
                port(values, ConfigKeys.STACK_KAFKA_PORT, errors),
                port(values, ConfigKeys.STACK_KAFKA_CONTROLLER_PORT, errors),
                port(values, ConfigKeys.STACK_TRINO_PORT, errors),
                port(values, ConfigKeys.STACK_TENANT_SQL_PORT, errors),
                port(values, ConfigKeys.STACK_S3_PORT, errors));
    }

    private static MeterlakeConfig.S3 s3(Map<String, String> values, List<String> errors) {
        String s3Endpoint =
                stripTrailingSlash(values.get(ConfigKeys.S3_ENDPOINT).trim());
        if (!s3Endpoint.isEmpty() && !s3Endpoint.matches("https?://[^/\\s]+")) {
            errors.add(
                    ConfigKeys.S3_ENDPOINT + " must be http(s)://host[:port] or empty (AWS), got '" + s3Endpoint + "'");
        }
        String pathStyle = values.get(ConfigKeys.S3_PATH_STYLE_ACCESS).trim();
        if (!pathStyle.equals("true") && !pathStyle.equals("false")) {
            errors.add(ConfigKeys.S3_PATH_STYLE_ACCESS + " must be true or false, got '" + pathStyle + "'");
        }
        return new MeterlakeConfig.S3(
                s3Endpoint,
                values.get(ConfigKeys.S3_REGION).trim(),
                pathStyle.equals("true"),
                values.get(ConfigKeys.S3_CREDENTIAL_PROVIDERS).trim());
    }

    /** The dedup horizon: as set, else max event age plus max clock skew; whole seconds. */
    private static Duration horizon(Map<String, String> values, Duration age, Duration skew, List<String> errors) {
        Duration horizon = values.get(ConfigKeys.DEDUP_HORIZON).isBlank()
                ? (age == null || skew == null ? null : age.plus(skew))
                : duration(values, ConfigKeys.DEDUP_HORIZON, errors);
        if (horizon != null && horizon.getNano() != 0) {
            errors.add(ConfigKeys.DEDUP_HORIZON + " must be whole seconds (headers record it in seconds), got "
                    + values.get(ConfigKeys.DEDUP_HORIZON).trim());
        }
        return horizon;
    }

    private static List<String> approvers(Map<String, String> values, List<String> errors) {
        List<String> approvers = new ArrayList<>();
        for (String id : values.get(ConfigKeys.APPROVERS).split(",")) {
            if (id.isBlank()) {
                continue;
            }
            if (!id.trim().matches("[0-9a-f]{16}")) {
                errors.add(ConfigKeys.APPROVERS + " must list key ids (16 lower-case hex digits, as 'meterlake keys"
                        + " generate' prints them), got '" + id.trim() + "'");
            }
            approvers.add(id.trim());
        }
        return List.copyOf(approvers);
    }

    private static MeterlakeConfig.Gateway gateway(Map<String, String> values, List<String> errors) {
        String gatewayHost = values.get(ConfigKeys.GATEWAY_HOST).trim();
        if (gatewayHost.isEmpty()) {
            errors.add(
                    ConfigKeys.GATEWAY_HOST + " must not be empty (127.0.0.1 for this machine only, 0.0.0.0 for all)");
        }
        // 0: any free port (the gateway prints the one it listens on).
        int gatewayPort = "0".equals(values.get(ConfigKeys.GATEWAY_PORT).trim())
                ? 0
                : port(values, ConfigKeys.GATEWAY_PORT, errors);
        String tokensFile = values.get(ConfigKeys.GATEWAY_TOKENS_FILE).trim();
        if (tokensFile.isEmpty()) {
            errors.add(ConfigKeys.GATEWAY_TOKENS_FILE + " must not be empty: name the file of token hashes");
        }
        String readTokensFile = values.get(ConfigKeys.GATEWAY_READ_TOKENS_FILE).trim();
        if (readTokensFile.isEmpty() || readTokensFile.equals(tokensFile)) {
            errors.add(
                    ConfigKeys.GATEWAY_READ_TOKENS_FILE
                            + " must name a file of its own (read tokens are not ingest tokens), e.g. ./.meterlake/read-tokens");
        }
        return new MeterlakeConfig.Gateway(
                gatewayHost,
                gatewayPort,
                tokensFile,
                readTokensFile,
                duration(values, ConfigKeys.GATEWAY_ACK_TIMEOUT, errors),
                positiveInt(values, ConfigKeys.GATEWAY_MAX_CONCURRENT_REQUESTS, errors),
                positiveInt(values, ConfigKeys.GATEWAY_MAX_CONCURRENT_REQUESTS_PER_TOKEN, errors),
                duration(values, ConfigKeys.GATEWAY_BODY_TIMEOUT, errors));
    }

    /** The metric catalog; no metric may hold a level longer than the horizon the recompute reads. */
    private static MetricCatalog catalog(
            Map<String, String> values, Optional<Path> confDir, Duration horizon, List<String> errors) {
        MetricCatalog catalog = null;
        try {
            catalog = ConfigFiles.catalog(values.get(ConfigKeys.CATALOG_FILE).trim(), confDir);
        } catch (MeterlakeException e) {
            errors.add(e.getMessage());
        }
        if (catalog != null && horizon != null) {
            // The recompute reads max_hold before a period only within the span it reads: the horizon.
            for (io.meterlake.catalog.Metric metric : catalog.metrics()) {
                Duration hold = metric.parameters().maxHold();
                if (hold != null && hold.compareTo(horizon) > 0) {
                    errors.add("metric " + metric.name() + " holds a level for " + Durations.render(hold)
                            + " (max_hold),"
                            + " longer than " + ConfigKeys.DEDUP_HORIZON + " (" + Durations.render(horizon) + "): the"
                            + " recompute would not read the samples it carries into a period; shorten max_hold or"
                            + " lengthen the horizon");
                }
            }
        }
        return catalog;
    }

    /** The installation's {@code conf/} directory, if the launcher or the user named one. */
    public static Optional<Path> defaultConfDir() {
        String dir = System.getProperty("meterlake.conf.dir");
        if (dir == null || dir.isBlank()) {
            dir = System.getenv("METERLAKE_CONF_DIR");
        }
        return dir == null || dir.isBlank() ? Optional.empty() : Optional.of(Path.of(dir));
    }

    private static void merge(Map<String, String> values, Properties properties, String origin, List<String> errors) {
        for (String key : new TreeSet<>(properties.stringPropertyNames())) {
            if (!ConfigKeys.defaults().containsKey(key)) {
                String close = Suggestions.didYouMean(key, ConfigKeys.defaults().keySet());
                errors.add("unknown key '" + key + "' in " + origin
                        + (close.isEmpty() ? " (no key is close to it)" : close));
                continue;
            }
            values.put(key, properties.getProperty(key));
        }
    }

    private static Duration duration(Map<String, String> values, String key, List<String> errors) {
        String text = values.get(key).trim();
        Optional<Duration> duration = Durations.tryParse(text);
        if (duration.isEmpty()) {
            errors.add(key + " '" + text + "' is not a duration: " + Durations.SYNTAX);
            return null;
        }
        if (duration.get().isNegative() || duration.get().isZero()) {
            errors.add(key + " must be positive, got " + text);
        }
        return duration.get();
    }

    private static int positiveInt(Map<String, String> values, String key, List<String> errors) {
        String text = values.get(key).trim();
        try {
            int value = Integer.parseInt(text);
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        errors.add(key + " must be a positive whole number, got '" + text + "'");
        return 1;
    }

    private static int port(Map<String, String> values, String key, List<String> errors) {
        int port = positiveInt(values, key, errors);
        if (port > 65_535) {
            errors.add(key + " must be a port number up to 65535, got " + port);
        }
        return port;
    }

    private static String stripTrailingSlash(String path) {
        String result = path;
        while (result.length() > 1 && result.endsWith("/") && !result.endsWith("://")) {
            result = result.substring(0, result.length() - 1);
        }
        return result;
    }
}
