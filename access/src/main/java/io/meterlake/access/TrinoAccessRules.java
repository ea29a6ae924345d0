package io.meterlake.access;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.meterlake.schema.Tables;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.stream.Collectors;

/**
 * The file-based access rules of the local Trino ({@code etc/rules.json}), made from the entitlements:
 *
 * <ul>
 *   <li>{@value TrinoServer#ADMIN}: everything, and the only user who may write;</li>
 *   <li>{@value #FINANCE}: reads every table and view of {@code billing}, and {@code table_changes};</li>
 *   <li>{@code tenant_<tenant_id>}: reads only its own rows of the usage and billing tables and views
 *       (row filters on {@code tenant_id}, or on its subscriptions; period headers of the periods it has
 *       lines in), also under {@code FOR VERSION AS OF}; no {@code stream_progress}, no
 *       {@code table_changes} (row filters do not reach it), no other users' queries; header fields
 *       computed over every tenant's lines read as NULL; and no EXPLAIN, SHOW or DESCRIBE (the resource
 *       groups of {@code conf/trino/resource-groups.json} reject those query types), since statistics
 *       and plans are computed over all rows;</li>
 *   <li>{@value #TENANT_GATEWAY}: may run queries as a tenant user (impersonation, where Trino requires
 *       passwords), and nothing else; no other user may act as another;</li>
 *   <li>anyone else: nothing.</li>
 * </ul>
 *
 * <p>Plain HTTP trusts the user name a client claims; production puts password or OAuth
 * authentication in front (README, "Finance access").
 */
public final class TrinoAccessRules {
    public static final String FINANCE = "finance";
    public static final String TENANT_PREFIX = "tenant_";
    /**
     * The tenant front door's own Trino user ({@link TenantSqlGateway}) where Trino requires passwords:
     * it may run queries as tenant users (impersonation), and nothing else.
     */
    public static final String TENANT_GATEWAY = "tenant-gateway";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Tables and views whose rows carry {@code tenant_id}. */
    static final List<String> BY_TENANT = List.of(
            Tables.RAW_USAGE_EVENTS, Tables.QUARANTINED_EVENTS, Tables.ENTITLEMENTS, Tables.QUARANTINE_RESOLUTIONS);
    /** Tables and views whose rows carry {@code subscription_id}. */
    static final List<String> BY_SUBSCRIPTION = List.of(
            Tables.USAGE_AGGREGATES_PROVISIONAL,
            Tables.USAGE_AGGREGATES_AUTHORITATIVE,
            Tables.RECONCILIATION_REPORT,
            Tables.BILLING_PERIOD_LINES,
            TrinoViews.INVOICE_LINES,
            TrinoViews.USAGE_HOURLY,
            TrinoViews.RECONCILIATION);
    /**
     * Period headers: no tenant's data, so a tenant sees the headers of the periods it has lines in
     * (the subquery runs as the tenant, under its own filter on the lines).
     */
    static final List<String> BY_PERIOD = List.of(Tables.BILLING_PERIODS, TrinoViews.CURRENT_PERIODS);

    /**
     * Header fields computed over every tenant's lines (how many, their hash, the signatures over
     * them, the chain): a tenant user reads them as NULL, in the headers and in {@code invoice_lines}.
     * Column name to SQL type.
     */
    static final Map<String, String> ALL_TENANT_HEADER_FIELDS = new java.util.TreeMap<>(Map.of(
            "line_count",
            "bigint",
            "content_sha256",
            "varchar",
            "signature",
            "varchar",
            "previous_header_sha256",
            "varchar",
            "header_sha256",
            "varchar",
            "header_signature",
            "varchar"));

    /** One tenant and the subscriptions its entitlements name. */
    public record Tenant(String tenantId, SortedSet<String> subscriptionIds) {
        public String user() {
            return TENANT_PREFIX + tenantId;
        }
    }

    private TrinoAccessRules() {}

    public static String json(List<Tenant> tenants) {
        Map<String, Object> rules = new LinkedHashMap<>();
        String readers = FINANCE + "|" + TENANT_PREFIX + ".*";
        rules.put(
                "catalogs",
                List.of(
                        Map.of("user", TrinoServer.ADMIN, "allow", "all"),
                        Map.of("user", readers, "catalog", TrinoServer.CATALOG, "allow", "read-only"),
                        Map.of("allow", "none")));
        rules.put("schemas", List.of(Map.of("user", TrinoServer.ADMIN, "owner", true), Map.of("owner", false)));
        List<Map<String, Object>> tables = tableRules(tenants);
        tables.add(Map.of("privileges", List.of()));
        rules.put("tables", tables);
        rules.put(
                "functions",
                List.of(
                        Map.of(
                                "user",
                                TrinoServer.ADMIN + "|" + FINANCE,
                                "privileges",
                                List.of("EXECUTE", "GRANT_EXECUTE")),
                        Map.of("privileges", List.of())));
        rules.put(
                "procedures",
                List.of(
                        Map.of("user", TrinoServer.ADMIN, "privileges", List.of("EXECUTE")),
                        Map.of("privileges", List.of())));
        rules.put(
                "queries",
                List.of(
                        Map.of("user", TrinoServer.ADMIN, "allow", List.of("execute", "kill", "view")),
                        Map.of("allow", List.of("execute"))));
        // Only the front door's service user may act as another user, and only as a tenant user.
        rules.put(
                "impersonation",
                List.of(
                        Map.of(
                                "original_user",
                                java.util.regex.Pattern.quote(TENANT_GATEWAY),
                                "new_user",
                                TENANT_PREFIX + ".*",
                                "allow",
                                true),
                        Map.of("original_user", ".*", "new_user", ".*", "allow", false)));
        rules.put("system_information", List.of(Map.of("user", TrinoServer.ADMIN, "allow", List.of("read", "write"))));
        try {
            return JSON.writeValueAsString(rules);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Who may read which table: the admin all, finance every row, each tenant its own rows. */
    private static List<Map<String, Object>> tableRules(List<Tenant> tenants) {
        List<Map<String, Object>> tables = new ArrayList<>();
        tables.add(Map.of(
                "user",
                TrinoServer.ADMIN,
                "privileges",
                List.of("SELECT", "INSERT", "DELETE", "UPDATE", "OWNERSHIP", "GRANT_SELECT")));
        tables.add(Map.of(
                "user",
                FINANCE,
                "catalog",
                TrinoServer.CATALOG,
                "schema",
                TrinoServer.SCHEMA,
                "privileges",
                List.of("SELECT")));
        for (Tenant tenant : tenants) {
            for (String table : BY_TENANT) {
                tables.add(tenantTable(tenant, table, "tenant_id = " + literal(tenant.tenantId())));
            }
            String subscriptions = tenant.subscriptionIds().stream()
                    .map(TrinoAccessRules::literal)
                    .collect(Collectors.joining(", "));
            for (String table : BY_SUBSCRIPTION) {
                Map<String, Object> rule = tenantTable(
                        tenant,
                        table,
                        subscriptions.isEmpty() ? "false" : "subscription_id IN (" + subscriptions + ")");
                if (table.equals(TrinoViews.INVOICE_LINES)) {
                    rule.put("columns", List.of(Map.of("name", "content_sha256", "mask", "CAST(NULL AS varchar)")));
                }
                tables.add(rule);
            }
            for (String table : BY_PERIOD) {
                Map<String, Object> rule = tenantTable(
                        tenant,
                        table,
                        "period IN (SELECT l.period FROM " + TrinoServer.CATALOG + "." + TrinoServer.SCHEMA + "."
                                + Tables.BILLING_PERIOD_LINES + " l)");
                rule.put(
                        "columns",
                        ALL_TENANT_HEADER_FIELDS.entrySet().stream()
                                .filter(field -> table.equals(Tables.BILLING_PERIODS)
                                        || !field.getKey().contains("header"))
                                .map(field -> Map.of(
                                        "name", field.getKey(), "mask", "CAST(NULL AS " + field.getValue() + ")"))
                                .toList());
                tables.add(rule);
            }
        }
        return tables;
    }

    private static Map<String, Object> tenantTable(Tenant tenant, String table, String filter) {
        Map<String, Object> rule = new LinkedHashMap<>();
        rule.put("user", java.util.regex.Pattern.quote(tenant.user()));
        rule.put("catalog", TrinoServer.CATALOG);
        rule.put("schema", TrinoServer.SCHEMA);
        rule.put("table", table);
        rule.put("privileges", List.of("SELECT"));
        rule.put("filter", filter);
        return rule;
    }

    private static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
