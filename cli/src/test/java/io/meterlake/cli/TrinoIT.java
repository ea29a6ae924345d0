package io.meterlake.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.spark.SparkSessions;
import io.meterlake.table.Warehouse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.meterlake.cli.BillingPeriodsCheck.json;
import static io.meterlake.cli.BillingPeriodsCheck.show;
import static io.meterlake.cli.BillingPeriodsCheck.shownLines;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Finance access through a real Trino 476 server (started by {@code stack start --with-trino}, queried
 * over trino-jdbc by {@code meterlake sql}) after generate → ingest → reconcile → publish.
 */
class TrinoIT {
    private static Path dir;
    private static String warehouse;
    private static List<String> settings;

    @BeforeAll
    static void publishAndStartTrino() throws IOException {
        System.setProperty("meterlake.home", Path.of("..").toAbsolutePath().normalize().toString());
        dir = Files.createTempDirectory("meterlake-trino-it");
        warehouse = dir.resolve("warehouse").toString();
        settings = List.of("--set", "stack.dir=" + dir.resolve("stack"), "--set", "stack.trino-port=" + freePort(),
                "--set", "stack.kafka-port=" + freePort(), "--set", "stack.kafka-controller-port=" + freePort());
        Path events = dir.resolve("events.jsonl");
        run(0, "generate", "--events", "2000", "--seed", "9", "--out", events.toString(), "--entitlements-out",
                dir.resolve("e.csv").toString(), "--truth-out", dir.resolve("truth.json").toString());
        run(0, "entitlements", "load", dir.resolve("e.csv").toString());
        run(0, "ingest", events.toString());
        run(0, "keys", "generate", "--private-key-out", dir.resolve("k.pem").toString(), "--public-key-out",
                dir.resolve("k.pub.pem").toString());
        run(0, "reconcile", "--period", "2026-10");
        run(0, "publish", "--period", "2026-10", "--signing-key", dir.resolve("k.pem").toString());
        // The stream's tables, empty: finance may read stream_progress, tenants may not.
        MeterlakeConfig config = ConfigLoader.load(Optional.empty(), List.of(), Map.of()).withWarehouse(warehouse);
        new Warehouse(SparkSessions.getOrCreate(config, "trino-it"), warehouse).ensureStreamTables();

        CommandLineTest.Run started = run(0, "stack", "start", "--with-trino");
        assertThat(started.out()).contains("trino started on jdbc:trino://127.0.0.1:")
                .contains("9 tables and 4 views in meterlake.billing").contains("5 tenants");
    }

    @AfterAll
    static void stopStack() {
        run(0, "stack", "stop");
    }

    private static CommandLineTest.Run run(int exitCode, String... args) {
        List<String> all = new ArrayList<>(settings == null ? List.of() : settings);
        all.addAll(List.of(args));
        return BillingPeriodsCheck.run(warehouse, exitCode, all.toArray(String[]::new));
    }

    private static JsonNode sql(String user, String query) {
        return json(run(0, "sql", query, "--user", user, "--format", "json"));
    }

    private static long count(String user, String query) {
        return Long.parseLong(sql(user, query).get(0).get("n").textValue());
    }

    @Test
    void financeSeesThePublishedLinesAndTheStackShowsTrino() {
        JsonNode lines = sql("finance", "SELECT subscription_id, billing_account_id, metric, unit, quantity, event_count"
                + " FROM invoice_lines WHERE period = '2026-10'");
        List<String> seen = new ArrayList<>();
        for (JsonNode line : lines) {
            seen.add(String.join(" ", line.get("subscription_id").textValue(), line.get("billing_account_id").textValue(),
                    line.get("metric").textValue(), line.get("unit").textValue(), line.get("quantity").textValue(),
                    line.get("event_count").textValue()));
        }

        assertThat(seen.stream().sorted().toList()).isEqualTo(shownLines(show(warehouse, "2026-10"))).isNotEmpty();
        JsonNode period = sql("finance", "SELECT period, revision, content_sha256 FROM current_periods");
        assertThat(period).hasSize(1);
        assertThat(period.get(0).get("content_sha256").textValue())
                .isEqualTo(show(warehouse, "2026-10").get("content_sha256").textValue());
        assertThat(run(0, "stack", "status").out()).containsPattern("trino +running");
    }

    @Test
    void aTenantSeesOnlyItsOwnRowsAlsoThroughTimeTravel() {
        String tenant = "tenant_tenant-002";
        long own = count("finance", "SELECT count(*) AS n FROM raw_usage_events WHERE tenant_id = 'tenant-002'");
        long all = count("finance", "SELECT count(*) AS n FROM raw_usage_events");

        assertThat(own).isPositive().isLessThan(all);
        assertThat(count(tenant, "SELECT count(*) AS n FROM raw_usage_events")).isEqualTo(own);
        assertThat(count(tenant, "SELECT count(*) AS n FROM raw_usage_events FOR VERSION AS OF 1")).isEqualTo(own);
        assertThat(count(tenant, "SELECT count(*) AS n FROM raw_usage_events WHERE tenant_id <> 'tenant-002'")).isZero();
        JsonNode lines = sql(tenant, "SELECT DISTINCT subscription_id FROM invoice_lines");
        assertThat(lines).isNotEmpty().allSatisfy(line ->
                assertThat(line.get("subscription_id").textValue()).startsWith("sub-tenant-002-"));
        assertThat(count(tenant, "SELECT count(*) AS n FROM billing_period_lines WHERE subscription_id NOT LIKE"
                + " 'sub-tenant-002-%'")).isZero();
    }

    @Test
    void tenantsAndFinanceAreDeniedWhatIsNotTheirs() {
        String tenant = "tenant_tenant-002";
        for (String query : List.of("SELECT * FROM stream_progress",
                "SELECT count(*) FROM TABLE(meterlake.system.table_changes('billing', 'raw_usage_events', 0))",
                "SELECT query FROM system.runtime.queries")) {
            CommandLineTest.Run denied = run(ExitCodes.FAILED, "sql", query, "--user", tenant);
            assertThat(denied.err()).as(query).contains("Access Denied").hasLineCount(1);
        }
        assertThat(run(ExitCodes.FAILED, "sql", "SELECT 1 FROM raw_usage_events", "--user", "someone").err())
                .contains("Access Denied: Cannot access catalog meterlake");
        assertThat(count("finance", "SELECT count(*) AS n FROM stream_progress")).isZero();
        assertThat(run(ExitCodes.FAILED, "sql", "DELETE FROM billing_periods", "--user", "finance").err())
                .contains("Access Denied: Cannot delete from table meterlake.billing.billing_periods");
    }

    @Test
    void aSparkCommitAfterRegistrationIsVisibleToTheNextQuery() throws IOException {
        long before = count("finance", "SELECT count(*) AS n FROM raw_usage_events");
        String first = Files.readAllLines(dir.resolve("events.jsonl")).get(0);
        Path late = Files.writeString(dir.resolve("late.jsonl"), first.replaceFirst("\"event_id\":\"[^\"]+\"",
                "\"event_id\":\"evt-after-registration\"") + "\n");

        run(0, "ingest", late.toString());

        assertThat(count("finance", "SELECT count(*) AS n FROM raw_usage_events")).isEqualTo(before + 1);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
