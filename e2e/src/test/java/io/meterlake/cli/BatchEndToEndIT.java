package io.meterlake.cli;

import static io.meterlake.cli.BillingPeriodsCheck.json;
import static io.meterlake.cli.BillingPeriodsCheck.run;
import static io.meterlake.cli.BillingPeriodsCheck.show;
import static io.meterlake.cli.BillingPeriodsCheck.shownLines;
import static io.meterlake.cli.BillingPeriodsCheck.truthLines;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meterlake.error.ExitCodes;
import io.meterlake.workload.Truth;
import io.meterlake.workload.TruthJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * generate → ingest → reconcile → publish → periods show → verify, in process, against the generator's
 * truth for every period it has lines in (the workload has a plan change, instants exactly at period
 * boundaries, non-UTC offsets, duplicates, conflicting duplicates and MAX metrics); then a very late
 * event makes revision 2. The CLI's clock is fixed at 2026-11-23T10:00Z: September and October are
 * ready, November has not ended (so it is refused, even forced); a week later it has ended but not
 * its grace (so it waits, unless forced). The workload has corrections too (voids, amends, refused ones);
 * then a void, an amend and a bulk void of the published October make revision 3, which lists them.
 */
class BatchEndToEndIT {
    @TempDir
    Path dir;

    /**
     * Corrections of the published October: a void and an amend sent as events, and a bulk void of one
     * tenant's key-value writes for a day; revision 3 lists exactly those, and every revision verifies.
     */
    private void corrects(String warehouse, Path events, String privateKey, String publicKey) throws IOException {
        List<String> lines = Files.readAllLines(events);
        // Two valid October invocations sent once, corrected by nothing in the workload.
        List<String> targeted = lines.stream()
                .filter(line -> line.contains("\"target_event_id\""))
                .map(line -> line.replaceFirst("^.*\"target_event_id\":\"([^\"]+)\".*$", "$1"))
                .toList();
        List<String> candidates = lines.stream()
                .filter(line -> line.contains("\"metric\":\"functions.invocations\"")
                        && line.contains("\"event_time\":\"2026-10-1")
                        && !line.contains("\"action\"")
                        && line.contains("\"source\":\"forge-functions\"")
                        && !line.contains("-invalid-"))
                .filter(line -> {
                    String id = line.replaceFirst("^.*\"event_id\":\"([^\"]+)\".*$", "$1");
                    return !targeted.contains(id)
                            && lines.stream()
                                            .filter(other -> other.contains("\"" + id + "\""))
                                            .count()
                                    == 1;
                })
                .limit(2)
                .toList();
        assertThat(candidates).hasSize(2);
        String voidedId = candidates.get(0).replaceFirst("^.*\"event_id\":\"([^\"]+)\".*$", "$1");
        String amendedId = candidates.get(1).replaceFirst("^.*\"event_id\":\"([^\"]+)\".*$", "$1");
        String voidLine = candidates
                .get(0)
                .replaceFirst(
                        "\"event_id\":\"[^\"]+\"",
                        "\"event_id\":\"fix-void-1\",\"action\":\"void\",\"target_event_id\":\"" + voidedId + "\"");
        String amendLine = candidates
                .get(1)
                .replaceFirst(
                        "\"event_id\":\"[^\"]+\"",
                        "\"event_id\":\"fix-amend-1\",\"action\":\"amend\",\"target_event_id\":\"" + amendedId + "\"")
                .replaceFirst("\"quantity\":(\"[^\"]*\"|[0-9.]+)", "\"quantity\":\"123456\"");
        run(
                warehouse,
                0,
                "ingest",
                Files.writeString(dir.resolve("fixes.jsonl"), voidLine + "\n" + amendLine + "\n")
                        .toString());

        String[] bulk = {
            "corrections",
            "void",
            "--source",
            "forge-kvs",
            "--tenant",
            "tenant-002",
            "--from",
            "2026-10-10T00:00:00Z",
            "--to",
            "2026-10-12T00:00:00Z",
            "--reason",
            "kvs deploy double-sent"
        };
        JsonNode dry = json(run(warehouse, 0, concat(bulk, "--dry-run", "--format", "json")));
        long bulkVoided = dry.get("selected").asLong();
        assertThat(bulkVoided).isPositive();
        assertThat(dry.get("lines").get(0).get("events_voided").asLong()).isPositive();
        JsonNode voided = json(run(warehouse, 0, concat(bulk, "--format", "json")));
        assertThat(voided.get("accepted").asLong()).isEqualTo(bulkVoided);
        assertThat(voided.get("lines")).isEqualTo(dry.get("lines"));
        assertThat(json(run(warehouse, 0, concat(bulk, "--format", "json")))
                        .get("selected")
                        .asLong())
                .as("running it again voids nothing more")
                .isZero();

        run(warehouse, 0, "reconcile", "--period", "2026-10");
        assertThat(run(warehouse, 0, "publish", "--period", "2026-10", "--signing-key", privateKey)
                        .out())
                .startsWith("published 2026-10 revision 3 (supersedes revision 2)");
        JsonNode changes =
                json(run(warehouse, 0, "periods", "show", "--period", "2026-10", "--changes", "--format", "json"));
        assertThat(changes.get("counts").toString()).isEqualTo("{\"VOIDED\":" + (bulkVoided + 1) + ",\"AMENDED\":1}");
        List<String> changed = new ArrayList<>();
        changes.get("changes")
                .forEach(change -> changed.add(change.get("kind").asText() + " "
                        + change.get("event_id").asText() + " by "
                        + change.get("correction_id").asText()));
        assertThat(changed)
                .contains("VOIDED " + voidedId + " by fix-void-1", "AMENDED " + amendedId + " by fix-amend-1");
        changes.get("changes").forEach(change -> {
            if (change.get("kind").asText().equals("AMENDED")) {
                assertThat(change.get("quantity_after").asText()).isEqualTo("123456.000000000");
            } else if (!change.get("event_id").asText().equals(voidedId)) {
                assertThat(change.get("source").asText()).isEqualTo("forge-kvs");
                assertThat(change.get("correction_id").asText()).startsWith("void-");
            }
        });
        for (String revision : List.of("1", "2", "3")) {
            assertThat(run(
                                    warehouse,
                                    0,
                                    "verify",
                                    "--period",
                                    "2026-10",
                                    "--revision",
                                    revision,
                                    "--public-key",
                                    publicKey)
                            .out())
                    .startsWith("verified 2026-10 revision " + revision);
        }
        // Another key: verify says so before any recompute, without asking for Spark.
        String other = dir.resolve("other.pub.pem").toString();
        run(
                warehouse,
                0,
                "keys",
                "generate",
                "--private-key-out",
                dir.resolve("other.pem").toString(),
                "--public-key-out",
                other);
        long sessions = io.meterlake.spark.SparkSessions.requests();
        assertThat(run(warehouse, ExitCodes.FAILED, "verify", "--period", "2026-10", "--public-key", other)
                        .err())
                .contains("revision 3 of 2026-10 was signed by key ")
                .contains("nothing recomputed")
                .hasLineCount(1);
        assertThat(io.meterlake.spark.SparkSessions.requests()).isEqualTo(sessions);
    }

    private static String[] concat(String[] first, String... more) {
        String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }

    @Test
    void publishesTheGeneratorsTruthAndRevisesItForAVeryLateEvent() throws IOException {
        String warehouse = dir.resolve("warehouse").toString();
        Path events = dir.resolve("events.jsonl");
        String privateKey = dir.resolve("k.pem").toString();
        String publicKey = dir.resolve("k.pub.pem").toString();
        run(
                warehouse,
                0,
                "generate",
                "--events",
                "4000",
                "--seed",
                "5",
                "--out",
                events.toString(),
                "--entitlements-out",
                dir.resolve("e.csv").toString(),
                "--truth-out",
                dir.resolve("truth.json").toString(),
                "--correction-rate",
                "0.02");
        Truth truth = TruthJson.read(dir.resolve("truth.json"));
        assertThat(truth.conflicts()).isPositive();
        run(warehouse, 0, "entitlements", "load", dir.resolve("e.csv").toString());
        run(warehouse, 0, "ingest", events.toString());
        run(warehouse, 0, "keys", "generate", "--private-key-out", privateKey, "--public-key-out", publicKey);
        assertThat(BillingPeriodsCheck.periods(truth)).containsExactly("2026-09", "2026-10", "2026-11");
        assertThat(truth.corrections().get("2026-10").applied()).isPositive();
        assertThat(truth.corrections().get("2026-10").rejected()).isPositive();

        for (String period : List.of("2026-09", "2026-10")) {
            JsonNode reconciled = json(run(warehouse, 0, "reconcile", "--period", period, "--format", "json"));
            JsonNode again = json(run(warehouse, 0, "reconcile", "--period", period, "--format", "json"));
            // Same raw version, same output, and the repeat writes nothing.
            assertThat(again.get("content_sha256")).isEqualTo(reconciled.get("content_sha256"));
            assertThat(again.get("run_id")).isEqualTo(reconciled.get("run_id"));
            assertThat(again.get("already_recorded").booleanValue()).isTrue();
            // No stream has run: every window is not yet streamed, holds a conflict or a corrected event;
            // and a row per correction the recompute refused.
            assertThat(reconciled.get("causes").fieldNames())
                    .toIterable()
                    .contains("NOT_YET_STREAMED")
                    .isSubsetOf(
                            "NOT_YET_STREAMED",
                            "CONFLICT",
                            "CORRECTED",
                            "CORRECTION_FIELDS_DIFFER",
                            "CORRECTION_TARGET_MISSING");
            // (September holds only boundary events: no correction.)
            Truth.Corrections corrections = truth.corrections().getOrDefault(period, new Truth.Corrections(0, 0, 0));
            JsonNode resolved = reconciled.get("corrections");
            assertThat(resolved.get("APPLIED").asLong()).as(period).isEqualTo(corrections.applied());
            assertThat(resolved.get("SUPERSEDED").asLong()).as(period).isEqualTo(corrections.superseded());
            assertThat(reconciled.get("corrections_not_applied").size())
                    .as(period)
                    .isEqualTo(corrections.rejected());
            assertThat(resolved.get("FIELDS_DIFFER").asLong()
                            + resolved.get("TARGET_MISSING").asLong()
                            + resolved.get("TARGETS_A_CORRECTION").asLong())
                    .isEqualTo(corrections.rejected());

            run(warehouse, 0, "publish", "--period", period, "--signing-key", privateKey);
            CommandLineTest.Run unchanged =
                    run(warehouse, 0, "publish", "--period", period, "--signing-key", privateKey);
            assertThat(unchanged.out()).startsWith("unchanged, revision 1");

            JsonNode shown = show(warehouse, period);
            assertThat(shownLines(shown)).isEqualTo(truthLines(truth, period));
            assertThat(shown.get("revision").intValue()).isEqualTo(1);
            assertThat(shown.get("content_sha256")).isEqualTo(reconciled.get("content_sha256"));
            assertThat(shown.fieldNames())
                    .toIterable()
                    .containsExactly(
                            "period",
                            "revision",
                            "raw_table_version",
                            "content_sha256",
                            "signature",
                            "key_id",
                            "published_at",
                            "lines",
                            "status",
                            "approved_by",
                            "locked_revision",
                            "locked_at",
                            "corrections");
            assertThat(run(warehouse, 0, "verify", "--period", period, "--public-key", publicKey)
                            .out())
                    .startsWith("verified " + period + " revision 1");
        }

        // Every published period with its state, read without Spark; and one period's status.
        long sessions = io.meterlake.spark.SparkSessions.requests();
        JsonNode listed = json(run(warehouse, 0, "periods", "list", "--format", "json"));
        List<String> periods = new ArrayList<>();
        listed.forEach(p -> periods.add(p.get("period").textValue() + " r"
                + p.get("revision").intValue() + " " + p.get("status").textValue()));
        assertThat(periods).containsExactly("2026-09 r1 draft", "2026-10 r1 draft");
        assertThat(json(run(warehouse, 0, "periods", "status", "--period", "2026-10", "--format", "json"))
                        .get("status")
                        .textValue())
                .isEqualTo("draft");
        assertThat(io.meterlake.spark.SparkSessions.requests())
                .as("Spark sessions 'periods list' and 'status' asked for")
                .isEqualTo(sessions);

        // November has not ended: never published, not even forced.
        CommandLineTest.Run unended = run(
                warehouse, ExitCodes.USAGE, "publish", "--period", "2026-11", "--signing-key", privateKey, "--force");
        assertThat(unended.err())
                .contains("period 2026-11 has not ended: it ends at 2026-12-01T00:00:00Z")
                .hasLineCount(1);
        assertThat(run(warehouse, ExitCodes.USAGE, "periods", "show", "--period", "2026-11")
                        .err())
                .contains("period 2026-11 has not been published");
        // A week later it has ended but not its grace: not ready, unless forced, which is recorded.
        Clock later = Clock.offset(CommandLineTest.CLOCK, Duration.ofDays(8));
        CommandLineTest.Run early = BillingPeriodsCheck.run(
                later, warehouse, ExitCodes.NOT_READY, "publish", "--period", "2026-11", "--signing-key", privateKey);
        assertThat(early.err()).contains("not ready").contains("grace").contains("2026-12-03T00:00:00Z");
        JsonNode forced = json(BillingPeriodsCheck.run(
                later,
                warehouse,
                0,
                "publish",
                "--period",
                "2026-11",
                "--signing-key",
                privateKey,
                "--force",
                "--format",
                "json"));
        assertThat(forced.get("forced").booleanValue()).isTrue();
        assertThat(shownLines(show(warehouse, "2026-11"))).isEqualTo(truthLines(truth, "2026-11"));

        // A very late event for October: the first generated event again under a new id.
        String first = Files.readAllLines(events).get(0);
        assertThat(first).contains("\"functions.invocations\"").contains("\"quantity\":1");
        Path late = Files.writeString(
                dir.resolve("late.jsonl"),
                first.replaceFirst("\"event_id\":\"[^\"]+\"", "\"event_id\":\"evt-very-late\"") + "\n");
        run(warehouse, 0, "ingest", late.toString());
        run(warehouse, 0, "reconcile", "--period", "2026-10");
        CommandLineTest.Run revised = run(warehouse, 0, "publish", "--period", "2026-10", "--signing-key", privateKey);
        assertThat(revised.out()).startsWith("published 2026-10 revision 2 (supersedes revision 1)");

        // Revision 2 differs from the truth in exactly one line: one more invocation, one more event.
        List<String> expected = truthLines(truth, "2026-10");
        List<String> revision2 = shownLines(show(warehouse, "2026-10"));
        List<String> changed = new ArrayList<>(revision2);
        changed.removeAll(expected);
        List<String> replaced = new ArrayList<>(expected);
        replaced.removeAll(revision2);
        assertThat(changed).hasSize(1);
        assertThat(replaced).hasSize(1);
        String[] before = replaced.get(0).split(" ");
        String[] after = changed.get(0).split(" ");
        // subscription account plan metric unit quantity events
        assertThat(after[3]).isEqualTo("functions.invocations");
        assertThat(List.of(after).subList(0, 5)).isEqualTo(List.of(before).subList(0, 5));
        assertThat(new java.math.BigDecimal(after[5]))
                .isEqualTo(new java.math.BigDecimal(before[5])
                        .add(java.math.BigDecimal.ONE)
                        .setScale(9));
        assertThat(Long.parseLong(after[6])).isEqualTo(Long.parseLong(before[6]) + 1);

        // Revision 1 is kept and still verifies against raw at its own version; so does revision 2.
        JsonNode revision1 = json(
                run(warehouse, 0, "periods", "show", "--period", "2026-10", "--revision", "1", "--format", "json"));
        assertThat(shownLines(revision1)).isEqualTo(expected);
        run(warehouse, 0, "verify", "--period", "2026-10", "--revision", "1", "--public-key", publicKey);
        run(warehouse, 0, "verify", "--period", "2026-10", "--public-key", publicKey);

        // Revision 2's changes since revision 1: exactly the very late event.
        JsonNode changes2 =
                json(run(warehouse, 0, "periods", "show", "--period", "2026-10", "--changes", "--format", "json"));
        assertThat(changes2.get("supersedes").intValue()).isEqualTo(1);
        assertThat(changes2.get("changes").toString())
                .isEqualTo(
                        "[{\"kind\":\"ADDED\",\"source\":\"forge-functions\","
                                + "\"event_id\":\"evt-very-late\",\"subscription_id\":\"" + after[0]
                                + "\",\"metric\":\"functions.invocations\","
                                + "\"unit\":\"count\",\"quantity_before\":null,\"quantity_after\":\"1.000000000\",\"correction_id\":null}]");

        // The CSV has a header and one row per line.
        List<String> csv = run(warehouse, 0, "periods", "show", "--period", "2026-10", "--format", "csv")
                .out()
                .lines()
                .toList();
        assertThat(csv.get(0))
                .isEqualTo(
                        "period,revision,subscription_id,billing_account_id,plan,metric,unit,quantity,event_count,service_period,charge_class,status");
        assertThat(csv).hasSize(revision2.size() + 1);
        assertThat(csv.subList(1, csv.size()))
                .allSatisfy(line -> assertThat(line).startsWith("2026-10,2,").endsWith(",2026-10,usage,draft"));

        corrects(warehouse, events, privateKey, publicKey);

        // A producer re-uses the first event's id for a new event in November. Within the default
        // horizon (90 days) the copies are compared and the audit is clean; with a week's horizon no
        // recompute compares them, and dedup-audit names the identity and the periods it may bill.
        String id = first.replaceFirst("^.*\"event_id\":\"([^\"]+)\".*$", "$1");
        String firstTime = first.replaceFirst("^.*\"event_time\":\"([^\"]+)\".*$", "$1");
        Path reused = Files.writeString(
                dir.resolve("reused.jsonl"),
                first.replaceFirst("\"event_time\":\"[^\"]+\"", "\"event_time\":\"2026-11-22T00:00:00Z\"") + "\n");
        run(warehouse, 0, "ingest", reused.toString());
        assertThat(run(warehouse, 0, "dedup-audit").out())
                .contains("every identity's copies lie within the horizon (90d5m)");
        CommandLineTest.Run audit =
                run(warehouse, ExitCodes.FAILED, "--set", "reconcile.dedup-horizon=7d", "dedup-audit");
        assertThat(audit.out())
                .contains("copies further apart than the horizon (7d)")
                .contains(id);
        JsonNode findings = json(run(
                warehouse, ExitCodes.FAILED, "--set", "reconcile.dedup-horizon=7d", "dedup-audit", "--format", "json"));
        JsonNode finding = java.util.stream.StreamSupport.stream(
                        findings.get("findings").spliterator(), false)
                .filter(node -> node.get("event_id").asText().equals(id))
                .findFirst()
                .orElseThrow();
        assertThat(finding.get("records").asLong()).isEqualTo(2);
        assertThat(java.time.Instant.parse(finding.get("first_event_time").asText()))
                .isEqualTo(java.time.Instant.parse(firstTime));
        assertThat(finding.get("last_event_time").asText()).isEqualTo("2026-11-22T00:00:00Z");
        assertThat(finding.get("periods").toString())
                .isEqualTo(
                        firstTime.startsWith("2026-11")
                                ? "[\"2026-11\"]"
                                : "[\"" + firstTime.substring(0, 7) + "\",\"2026-11\"]");
        assertThat(findings.get("identities_beyond_horizon").asInt())
                .isEqualTo(findings.get("findings").size());
    }
}
