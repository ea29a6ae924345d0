package io.meterlake.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.meterlake.error.ExitCodes;
import io.meterlake.workload.Truth;
import io.meterlake.workload.TruthJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.meterlake.cli.BillingPeriodsCheck.json;
import static io.meterlake.cli.BillingPeriodsCheck.run;
import static io.meterlake.cli.BillingPeriodsCheck.show;
import static io.meterlake.cli.BillingPeriodsCheck.shownLines;
import static io.meterlake.cli.BillingPeriodsCheck.truthLines;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * generate → ingest → reconcile → publish → periods show → verify, in process, against the generator's
 * truth for every period it has lines in (the workload has a plan change, instants exactly at period
 * boundaries, non-UTC offsets, duplicates, conflicting duplicates and MAX metrics); then a very late
 * event makes revision 2. The CLI's clock is fixed at 2026-11-23T10:00Z: September and October are
 * ready, November has not ended (so it is refused, even forced); a week later it has ended but not
 * its grace (so it waits, unless forced).
 */
class BatchEndToEndIT {
    @TempDir
    Path dir;

    @Test
    void publishesTheGeneratorsTruthAndRevisesItForAVeryLateEvent() throws IOException {
        String warehouse = dir.resolve("warehouse").toString();
        Path events = dir.resolve("events.jsonl");
        String privateKey = dir.resolve("k.pem").toString();
        String publicKey = dir.resolve("k.pub.pem").toString();
        run(warehouse, 0, "generate", "--events", "4000", "--seed", "5", "--out", events.toString(),
                "--entitlements-out", dir.resolve("e.csv").toString(), "--truth-out", dir.resolve("truth.json").toString());
        Truth truth = TruthJson.read(dir.resolve("truth.json"));
        assertThat(truth.conflicts()).isPositive();
        run(warehouse, 0, "entitlements", "load", dir.resolve("e.csv").toString());
        run(warehouse, 0, "ingest", events.toString());
        run(warehouse, 0, "keys", "generate", "--private-key-out", privateKey, "--public-key-out", publicKey);
        assertThat(BillingPeriodsCheck.periods(truth)).containsExactly("2026-09", "2026-10", "2026-11");

        for (String period : List.of("2026-09", "2026-10")) {
            JsonNode reconciled = json(run(warehouse, 0, "reconcile", "--period", period, "--format", "json"));
            JsonNode again = json(run(warehouse, 0, "reconcile", "--period", period, "--format", "json"));
            // Same raw version, same output, and the repeat writes nothing.
            assertThat(again.get("content_sha256")).isEqualTo(reconciled.get("content_sha256"));
            assertThat(again.get("run_id")).isEqualTo(reconciled.get("run_id"));
            assertThat(again.get("already_recorded").booleanValue()).isTrue();
            // No stream has run: every window is not yet streamed, or holds a conflict.
            assertThat(reconciled.get("causes").fieldNames()).toIterable().contains("NOT_YET_STREAMED")
                    .isSubsetOf("NOT_YET_STREAMED", "CONFLICT");

            run(warehouse, 0, "publish", "--period", period, "--signing-key", privateKey);
            CommandLineTest.Run unchanged = run(warehouse, 0, "publish", "--period", period, "--signing-key", privateKey);
            assertThat(unchanged.out()).startsWith("unchanged, revision 1");

            JsonNode shown = show(warehouse, period);
            assertThat(shownLines(shown)).isEqualTo(truthLines(truth, period));
            assertThat(shown.get("revision").intValue()).isEqualTo(1);
            assertThat(shown.get("content_sha256")).isEqualTo(reconciled.get("content_sha256"));
            assertThat(shown.fieldNames()).toIterable().containsExactly("period", "revision", "raw_table_version",
                    "content_sha256", "signature", "key_id", "published_at", "lines");
            assertThat(run(warehouse, 0, "verify", "--period", period, "--public-key", publicKey).out())
                    .startsWith("verified " + period + " revision 1");
        }

        // November has not ended: never published, not even forced.
        CommandLineTest.Run unended = run(warehouse, ExitCodes.USAGE, "publish", "--period", "2026-11",
                "--signing-key", privateKey, "--force");
        assertThat(unended.err()).contains("period 2026-11 has not ended: it ends at 2026-12-01T00:00:00Z")
                .hasLineCount(1);
        assertThat(run(warehouse, ExitCodes.USAGE, "periods", "show", "--period", "2026-11").err())
                .contains("period 2026-11 has not been published");
        // A week later it has ended but not its grace: not ready, unless forced, which is recorded.
        Clock later = Clock.offset(CommandLineTest.CLOCK, Duration.ofDays(8));
        CommandLineTest.Run early = BillingPeriodsCheck.run(later, warehouse, ExitCodes.NOT_READY, "publish",
                "--period", "2026-11", "--signing-key", privateKey);
        assertThat(early.err()).contains("not ready").contains("grace").contains("2026-12-03T00:00:00Z");
        JsonNode forced = json(BillingPeriodsCheck.run(later, warehouse, 0, "publish", "--period", "2026-11",
                "--signing-key", privateKey, "--force", "--format", "json"));
        assertThat(forced.get("forced").booleanValue()).isTrue();
        assertThat(shownLines(show(warehouse, "2026-11"))).isEqualTo(truthLines(truth, "2026-11"));

        // A very late event for October: the first generated event again under a new id.
        String first = Files.readAllLines(events).get(0);
        assertThat(first).contains("\"functions.invocations\"").contains("\"quantity\":1");
        Path late = Files.writeString(dir.resolve("late.jsonl"), first.replaceFirst("\"event_id\":\"[^\"]+\"",
                "\"event_id\":\"evt-very-late\"") + "\n");
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
        assertThat(new java.math.BigDecimal(after[5])).isEqualTo(new java.math.BigDecimal(before[5]).add(
                java.math.BigDecimal.ONE).setScale(9));
        assertThat(Long.parseLong(after[6])).isEqualTo(Long.parseLong(before[6]) + 1);

        // Revision 1 is kept and still verifies against raw at its own version; so does revision 2.
        JsonNode revision1 = json(run(warehouse, 0, "periods", "show", "--period", "2026-10", "--revision", "1",
                "--format", "json"));
        assertThat(shownLines(revision1)).isEqualTo(expected);
        run(warehouse, 0, "verify", "--period", "2026-10", "--revision", "1", "--public-key", publicKey);
        run(warehouse, 0, "verify", "--period", "2026-10", "--public-key", publicKey);

        // The CSV has a header and one row per line.
        List<String> csv = run(warehouse, 0, "periods", "show", "--period", "2026-10", "--format", "csv").out().lines()
                .toList();
        assertThat(csv.get(0)).isEqualTo("period,revision,subscription_id,billing_account_id,plan,metric,unit,quantity,event_count");
        assertThat(csv).hasSize(revision2.size() + 1);
        assertThat(csv.subList(1, csv.size())).allSatisfy(line -> assertThat(line).startsWith("2026-10,2,"));

        // A producer re-uses the first event's id for a new event in November. Within the default
        // horizon (90 days) the copies are compared and the audit is clean; with a week's horizon no
        // recompute compares them, and dedup-audit names the identity and the periods it may bill.
        String id = first.replaceFirst("^.*\"event_id\":\"([^\"]+)\".*$", "$1");
        String firstTime = first.replaceFirst("^.*\"event_time\":\"([^\"]+)\".*$", "$1");
        Path reused = Files.writeString(dir.resolve("reused.jsonl"), first.replaceFirst("\"event_time\":\"[^\"]+\"",
                "\"event_time\":\"2026-11-22T00:00:00Z\"") + "\n");
        run(warehouse, 0, "ingest", reused.toString());
        assertThat(run(warehouse, 0, "dedup-audit").out()).contains("every identity's copies lie within the horizon (90d5m)");
        CommandLineTest.Run audit = run(warehouse, ExitCodes.FAILED, "--set", "reconcile.dedup-horizon=7d", "dedup-audit");
        assertThat(audit.out()).contains("copies further apart than the horizon (7d)").contains(id);
        JsonNode findings = json(run(warehouse, ExitCodes.FAILED, "--set", "reconcile.dedup-horizon=7d", "dedup-audit",
                "--format", "json"));
        JsonNode finding = java.util.stream.StreamSupport.stream(findings.get("findings").spliterator(), false)
                .filter(node -> node.get("event_id").asText().equals(id)).findFirst().orElseThrow();
        assertThat(finding.get("records").asLong()).isEqualTo(2);
        assertThat(java.time.Instant.parse(finding.get("first_event_time").asText())).isEqualTo(java.time.Instant.parse(firstTime));
        assertThat(finding.get("last_event_time").asText()).isEqualTo("2026-11-22T00:00:00Z");
        assertThat(finding.get("periods").toString()).isEqualTo(firstTime.startsWith("2026-11") ? "[\"2026-11\"]"
                : "[\"" + firstTime.substring(0, 7) + "\",\"2026-11\"]");
        assertThat(findings.get("identities_beyond_horizon").asInt()).isEqualTo(findings.get("findings").size());
    }
}
