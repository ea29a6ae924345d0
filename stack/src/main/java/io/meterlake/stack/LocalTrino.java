package io.meterlake.stack;

import io.meterlake.access.TrinoAccessRules;
import io.meterlake.access.TrinoServer;
import io.meterlake.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * A single-node Trino server on 127.0.0.1 over the warehouse's Delta tables, run from the server that
 * {@code services/trino} unpacks from Maven Central, on a Java 24+ JDK, in a process of its own.
 *
 * <p>State lives under {@code <stack dir>/trino}: the {@code etc/} directory written from the
 * templates in {@code conf/trino/} (catalog {@value #CATALOG} with a file metastore in
 * {@code metastore/}, file-based access rules in {@code etc/rules.json}), the server's data and log
 * ({@code var/log/server.log}) and {@code server.pid}.
 */
public final class LocalTrino implements TrinoServer {
    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

    private final Path dir;
    private final Path serverDir;
    private final Path templates;
    private final int port;
    private final Optional<PasswordAuthentication> authentication;

    /** {@code templates}: the {@code conf/trino} directory. */
    public LocalTrino(Path stackDir, Path serverDir, Path templates, int port) {
        this(stackDir.toAbsolutePath().normalize().resolve("trino"), serverDir, templates, port, Optional.empty());
    }

    private LocalTrino(
            Path dir, Path serverDir, Path templates, int port, Optional<PasswordAuthentication> authentication) {
        this.dir = dir;
        this.serverDir = serverDir;
        this.templates = templates;
        this.port = port;
        this.authentication = authentication;
    }

    /**
     * Password authentication over HTTPS, as production runs it (plain HTTP trusts the user name a
     * client claims): clients connect to {@code httpsPort} with a user and password from the bcrypt
     * {@code passwordFile} ({@code user:$2y$...} lines); the server's certificate is in {@code keystore}.
     */
    public record PasswordAuthentication(
            int httpsPort, Path keystore, String keystorePassword, Path passwordFile, String sharedSecret) {}

    /** The same server with password authentication over HTTPS. */
    public LocalTrino withPasswordAuthentication(PasswordAuthentication settings) {
        return new LocalTrino(dir, serverDir, templates, port, Optional.of(settings));
    }

    public int port() {
        return port;
    }

    public Path dir() {
        return dir;
    }

    @Override
    public Path rulesFile() {
        return dir.resolve("etc").resolve("rules.json");
    }

    @Override
    public String jdbcUrl() {
        return jdbcUrl(port);
    }

    /** The JDBC URL of catalog {@value #CATALOG}, schema {@value #SCHEMA} on 127.0.0.1:{@code port} (Trino or the tenant front door). */
    static String jdbcUrl(int port) {
        return "jdbc:trino://" + HOST + ":" + port + "/" + CATALOG + "/" + SCHEMA;
    }

    /** A JDBC connection as {@code user} (plain HTTP: the server trusts the name). */
    @Override
    public Connection connect(String user) throws SQLException {
        return connect(port, user);
    }

    /** A JDBC connection to {@link #jdbcUrl(int)} as {@code user}. */
    static Connection connect(int port, String user) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        return DriverManager.getConnection(jdbcUrl(port), properties);
    }

    /** The server's process, if its pid file names a live one. */
    public Optional<ProcessHandle> process() {
        return pidFile().process();
    }

    private PidFile pidFile() {
        return new PidFile(dir.resolve("server.pid"));
    }

    /**
     * How Trino reaches an s3a:// warehouse (its native S3 file system).
     *
     * @param credentials the access key and secret, passed in the server's environment; empty leaves the
     *                    server the AWS chain of its own environment
     */
    public record ObjectStore(
            String endpoint, String region, boolean pathStyleAccess, Optional<LocalS3.Credentials> credentials) {}

    /** Starts the server over a local {@code warehouse}; see {@link #start(String, Optional)}. */
    public boolean start(String warehouse) {
        return start(warehouse, Optional.empty());
    }

    /**
     * Starts the server over {@code warehouse} unless it runs; returns whether it started it. The
     * access rules start with the admin and finance users only ({@link TrinoAccessRules}).
     * {@code objectStore} is required for s3a:// warehouses.
     */
    public boolean start(String warehouse, Optional<ObjectStore> objectStore) {
        if (process().isPresent()) {
            return false;
        }
        if (Storage.isS3(warehouse) && objectStore.isEmpty()) {
            throw new IllegalArgumentException("an s3a:// warehouse needs the object store settings");
        }
        if (warehouse.contains("://") && !warehouse.startsWith("file:") && !Storage.isS3(warehouse)) {
            throw StackErrors.warehouseTrinoCannotRead(warehouse);
        }
        Path launcher = serverDir.resolve("lib");
        if (!Files.isDirectory(launcher)
                || !Files.isDirectory(serverDir.resolve("plugin").resolve("delta-lake"))) {
            throw StackErrors.notBuilt(
                    "the Trino server is",
                    serverDir,
                    "services/trino",
                    "bin/meterlake does this for --with-trino; it downloads ~820 MB once");
        }
        Path java = TrinoJava.find();
        try {
            writeEtc(Storage.isS3(warehouse) ? objectStore : Optional.empty());
            if (!Files.exists(rulesFile())) {
                Files.writeString(rulesFile(), TrinoAccessRules.json(List.of()), StandardCharsets.UTF_8);
            }
            Path plugin = dir.resolve("plugin");
            Files.deleteIfExists(plugin);
            Files.createSymbolicLink(plugin, serverDir.resolve("plugin"));
            Path log = dir.resolve("var").resolve("log").resolve("server.log");
            Files.createDirectories(log.getParent());
            Files.deleteIfExists(log);
            List<String> command = new ArrayList<>();
            command.add(java.toString());
            command.addAll(Files.readAllLines(dir.resolve("etc").resolve("jvm.config")).stream()
                    .map(String::trim)
                    .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                    .toList());
            command.addAll(Files.readAllLines(dir.resolve("etc").resolve("node.properties")).stream()
                    .map(String::trim)
                    .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                    .map(line -> "-D" + line)
                    .toList());
            command.addAll(List.of(
                    "-cp",
                    serverDir.resolve("lib") + "/*",
                    "-Dnode.data-dir=" + dir,
                    "-Dconfig=" + dir.resolve("etc").resolve("config.properties"),
                    "-Dlog.levels-file=" + dir.resolve("etc").resolve("log.properties"),
                    "-Dlog.output-file=" + log,
                    "-Dlog.enable-console=false",
                    "io.trino.server.TrinoServer"));
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            dir.resolve("launcher.log").toFile()));
            objectStore.flatMap(ObjectStore::credentials).ifPresent(credentials -> {
                builder.environment().put("AWS_ACCESS_KEY_ID", credentials.accessKey());
                builder.environment().put("AWS_SECRET_ACCESS_KEY", credentials.secretKey());
            });
            Process process = builder.start();
            pidFile().write(process);
            awaitReady(process, log);
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Trino in " + dir, e);
        }
    }

    /** Stops the server (TERM, then KILL after a timeout). Returns whether one was running. */
    public boolean stop() {
        return pidFile().stop();
    }

    private void writeEtc(Optional<ObjectStore> objectStore) throws IOException {
        Path etc = dir.resolve("etc");
        Files.createDirectories(etc.resolve("catalog"));
        Path metastore = dir.resolve("metastore");
        Files.createDirectories(metastore);
        Map<String, String> values = Map.of(
                "port",
                Integer.toString(port),
                "metastore_dir",
                metastore.toString(),
                "rules_file",
                rulesFile().toString(),
                "resource_groups_file",
                etc.resolve("resource-groups.json").toString());
        // Tenant users run no EXPLAIN and no SHOW/DESCRIBE (query types EXPLAIN, DESCRIBE): plans and
        // statistics are computed over every tenant's rows, which row filters do not reach.
        for (String name : List.of(
                "config.properties",
                "jvm.config",
                "node.properties",
                "log.properties",
                "access-control.properties",
                "resource-groups.properties",
                "resource-groups.json")) {
            Files.writeString(etc.resolve(name), fill(template(name), values), StandardCharsets.UTF_8);
        }
        StringBuilder catalog = new StringBuilder(fill(template(CATALOG + ".properties"), values));
        if (objectStore.isPresent()) {
            ObjectStore s3 = objectStore.get();
            // Keys come from the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), never this file.
            catalog.append("\n# Written by 'meterlake stack start': the warehouse is in S3.\n")
                    .append("fs.native-s3.enabled=true\n")
                    .append("s3.region=")
                    .append(s3.region().isEmpty() ? "us-east-1" : s3.region())
                    .append('\n')
                    .append("s3.path-style-access=")
                    .append(s3.pathStyleAccess())
                    .append('\n');
            if (!s3.endpoint().isEmpty()) {
                catalog.append("s3.endpoint=").append(s3.endpoint()).append('\n');
            }
        }
        Files.writeString(etc.resolve("catalog").resolve(CATALOG + ".properties"), catalog, StandardCharsets.UTF_8);
        Path passwordAuthenticator = etc.resolve("password-authenticator.properties");
        Files.deleteIfExists(passwordAuthenticator);
        if (authentication.isPresent()) {
            PasswordAuthentication settings = authentication.get();
            Files.writeString(
                    etc.resolve("config.properties"),
                    String.join(
                            "\n",
                            "",
                            "http-server.https.enabled=true",
                            "http-server.https.port=" + settings.httpsPort(),
                            "http-server.https.keystore.path="
                                    + settings.keystore().toAbsolutePath(),
                            "http-server.https.keystore.key=" + settings.keystorePassword(),
                            "http-server.authentication.type=PASSWORD",
                            "internal-communication.shared-secret=" + settings.sharedSecret(),
                            ""),
                    StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.APPEND);
            Files.writeString(
                    passwordAuthenticator,
                    "password-authenticator.name=file\nfile.password-file="
                            + settings.passwordFile().toAbsolutePath() + "\n",
                    StandardCharsets.UTF_8);
        }
    }

    private String template(String name) throws IOException {
        Path file = templates.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw StackErrors.missingTemplate(file);
        }
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    private static String fill(String template, Map<String, String> values) {
        String result = template;
        for (Map.Entry<String, String> value : values.entrySet()) {
            result = result.replace("${" + value.getKey() + "}", value.getValue());
        }
        return result;
    }

    /** Waits for "SERVER STARTED" in the log, then for the node to answer a query over the catalog. */
    private void awaitReady(Process process, Path log) {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        boolean started = false;
        SQLException last = null;
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Trino exited while starting; see " + log + " and "
                        + dir.resolve("launcher.log") + ": " + tail(log));
            }
            if (!started) {
                started = Files.exists(log) && contains(log, "SERVER STARTED");
                if (started && authentication.isPresent()) {
                    return; // plain HTTP takes no queries now; clients connect over HTTPS with a password
                }
            } else {
                try (Connection connection = connect(ADMIN);
                        Statement statement = connection.createStatement()) {
                    // A query scheduled on a node of the catalog, not one the coordinator answers alone:
                    // "No nodes available" until the node has announced itself with the catalog.
                    statement
                            .executeQuery("SELECT count(*) FROM " + CATALOG + ".information_schema.schemata")
                            .close();
                    return;
                } catch (SQLException e) {
                    last = e;
                }
            }
            sleep();
        }
        process.destroyForcibly();
        throw new IllegalStateException("Trino did not become ready within " + START_TIMEOUT.toSeconds() + " s"
                + (last == null ? "" : " (" + last.getMessage() + ")") + "; see " + log);
    }

    private static boolean contains(Path log, String text) {
        try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
            return lines.anyMatch(line -> line.contains(text));
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Trino", e);
        }
    }
}
