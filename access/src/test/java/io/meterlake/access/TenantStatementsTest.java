package io.meterlake.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TenantStatementsTest {
    @Test
    void plainQueriesPassInEveryLexicalDisguise() {
        for (String query : List.of(
                "SELECT 1",
                "select count(*) from raw_usage_events",
                "  \t\r\nSELECT 1",
                "-- a comment\nSELECT 1",
                "/* a comment */ SELECT 1",
                "/**/SELECT 1",
                "SELECT*FROM t",
                "SELECT\"a\" FROM t",
                "SELECT'x'",
                "SELECT-1",
                "SELECT/* c */1",
                "SELECT--c\n1",
                "SELECT(1)",
                "WITH t AS (SELECT 1) SELECT * FROM t",
                "WITH RECURSIVE t(n) AS (VALUES 1) SELECT * FROM t",
                "WITH \"session\" AS (SELECT 1) SELECT 1",
                "VALUES 1, 2",
                "TABLE invoice_lines",
                "(SELECT 1)",
                "( ( SELECT 1 ) )",
                "(/* c */ WITH t AS (SELECT 1) SELECT * FROM t)",
                "-- comment ended by CR\rSELECT 1",
                "SeLeCt 1")) {
            assertThat(TenantStatements.refusal(query)).as(query).isEmpty();
        }
    }

    @Test
    void everythingElseIsRefusedNamingWhatItIs() {
        List<List<String>> refused = List.of(
                List.of("EXPLAIN ANALYZE SELECT count(*) FROM raw_usage_events", "not EXPLAIN ANALYZE:"),
                List.of("explain analyze verbose select 1", "not EXPLAIN ANALYZE:"),
                List.of("EXPLAIN/**/ANALYZE SELECT 1", "not EXPLAIN ANALYZE:"),
                List.of("/* SELECT */ EXPLAIN ANALYZE SELECT 1", "not EXPLAIN ANALYZE:"),
                List.of("-- SELECT\nEXPLAIN ANALYZE SELECT 1", "not EXPLAIN ANALYZE:"),
                List.of("(EXPLAIN ANALYZE SELECT 1)", "not EXPLAIN ANALYZE:"),
                List.of("EXPLAIN SELECT 1", "not EXPLAIN:"),
                List.of("EXPLAIN (TYPE IO) SELECT 1", "not EXPLAIN:"),
                List.of("SHOW STATS FOR raw_usage_events", "not SHOW STATS:"),
                List.of("SHOW CREATE TABLE t", "not SHOW CREATE:"),
                List.of("DESCRIBE raw_usage_events", "not DESCRIBE:"),
                List.of("PREPARE p FROM EXPLAIN ANALYZE SELECT 1", "not PREPARE:"),
                List.of("EXECUTE p", "not EXECUTE P:"),
                List.of("EXECUTE IMMEDIATE 'EXPLAIN ANALYZE SELECT 1'", "not EXECUTE IMMEDIATE:"),
                List.of("SET SESSION query_max_run_time = '1h'", "not SET:"),
                List.of("WITH SESSION query_max_run_time = '1h' SELECT 1", "not WITH SESSION:"),
                List.of("WITH FUNCTION f() RETURNS int RETURN 1 SELECT f()", "not WITH FUNCTION:"),
                List.of("USE system.runtime", "not USE:"),
                List.of("START TRANSACTION", "not START:"),
                List.of("CALL system.sync_partition_metadata()", "not CALL:"),
                List.of("INSERT INTO t SELECT 1", "not INSERT:"),
                List.of("\"SELECT\" 1", "not a statement beginning with U+0022:"),
                List.of("\u00a0SELECT 1", "not a statement beginning with U+00A0:"),
                List.of("\ufeffSELECT 1", "not a statement beginning with U+FEFF:"),
                List.of("SELECTED 1", "not SELECTED:"),
                List.of("SELECT\u00a01", "not SELECT:"),
                List.of("SELECT", "not SELECT:"),
                List.of("", "not an empty statement:"),
                List.of("-- only a comment", "not an empty statement:"),
                List.of("/* unterminated SELECT 1", "not an unterminated comment:"),
                List.of("(".repeat(200) + "SELECT 1", "nested in over 100 parentheses"));
        for (List<String> probe : refused) {
            assertThat(TenantStatements.refusal(probe.get(0)))
                    .as(probe.get(0))
                    .hasValueSatisfying(reason -> assertThat(reason)
                            .startsWith("Access Denied: a tenant user runs plain queries only")
                            .contains(probe.get(1)));
        }
    }
}
