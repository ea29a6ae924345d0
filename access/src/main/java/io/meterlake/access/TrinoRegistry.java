package io.meterlake.access;

import io.meterlake.schema.Tables;
import io.meterlake.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * Registers the warehouse's Delta tables and the finance views in Trino's schema {@code billing}, and
 * rewrites the access rules from the entitlements. Idempotent: every table is re-registered at the
 * warehouse's location (so a moved warehouse is followed), every view replaced.
 */
public final class TrinoRegistry {
    /** Every Meterlake table, in the order they are registered. */
    static final List<String> TABLES = List.of(
            Tables.RAW_USAGE_EVENTS,
            Tables.QUARANTINED_EVENTS,
            Tables.ENTITLEMENTS,
            Tables.USAGE_AGGREGATES_PROVISIONAL,
            Tables.STREAM_PROGRESS,
            Tables.USAGE_AGGREGATES_AUTHORITATIVE,
            Tables.RECONCILIATION_REPORT,
            Tables.BILLING_PERIODS,
            Tables.BILLING_PERIOD_LINES,
            Tables.QUARANTINE_RESOLUTIONS,
            Tables.BILLING_APPROVALS,
            Tables.BILLING_PERIOD_LOCKS);

    private final TrinoServer trino;

    public TrinoRegistry(TrinoServer trino) {
        this.trino = trino;
    }

    /** What {@link #register} did. */
    public record Registration(List<String> tables, List<String> views, List<TrinoAccessRules.Tenant> tenants) {}

    /**
     * Registers what exists under {@code warehouse} (a local directory or an s3a:// location, read
     * with {@code hadoop}); {@code approvers} ({@code approval.approvers}) go into the state the views show,
     * {@code catalog}'s metrics into what {@code usage_hourly} says each number is.
     */
    public Registration register(
            String warehouse, Configuration hadoop, List<String> approvers, io.meterlake.catalog.MetricCatalog catalog)
            throws SQLException, IOException {
        Map<String, TrinoViews.View> all = TrinoViews.all(approvers, catalog);
        List<String> tables = new ArrayList<>();
        List<String> views = new ArrayList<>();
        String root = root(warehouse);
        FileSystem fs = new org.apache.hadoop.fs.Path(root).getFileSystem(hadoop);
        try (Connection connection = trino.connect(TrinoServer.ADMIN);
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA IF NOT EXISTS " + TrinoServer.CATALOG + "." + TrinoServer.SCHEMA);
            List<String> registered =
                    names(statement, "SHOW TABLES FROM " + TrinoServer.CATALOG + "." + TrinoServer.SCHEMA);
            for (String view : all.keySet()) {
                if (registered.contains(view)) {
                    statement.execute("DROP VIEW " + view);
                }
            }
            for (String table : TABLES) {
                String location = root + table;
                if (registered.contains(table)) {
                    statement.execute("CALL system.unregister_table(schema_name => '" + TrinoServer.SCHEMA
                            + "', table_name => '" + table + "')");
                }
                if (fs.exists(new org.apache.hadoop.fs.Path(location, "_delta_log"))) {
                    statement.execute("CALL system.register_table(schema_name => '" + TrinoServer.SCHEMA
                            + "', table_name => '" + table + "', table_location => '" + location + "')");
                    tables.add(table);
                }
            }
            for (Map.Entry<String, TrinoViews.View> view : all.entrySet()) {
                if (tables.containsAll(view.getValue().tables())) {
                    statement.execute("CREATE OR REPLACE VIEW " + view.getKey() + " SECURITY DEFINER AS "
                            + view.getValue().sql());
                    views.add(view.getKey());
                }
            }
            List<TrinoAccessRules.Tenant> tenants =
                    tables.contains(Tables.ENTITLEMENTS) ? tenants(statement) : List.of();
            if (writeRules(tenants) && !tenants.isEmpty()) {
                awaitRules(tenants.get(tenants.size() - 1));
            }
            Files.writeString(registrationFile(trino), root + "\n", StandardCharsets.UTF_8);
            return new Registration(tables, views, tenants);
        }
    }

    /** A warehouse's root as registered: its URI, ending in '/' ({@code s3a://...} or {@code file:/...}). */
    public static String root(String warehouse) {
        String uri = Storage.isS3(warehouse)
                ? warehouse
                : Path.of(warehouse).toAbsolutePath().normalize().toUri().toString();
        return uri.endsWith("/") ? uri : uri + "/";
    }

    /** The root of the warehouse last registered with {@code trino}, if any. */
    public static java.util.Optional<String> registered(TrinoServer trino) {
        Path file = registrationFile(trino);
        try {
            return Files.exists(file)
                    ? java.util.Optional.of(Files.readString(file).strip())
                    : java.util.Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static Path registrationFile(TrinoServer trino) {
        return trino.rulesFile().resolveSibling("registered-warehouse");
    }

    private static List<TrinoAccessRules.Tenant> tenants(Statement statement) throws SQLException {
        Map<String, TreeSet<String>> subscriptions = new TreeMap<>();
        try (ResultSet rows = statement.executeQuery("SELECT DISTINCT tenant_id, subscription_id FROM entitlements")) {
            while (rows.next()) {
                subscriptions
                        .computeIfAbsent(rows.getString(1), tenant -> new TreeSet<>())
                        .add(rows.getString(2));
            }
        }
        List<TrinoAccessRules.Tenant> tenants = new ArrayList<>();
        subscriptions.forEach((tenant, ids) -> tenants.add(new TrinoAccessRules.Tenant(tenant, ids)));
        return tenants;
    }

    /**
     * Replaces the rules file in one move if its content changes; the server reads it again within its
     * refresh period. Returns whether it changed.
     */
    private boolean writeRules(List<TrinoAccessRules.Tenant> tenants) {
        String rules = TrinoAccessRules.json(tenants);
        try {
            if (Files.exists(trino.rulesFile())
                    && Files.readString(trino.rulesFile()).equals(rules)) {
                return false;
            }
            Path next = trino.rulesFile().resolveSibling("rules.json.next");
            Files.writeString(next, rules, StandardCharsets.UTF_8);
            Files.move(
                    next,
                    trino.rulesFile(),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + trino.rulesFile(), e);
        }
    }

    /** Waits until the server applies the new rules: {@code tenant} can read its entitlements. */
    private void awaitRules(TrinoAccessRules.Tenant tenant) throws SQLException {
        java.time.Instant deadline = java.time.Instant.now().plusSeconds(30);
        while (true) {
            // As the tenant, with the source of the tenant front door (Trino admits tenant users with no other).
            java.util.Properties properties = new java.util.Properties();
            properties.setProperty("user", tenant.user());
            properties.setProperty("source", TenantSqlGateway.SOURCE);
            try (Connection connection = java.sql.DriverManager.getConnection(trino.jdbcUrl(), properties);
                    Statement statement = connection.createStatement()) {
                statement
                        .executeQuery("SELECT 1 FROM " + Tables.ENTITLEMENTS + " WHERE false")
                        .close();
                return;
            } catch (SQLException e) {
                if (java.time.Instant.now().isAfter(deadline)) {
                    throw e;
                }
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Trino's access rules", e);
            }
        }
    }

    private static List<String> names(Statement statement, String sql) throws SQLException {
        List<String> names = new ArrayList<>();
        try (ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                names.add(rows.getString(1));
            }
        }
        return names;
    }
}
