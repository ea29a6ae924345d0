package io.meterlake.cli;

import static io.meterlake.cli.BillingPeriodsCheck.json;
import static io.meterlake.cli.BillingPeriodsCheck.show;
import static io.meterlake.cli.BillingPeriodsCheck.shownLines;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.meterlake.error.ExitCodes;
import io.meterlake.period.Period;
import io.meterlake.stack.FreePorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Finance access through a real Trino 476 server (the JVM's {@link SharedStack}, this class's warehouse
 * registered by {@code stack start --with-trino}, queried over trino-jdbc by {@code meterlake trino sql}) after
 * generate → ingest → reconcile → publish.
 */
@org.junit.jupiter.api.parallel.ResourceLock(SharedStack.REGISTRATION)
@org.junit.jupiter.api.parallel.ResourceLock(SharedStack.STREAM_IN_PROCESS)
class TrinoIT {
    /** The broker stamps ingest times, so every command runs on the real clock, on a month it makes ready. */
    private static final Clock CLOCK = CommandLineTest.LIVE;

    private static final Period MONTH = BillingPeriodsCheck.readyMonth(CLOCK);
    private static final Period BEFORE = MONTH.previous();
    /** Day 20 of the month, 10:00 UTC. */
    private static final Instant VERY_LATE =
            MONTH.start().plus(Duration.ofDays(19)).plus(Duration.ofHours(10));

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();
    private static Path dir;
    private static String warehouse;
    private static List<String> settings;

    @BeforeAll
    static void startTrinoThenStreamReconcileAndPublish() throws IOException {
        System.setProperty(
                "meterlake.home", Path.of("..").toAbsolutePath().normalize().toString());
        dir = Files.createTempDirectory("meterlake-trino-it");
        warehouse = dir.resolve("warehouse").toString();
        settings = SharedStack.settings("trino-it");
        String kafkaPort = port("stack.kafka-port") + "";
        // Trino first, over an empty warehouse: registration finds nothing yet (it forgets what another
        // class of this JVM registered in the shared stack's Trino).
        assertThat(run(0, "stack", "start", "--with-trino").out())
                .contains("trino already running on jdbc:trino://127.0.0.1:")
                .contains("0 tables and 0 views");

        // With corrections, and the last tenant's entitlements loaded only after its events: replayed.
        run(
                0,
                "generate",
                "--events",
                "2000",
                "--seed",
                "9",
                "--period",
                MONTH.toString(),
                "--bootstrap-servers",
                "127.0.0.1:" + kafkaPort,
                "--entitlements-out",
                dir.resolve("e.csv").toString(),
                "--truth-out",
                dir.resolve("truth.json").toString(),
                "--correction-rate",
                "0.03",
                "--late-entitlements",
                "1",
                "--early-entitlements-out",
                dir.resolve("early.csv").toString());
        run(0, "entitlements", "load", dir.resolve("early.csv").toString());
        run(0, "stream", "--available-now");
        run(0, "entitlements", "load", dir.resolve("e.csv").toString());
        // Without --reason: the reasons a later change can fix, and it says so.
        assertThat(run(0, "quarantine", "replay").err())
                .contains("replaying the reasons a change of the catalog or the entitlements can fix (UNKNOWN_METRIC,");
        run(
                0,
                "keys",
                "generate",
                "--private-key-out",
                dir.resolve("k.pem").toString(),
                "--public-key-out",
                dir.resolve("k.pub.pem").toString());
        run(0, "reconcile", "--period", MONTH.toString());
        run(
                0,
                "publish",
                "--period",
                MONTH.toString(),
                "--signing-key",
                dir.resolve("k.pem").toString());
        // The month before holds only the generator's boundary event two hours before the month: tenant-001's.
        run(0, "reconcile", "--period", BEFORE.toString());
        run(
                0,
                "publish",
                "--period",
                BEFORE.toString(),
                "--signing-key",
                dir.resolve("k.pem").toString());
        // The month before is approved (by a second key) and locked.
        run(
                0,
                "keys",
                "generate",
                "--private-key-out",
                dir.resolve("approver.pem").toString(),
                "--public-key-out",
                dir.resolve("approver.pub.pem").toString());
        run(
                0,
                "approve",
                "--period",
                BEFORE.toString(),
                "--approver-key",
                dir.resolve("approver.pem").toString());
        // A repeat of either says so and writes nothing (the approval now; the lock once locked).
        assertThat(run(
                                0,
                                "approve",
                                "--period",
                                BEFORE.toString(),
                                "--approver-key",
                                dir.resolve("approver.pem").toString())
                        .out())
                .startsWith("already approved " + BEFORE + " revision 1")
                .contains("(nothing written)");
        run(
                0,
                "lock",
                "--period",
                BEFORE.toString(),
                "--signing-key",
                dir.resolve("k.pem").toString());
        assertThat(run(
                                0,
                                "lock",
                                "--period",
                                BEFORE.toString(),
                                "--signing-key",
                                dir.resolve("k.pem").toString())
                        .out())
                .startsWith("already locked " + BEFORE + " at revision 1")
                .contains("(nothing written)");
        // A very late event, ingested from a file, makes revision 2; with two late events of the locked
        // month before (tenant-002's and tenant-003's), which it carries as correction lines.
        Path late = Files.writeString(dir.resolve("late.jsonl"), """
                {"schema_version":1,"event_id":"evt-very-late","source":"forge-functions","tenant_id":"tenant-002",\
                "app_id":"forge-app-d","metric":"functions.invocations","quantity":5,"unit":"count",\
                "event_time":"%s"}
                {"schema_version":1,"event_id":"evt-locked-late-2","source":"forge-functions","tenant_id":"tenant-002",\
                "app_id":"forge-app-d","metric":"functions.invocations","quantity":7,"unit":"count",\
                "event_time":"%s"}
                {"schema_version":1,"event_id":"evt-locked-late-3","source":"forge-functions","tenant_id":"tenant-003",\
                "app_id":"forge-app-e","metric":"functions.invocations","quantity":11,"unit":"count",\
                "event_time":"%s"}
                """.formatted(
                        VERY_LATE,
                        BEFORE.start().plus(Duration.ofDays(15)),
                        BEFORE.start().plus(Duration.ofDays(15))));
        run(0, "ingest", late.toString());
        run(0, "reconcile", "--period", MONTH.toString());
        assertThat(run(
                                0,
                                "publish",
                                "--period",
                                MONTH.toString(),
                                "--signing-key",
                                dir.resolve("k.pem").toString())
                        .out())
                .startsWith("published " + MONTH + " revision 2");

        assertThat(run(0, "trino", "register").out())
                .contains("12 tables and 4 views in meterlake.billing")
                .contains("5 tenants");
    }

    private static CommandLineTest.Run run(int exitCode, String... args) {
        List<String> all = new ArrayList<>(settings == null ? List.of() : settings);
        all.addAll(List.of(args));
        return BillingPeriodsCheck.run(CLOCK, warehouse, exitCode, all.toArray(String[]::new));
    }

    private static JsonNode sql(String user, String query) {
        return json(run(0, "sql", query, "--user", user, "--format", "json"));
    }

    private static long count(String user, String query) {
        return sql(user, query).get(0).get("n").asLong();
    }

    @Test
    void financeSeesThePublishedLinesAndTheStackShowsTrino() {
        JsonNode lines = sql(
                "finance",
                "SELECT subscription_id, billing_account_id, plan, metric, unit, quantity, event_count"
                        + " FROM invoice_lines WHERE period = '" + MONTH + "' AND charge_class = 'usage'");
        List<String> seen = new ArrayList<>();
        for (JsonNode line : lines) {
            seen.add(String.join(
                    " ",
                    line.get("subscription_id").textValue(),
                    line.get("billing_account_id").textValue(),
                    line.get("plan").textValue(),
                    line.get("metric").textValue(),
                    line.get("unit").textValue(),
                    line.get("quantity").textValue(),
                    line.get("event_count").asText()));
        }

        assertThat(seen.stream().sorted().toList())
                .isEqualTo(shownLines(show(warehouse, MONTH.toString())))
                .isNotEmpty();
        // The subscription that upgraded mid-month shows a line per plan it was billed under.
        JsonNode plans = sql(
                "finance",
                "SELECT DISTINCT plan FROM invoice_lines WHERE period = '" + MONTH
                        + "' AND subscription_id = 'sub-tenant-001-forge-app-c' ORDER BY plan");
        assertThat(plans.findValuesAsText("plan")).containsExactly("premium", "standard");
        JsonNode period = sql(
                "finance",
                "SELECT period, revision, content_sha256 FROM current_periods" + " WHERE period = '" + MONTH + "'");
        assertThat(period).hasSize(1);
        // Integers are JSON numbers; decimals exact strings.
        assertThat(period.get(0).get("revision").isInt()).isTrue();
        assertThat(period.get(0).get("revision").intValue()).isEqualTo(2);
        assertThat(period.get(0).get("content_sha256").textValue())
                .isEqualTo(
                        show(warehouse, MONTH.toString()).get("content_sha256").textValue());
        assertThat(run(0, "stack", "status").out()).containsPattern("trino +running");
    }

    @Test
    void financeSeesEventTimesToTheMicrosecond() {
        // The generator puts microseconds into event times; the UTC wall-time copy keeps all six digits.
        assertThat(count(
                        "finance",
                        "SELECT count(*) AS n FROM raw_usage_events"
                                + " WHERE substr(CAST(event_time_utc AS varchar), 24, 3) <> '000'"))
                .isPositive();
        // It is the same instant as event_time, which Trino shows cut to the millisecond.
        assertThat(count(
                        "finance",
                        "SELECT count(*) AS n FROM raw_usage_events WHERE date_trunc('millisecond',"
                                + " event_time_utc) <> CAST(event_time AT TIME ZONE 'UTC' AS timestamp(6))"))
                .isZero();
        JsonNode late = sql(
                "finance",
                "SELECT CAST(event_time_utc AS varchar) AS t FROM raw_usage_events"
                        + " WHERE event_id = 'evt-very-late'");
        assertThat(late.get(0).get("t").textValue())
                .isEqualTo(VERY_LATE.toString().replace('T', ' ').replace("Z", ".000000"));
    }

    @Test
    void aTenantSeesOnlyItsOwnRowsAlsoThroughTimeTravel() {
        String tenant = "tenant_tenant-002";
        long own = count("finance", "SELECT count(*) AS n FROM raw_usage_events WHERE tenant_id = 'tenant-002'");
        long all = count("finance", "SELECT count(*) AS n FROM raw_usage_events");

        assertThat(own).isPositive().isLessThan(all);
        assertThat(count(tenant, "SELECT count(*) AS n FROM raw_usage_events")).isEqualTo(own);
        long ownThen = count(
                "finance",
                "SELECT count(*) AS n FROM raw_usage_events FOR VERSION AS OF 1" + " WHERE tenant_id = 'tenant-002'");
        assertThat(count(tenant, "SELECT count(*) AS n FROM raw_usage_events FOR VERSION AS OF 1"))
                .isEqualTo(ownThen)
                .isPositive();
        assertThat(count(tenant, "SELECT count(*) AS n FROM raw_usage_events WHERE tenant_id <> 'tenant-002'"))
                .isZero();
        // Period headers: only those of periods the tenant has lines in.
        assertThat(sql("finance", "SELECT period FROM current_periods ORDER BY period")
                        .findValuesAsText("period"))
                .containsExactly(BEFORE.toString(), MONTH.toString());
        assertThat(sql(tenant, "SELECT period FROM current_periods ORDER BY period")
                        .findValuesAsText("period"))
                .containsExactly(MONTH.toString());
        assertThat(sql("tenant_tenant-001", "SELECT period FROM current_periods ORDER BY period")
                        .findValuesAsText("period"))
                .containsExactly(BEFORE.toString(), MONTH.toString());
        JsonNode lines = sql(tenant, "SELECT DISTINCT subscription_id FROM invoice_lines");
        assertThat(lines)
                .isNotEmpty()
                .allSatisfy(line ->
                        assertThat(line.get("subscription_id").textValue()).startsWith("sub-tenant-002-"));
        assertThat(count(
                        tenant,
                        "SELECT count(*) AS n FROM billing_period_lines WHERE subscription_id NOT LIKE"
                                + " 'sub-tenant-002-%'"))
                .isZero();
    }

    @Test
    void aTenantSeesOnlyItsOwnCorrectionsAndQuarantineResolutions() {
        String late = "tenant-005";
        long resolutions =
                count("finance", "SELECT count(*) AS n FROM quarantine_resolutions WHERE tenant_id = '" + late + "'");
        assertThat(resolutions)
                .as("the late tenant's records, replayed")
                .isPositive()
                .isLessThan(count("finance", "SELECT count(*) AS n FROM quarantine_resolutions"));
        assertThat(count("tenant_" + late, "SELECT count(*) AS n FROM quarantine_resolutions"))
                .isEqualTo(resolutions);
        assertThat(count("tenant_tenant-002", "SELECT count(*) AS n FROM quarantine_resolutions"))
                .isZero();

        String corrections = "SELECT count(*) AS n FROM raw_usage_events WHERE action IS NOT NULL";
        long own = count("finance", corrections + " AND tenant_id = 'tenant-002'");
        assertThat(own).isPositive().isLessThan(count("finance", corrections));
        assertThat(count("tenant_tenant-002", corrections)).isEqualTo(own);
        assertThat(count("tenant_tenant-002", corrections + " AND tenant_id <> 'tenant-002'"))
                .isZero();
    }

    @Test
    void everyoneSeesEachPeriodsStateAndATenantOnlyItsOwnCorrectionLines() {
        JsonNode states =
                sql("finance", "SELECT period, status, approved_by, locked_at FROM current_periods ORDER BY period");
        assertThat(states.get(0).get("period").textValue()).isEqualTo(BEFORE.toString());
        assertThat(states.get(0).get("status").textValue()).isEqualTo("locked");
        assertThat(states.get(0).get("approved_by").textValue()).hasSize(16);
        assertThat(states.get(1).get("status").textValue()).isEqualTo("draft");
        assertThat(states.get(1).get("locked_at").isNull()).isTrue();
        assertThat(sql("tenant_tenant-001", "SELECT status FROM current_periods WHERE period = '" + BEFORE + "'")
                        .findValuesAsText("status"))
                .containsExactly("locked");

        String corrections = "SELECT subscription_id, service_period, quantity, event_count FROM invoice_lines"
                + " WHERE charge_class = 'correction' ORDER BY subscription_id";
        JsonNode all = sql("finance", corrections);
        assertThat(all).hasSize(2);
        assertThat(all.findValuesAsText("service_period")).containsOnly(BEFORE.toString());
        assertThat(all.findValuesAsText("quantity")).containsExactly("7.000000000", "11.000000000");
        JsonNode own = sql("tenant_tenant-002", corrections);
        assertThat(own).hasSize(1);
        assertThat(own.get(0).get("subscription_id").textValue()).startsWith("sub-tenant-002-");
        assertThat(own.get(0).get("quantity").textValue()).isEqualTo("7.000000000");
        assertThat(sql("tenant_tenant-001", corrections)).isEmpty();
        // The same through periods show: the correction lines of the revision, beside its usage lines.
        JsonNode shown = show(warehouse, MONTH.toString());
        assertThat(shown.get("corrections")).hasSize(2);
        assertThat(shown.get("status").textValue()).isEqualTo("draft");
        assertThat(show(warehouse, BEFORE.toString()).get("status").textValue()).isEqualTo("locked");
    }

    /**
     * A period's state has one definition ({@code PeriodState}): {@code periods status} and Trino's
     * {@code current_periods} agree on a copy of the warehouse as approvals, {@code approval.approvers}
     * and a lock row of an earlier revision change it. (The view counted any approver but the publisher
     * and only a lock of the latest revision; the CLI only listed approvers and any lock.)
     */
    @Test
    void theCliAndTrinoAgreeOnEachPeriodsStateWhateverTheApproversAndLocks() throws IOException {
        Path copy = dir.resolve("state-warehouse");
        copyTree(Path.of(warehouse), copy);
        run(
                0,
                "keys",
                "generate",
                "--private-key-out",
                dir.resolve("third.pem").toString(),
                "--public-key-out",
                dir.resolve("third.pub.pem").toString());
        String approver = io.meterlake.signing.Signing.keyId(
                io.meterlake.signing.Signing.readPublicKey(dir.resolve("approver.pub.pem")));
        String third = io.meterlake.signing.Signing.keyId(
                io.meterlake.signing.Signing.readPublicKey(dir.resolve("third.pub.pem")));
        try {
            runOn(
                    copy,
                    "approve",
                    "--period",
                    MONTH.toString(),
                    "--approver-key",
                    dir.resolve("approver.pem").toString());
            assertThat(agreedStates(copy, List.of(), true))
                    .containsEntry(MONTH.toString(), "approved " + approver)
                    .containsEntry(BEFORE.toString(), "locked " + approver);
            // A lock row of revision 1 written around 'lock' (revision 2 is the latest): the period is locked.
            org.apache.spark.sql.SparkSession.active()
                    .sql("INSERT INTO delta.`" + copy.resolve("billing_period_locks")
                            + "` (period, revision, content_sha256, approver_key_id, sequence, locked_at) VALUES ('"
                            + MONTH
                            + "', 1, 'tampered', '" + approver + "', 99, TIMESTAMP '2030-01-01 00:00:00')");
            assertThat(agreedStates(copy, List.of(), false)).containsEntry(MONTH.toString(), "locked " + approver);
            // Only the third key may approve: the approver's approvals no longer count (the old view counted them).
            assertThat(agreedStates(copy, List.of(third), true))
                    .containsEntry(MONTH.toString(), "locked ")
                    .containsEntry(BEFORE.toString(), "locked ");
        } finally {
            run(0, "trino", "register");
        }
    }

    /**
     * Each period's "state approvers" by {@code periods status} and by {@code current_periods} (the copy
     * registered with {@code approvers} first when {@code register}), asserted equal.
     */
    private static Map<String, String> agreedStates(Path copy, List<String> approvers, boolean register) {
        String setting = "approval.approvers=" + String.join(",", approvers);
        if (register) {
            runOn(copy, "--set", setting, "trino", "register");
        }
        Map<String, String> cli = new java.util.TreeMap<>();
        Map<String, String> trino = new java.util.TreeMap<>();
        for (Period period : List.of(BEFORE, MONTH)) {
            JsonNode status = json(runOn(
                    copy, "--set", setting, "periods", "status", "--period", period.toString(), "--format", "json"));
            List<String> by = new ArrayList<>();
            status.get("approved_by").forEach(id -> by.add(id.textValue()));
            cli.put(
                    period.toString(),
                    status.get("status").textValue() + " "
                            + String.join(",", by.stream().sorted().toList()) + " "
                            + status.get("locked_at").asText(""));
        }
        for (JsonNode row : json(runOn(
                copy,
                "--set",
                setting,
                "sql",
                "SELECT period, status, approved_by," + " to_iso8601(locked_at) AS locked_at FROM current_periods",
                "--user",
                "finance",
                "--format",
                "json"))) {
            trino.put(
                    row.get("period").textValue(),
                    row.get("status").textValue() + " " + row.get("approved_by").asText("") + " "
                            + (row.get("locked_at").isNull()
                                    ? ""
                                    : java.time.Instant.parse(
                                            row.get("locked_at").textValue())));
        }
        assertThat(trino)
                .as("current_periods with approval.approvers=%s", approvers)
                .isEqualTo(cli);
        Map<String, String> states = new java.util.TreeMap<>();
        cli.forEach((period, state) -> states.put(period, state.substring(0, state.lastIndexOf(' '))));
        return states;
    }

    private static CommandLineTest.Run runOn(Path copy, String... args) {
        List<String> all = new ArrayList<>(settings);
        all.addAll(List.of(args));
        return BillingPeriodsCheck.run(CLOCK, copy.toString(), 0, all.toArray(String[]::new));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
    }

    /** Every query above named the registered warehouse; one naming another is refused before Trino is asked. */
    @Test
    void aQueryNamingAnotherWarehouseIsRefused() {
        String other = Path.of(warehouse).resolveSibling("other-warehouse").toString();
        List<String> args = new ArrayList<>(settings);
        args.addAll(List.of("trino", "sql", "SELECT count(*) AS n FROM raw_usage_events"));
        CommandLineTest.Run refused =
                BillingPeriodsCheck.run(CLOCK, other, ExitCodes.USAGE, args.toArray(String[]::new));
        assertThat(refused.err())
                .isEqualTo("meterlake: Trino serves " + Path.of(warehouse).toUri() + ", not "
                        + Path.of(other).toUri() + "/: register it first with 'meterlake --warehouse " + other
                        + " trino register'\n");
    }

    @Test
    void tenantsAndFinanceAreDeniedWhatIsNotTheirs() {
        String tenant = "tenant_tenant-002";
        for (String query : List.of(
                "SELECT * FROM stream_progress",
                "SELECT count(*) FROM TABLE(meterlake.system.table_changes('billing', 'raw_usage_events', 0))",
                "SELECT query FROM system.runtime.queries")) {
            CommandLineTest.Run denied = run(ExitCodes.FAILED, "sql", query, "--user", tenant);
            assertThat(denied.err()).as(query).contains("Access Denied").hasLineCount(1);
        }
        assertThat(run(ExitCodes.FAILED, "sql", "SELECT 1 FROM raw_usage_events", "--user", "someone")
                        .err())
                .contains("Access Denied: Cannot access catalog meterlake");
        assertThat(count("finance", "SELECT count(*) AS n FROM stream_progress"))
                .isPositive();
        assertThat(run(ExitCodes.FAILED, "sql", "DELETE FROM billing_periods", "--user", "finance")
                        .err())
                .contains("Access Denied: Cannot delete from table meterlake.billing.billing_periods");
    }

    /**
     * The probes of an adversarial run: statistics, plans, hidden tables, system tables, change feeds,
     * writes and user-name tricks give a tenant user nothing about another tenant, and the period
     * headers show it no figure computed over other tenants' lines.
     */
    @Test
    void aTenantLearnsNothingAboutAnotherTenant() {
        String tenant = "tenant_tenant-002";
        for (String probe : List.of(
                "SHOW STATS FOR billing_period_lines",
                "SHOW STATS FOR raw_usage_events",
                "SHOW STATS FOR (SELECT * FROM raw_usage_events WHERE tenant_id = 'tenant-001')",
                "EXPLAIN SELECT count(*) FROM raw_usage_events",
                "EXPLAIN (TYPE IO) SELECT * FROM billing_period_lines",
                "SHOW CREATE TABLE raw_usage_events",
                "DESCRIBE raw_usage_events",
                "SHOW COLUMNS FROM billing_periods",
                "EXPLAIN ANALYZE SELECT count(*) FROM raw_usage_events",
                "EXPLAIN ANALYZE VERBOSE SELECT count(*) FROM billing_period_lines",
                "/* a query */ EXPLAIN ANALYZE SELECT count(*) FROM raw_usage_events",
                "PREPARE p FROM EXPLAIN ANALYZE SELECT count(*) FROM raw_usage_events",
                "EXECUTE IMMEDIATE 'EXPLAIN ANALYZE SELECT count(*) FROM raw_usage_events'",
                "WITH SESSION query_max_run_time = '1h' SELECT count(*) FROM raw_usage_events")) {
            CommandLineTest.Run refused = run(ExitCodes.FAILED, "sql", probe, "--user", tenant);
            // Refused by the tenant front door before Trino sees it.
            assertThat(refused.err())
                    .as(probe)
                    .contains("Access Denied: a tenant user runs plain queries only")
                    .hasLineCount(1);
        }
        for (String probe : List.of(
                "SELECT * FROM \"raw_usage_events$history\"",
                "SELECT * FROM \"raw_usage_events$properties\"",
                "SELECT * FROM \"raw_usage_events$partitions\"",
                "SELECT * FROM \"billing_period_lines$partitions\"",
                "SELECT * FROM system.runtime.queries",
                "SELECT * FROM system.runtime.tasks",
                "SELECT * FROM system.metadata.table_comments",
                "SELECT count(*) FROM TABLE(meterlake.system.table_changes('billing', 'billing_period_lines', 0))",
                "INSERT INTO billing_periods SELECT * FROM billing_periods",
                "DELETE FROM raw_usage_events",
                "SELECT * FROM stream_progress")) {
            CommandLineTest.Run denied = run(ExitCodes.FAILED, "sql", probe, "--user", tenant);
            assertThat(denied.err())
                    .as(probe)
                    .containsAnyOf("Access Denied", "statistics-and-plans")
                    .hasLineCount(1);
        }
        for (String trick : List.of(
                "tenant_tenant-002' OR '1'='1",
                "tenant_.*",
                "TENANT_tenant-002",
                "tenant_",
                "tenant_tenant-00",
                "tenant_tenant-002\\",
                "xtenant_tenant-002")) {
            CommandLineTest.Run denied =
                    run(ExitCodes.FAILED, "sql", "SELECT count(*) FROM raw_usage_events", "--user", trick);
            assertThat(denied.err()).as(trick).contains("Access Denied").hasLineCount(1);
        }
        // Headers: finance sees every figure, a tenant none computed over other tenants' lines.
        String fields = "line_count, content_sha256, signature, header_sha256, header_signature";
        JsonNode financeHeaders = sql("finance", "SELECT " + fields + " FROM billing_periods");
        assertThat(financeHeaders).isNotEmpty().allSatisfy(header -> {
            assertThat(header.get("line_count").asLong()).isPositive();
            assertThat(header.get("content_sha256").textValue()).hasSize(64);
            assertThat(header.get("header_sha256").textValue()).hasSize(64);
        });
        JsonNode tenantHeaders = sql(tenant, "SELECT period, " + fields + " FROM billing_periods");
        assertThat(tenantHeaders).isNotEmpty().allSatisfy(header -> {
            assertThat(header.get("period").textValue()).isEqualTo(MONTH.toString());
            for (String field : fields.split(", ")) {
                assertThat(header.get(field).isNull()).as(field).isTrue();
            }
        });
        assertThat(sql(tenant, "SELECT line_count, content_sha256, signature FROM current_periods"))
                .isNotEmpty()
                .allSatisfy(header -> assertThat(header.get("line_count").isNull()
                                && header.get("content_sha256").isNull()
                                && header.get("signature").isNull())
                        .isTrue());
        assertThat(sql(tenant, "SELECT content_sha256 FROM invoice_lines"))
                .isNotEmpty()
                .allSatisfy(
                        line -> assertThat(line.get("content_sha256").isNull()).isTrue());
        assertThat(sql("finance", "SELECT content_sha256 FROM invoice_lines"))
                .isNotEmpty()
                .allSatisfy(line ->
                        assertThat(line.get("content_sha256").textValue()).hasSize(64));
        // What it may read about the schema: names, not figures.
        assertThat(sql(tenant, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'billing'")
                        .findValuesAsText("table_name"))
                .contains("raw_usage_events", "billing_periods");
    }

    /**
     * The front door is the tenants' only way in: Trino refuses a tenant user's query that does not come
     * through it, the door forwards none of the client's session settings or source, and a query's
     * results are for the user that started it.
     */
    @Test
    void tenantsComeInThroughTheFrontDoorOnly() throws Exception {
        int trinoPort = port("stack.trino-port");
        int doorPort = port("stack.tenant-sql-port");
        for (String query : List.of(
                "SELECT count(*) FROM raw_usage_events", "EXPLAIN ANALYZE SELECT count(*) FROM raw_usage_events")) {
            java.util.Properties properties = new java.util.Properties();
            properties.setProperty("user", "tenant_tenant-002");
            try (java.sql.Connection direct = java.sql.DriverManager.getConnection(
                    "jdbc:trino://127.0.0.1:" + trinoPort + "/meterlake/billing", properties)) {
                assertThatThrownBy(() -> direct.createStatement().executeQuery(query))
                        .as(query)
                        .hasMessageContaining("tenant-users-connect-through-the-tenant-front-door");
            }
        }
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        String door = "http://127.0.0.1:" + doorPort;
        java.net.http.HttpResponse<String> refused = http.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(door + "/v1/statement"))
                        .header("X-Trino-User", "tenant_tenant-002")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                "EXPLAIN ANALYZE SELECT count(*) FROM" + " meterlake.billing.raw_usage_events"))
                        .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(refused.body()).at("/error/message").textValue())
                .startsWith("Access Denied: a tenant user runs plain queries only")
                .contains("not EXPLAIN ANALYZE");

        java.net.http.HttpResponse<String> started = http.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(door + "/v1/statement"))
                        .header("X-Trino-User", "tenant_tenant-002")
                        .header("X-Trino-Source", "claimed-source")
                        .header("X-Trino-Session", "query_max_run_time=1h")
                        .header("X-Trino-Catalog", "meterlake")
                        .header("X-Trino-Schema", "billing")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                "SELECT count(*) FROM raw_usage_events"))
                        .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        JsonNode first = JSON.readTree(started.body());
        String next = first.get("nextUri").textValue();
        assertThat(next).startsWith(door + "/v1/statement/");
        assertThat(first.get("infoUri").textValue()).startsWith(door + "/");
        // Another tenant cannot poll this query's results.
        assertThat(http.send(
                                java.net.http.HttpRequest.newBuilder(java.net.URI.create(next))
                                        .header("X-Trino-User", "tenant_tenant-001")
                                        .GET()
                                        .build(),
                                java.net.http.HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(404);
        long rows = 0;
        while (next != null) {
            JsonNode page = JSON.readTree(http.send(
                            java.net.http.HttpRequest.newBuilder(java.net.URI.create(next))
                                    .header("X-Trino-User", "tenant_tenant-002")
                                    .GET()
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString())
                    .body());
            assertThat(page.has("error")).as(page.toString()).isFalse();
            if (page.has("data")) {
                rows = page.get("data").get(0).get(0).asLong();
            }
            next = page.hasNonNull("nextUri") ? page.get("nextUri").textValue() : null;
            if (next != null) {
                assertThat(next).startsWith(door + "/");
            }
        }
        assertThat(rows)
                .isEqualTo(count(
                        "finance", "SELECT count(*) AS n FROM raw_usage_events" + " WHERE tenant_id = 'tenant-002'"))
                .isPositive();
        // Every tenant query Trino ran came through the door with its source; the client's did not pass.
        JsonNode sources = sql(
                io.meterlake.stack.LocalTrino.ADMIN,
                "SELECT DISTINCT source FROM system.runtime.queries"
                        + " WHERE \"user\" LIKE 'tenant%' AND state = 'FINISHED'");
        assertThat(sources.findValuesAsText("source")).containsExactly("meterlake-tenant-gateway");
        assertThat(http.send(
                                java.net.http.HttpRequest.newBuilder(java.net.URI.create(door + "/v1/query"))
                                        .header("X-Trino-User", "tenant_tenant-002")
                                        .GET()
                                        .build(),
                                java.net.http.HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(404);
        assertThat(run(0, "stack", "status").out()).containsPattern("tenant-sql +running +127.0.0.1:" + doorPort);
    }

    /** The port a setting of this test's stack names. */
    private static int port(String key) {
        return settings.stream()
                .filter(setting -> setting.startsWith(key + "="))
                .findFirst()
                .map(setting -> Integer.parseInt(setting.substring(key.length() + 1)))
                .orElseThrow();
    }

    @Test
    void anUnreachableTrinoIsOneLineNamingWhereItWasLookedFor() {
        int nobody = FreePorts.next();

        CommandLineTest.Run unreachable =
                run(ExitCodes.NOT_READY, "--set", "stack.trino-port=" + nobody, "sql", "SELECT 1");

        assertThat(unreachable.err())
                .startsWith("meterlake: cannot reach Trino at 127.0.0.1:" + nobody + " (")
                .contains("meterlake stack status")
                .doesNotContain("Exception")
                .hasLineCount(1);
    }

    @Test
    void aSparkCommitAfterRegistrationIsVisibleToTheNextQuery() throws IOException {
        long before = count("finance", "SELECT count(*) AS n FROM raw_usage_events");
        Path late = Files.writeString(
                dir.resolve("after.jsonl"),
                Files.readAllLines(dir.resolve("late.jsonl")).get(0).replace("evt-very-late", "evt-after-registration")
                        + "\n");

        run(0, "ingest", late.toString());

        assertThat(count("finance", "SELECT count(*) AS n FROM raw_usage_events"))
                .isEqualTo(before + 1);
    }

    @Test
    void everySqlCellOfEveryNotebookRunsAndEveryCommandSucceeds() throws IOException {
        List<Path> notebooks;
        try (var files = Files.list(Path.of("..", "notebooks"))) {
            notebooks = files.filter(file -> file.toString().endsWith(".ipynb"))
                    .sorted()
                    .toList();
        }
        assertThat(notebooks).hasSize(2);
        int cells = 0;
        for (Path file : notebooks) {
            NotebookCells notebook = NotebookCells.read(file);
            String user = notebook.parameters().get("USER");
            assertThat(user).as(file.toString()).isNotBlank();
            for (NotebookCells.SqlCell cell : notebook.sql()) {
                CommandLineTest.Run result = run(0, "sql", cell.sql(), "--user", user, "--format", "json");
                if (cell.expectRows()) {
                    assertThat(json(result))
                            .as(file.getFileName() + " cell " + cell.id())
                            .isNotEmpty();
                }
                cells++;
            }
            Map<String, String> values = new java.util.HashMap<>(notebook.parameters());
            values.put("WAREHOUSE", warehouse);
            values.put("PUBLIC_KEY", dir.resolve("k.pub.pem").toString());
            values.put("PERIOD", MONTH.toString());
            for (String command : notebook.commands()) {
                List<String> arguments = NotebookCells.arguments(command, values);
                CommandLineTest.Run result = CommandLineTest.Run.at(CLOCK, arguments.toArray(String[]::new));
                assertThat(result.exitCode())
                        .as(command + "\n" + result.out() + result.err())
                        .isZero();
            }
        }
        assertThat(cells).isGreaterThanOrEqualTo(8);
    }
}
