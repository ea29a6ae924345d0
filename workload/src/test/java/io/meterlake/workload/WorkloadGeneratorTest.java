package io.meterlake.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.MeterlakeException;
import io.meterlake.model.Entitlement;
import io.meterlake.validation.ReasonCode;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WorkloadGeneratorTest {
    private static final MeterlakeConfig CONFIG = ConfigLoader.load(Optional.empty(), List.of(), Map.of());
    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    private static final Instant START = Instant.parse("2026-10-01T00:00:00Z");

    private static WorkloadSpec spec(long events, long seed) {
        return new WorkloadSpec(events, seed, 4, START, 31, 0.05, 0.01, 0.02, 0.03);
    }

    private static List<String> generate(WorkloadSpec spec, Truth[] truth) {
        List<String> lines = new ArrayList<>();
        truth[0] = new WorkloadGenerator(spec, CONFIG, NOW).generate(lines::add);
        return lines;
    }

    @Test
    void countsEveryRecordExactlyOnce() {
        Truth[] truth = new Truth[1];
        List<String> lines = generate(spec(5_000, 7), truth);

        long quarantined = truth[0].quarantined().values().stream()
                .mapToLong(Long::longValue)
                .sum();
        assertThat(lines).hasSize(5_000);
        assertThat(truth[0].records()).isEqualTo(5_000);
        assertThat(truth[0].accepted() + quarantined).isEqualTo(5_000);
        assertThat(truth[0].duplicates()).isPositive();
        assertThat(truth[0].conflicts()).isPositive();
        assertThat(truth[0].quarantined().keySet())
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(ReasonCode.values())
                        .filter(reason -> reason != ReasonCode.UNPROCESSABLE)
                        .map(Enum::name)
                        .toList());
    }

    /**
     * The truth holds an event only while a copy or a correction can still name it: at 20M events,
     * keeping every identity took 5 GB of heap and starved the benchmark's Spark of memory.
     */
    @Test
    void theTruthsMemoryIsBoundedByTheRecentEventsAndTheCorrectionsNotTheWorkload() {
        WorkloadSpec corrected = new WorkloadSpec(60_000, 11, 4, START, 31, 0.05, 0.01, 0.02, 0.03, 0, 0.01);
        WorkloadGenerator generator = new WorkloadGenerator(corrected, CONFIG, NOW);
        long[] corrections = {0};
        Truth truth = generator.generate(line -> corrections[0] += line.contains("-fix-") ? 1 : 0);

        assertThat(truth.lines().stream().mapToLong(Truth.Line::eventCount).sum())
                .isGreaterThan(40_000);
        assertThat(corrections[0]).isPositive();
        assertThat((long) generator.peakOpenEvents())
                .isGreaterThanOrEqualTo((long) WorkloadGenerator.recentEvents())
                .isLessThanOrEqualTo(WorkloadGenerator.recentEvents() + corrections[0]);
    }

    @Test
    void correctionsAreRecordsOfTheirOwnAndTheTruthAppliesTheApplicableOnes() {
        WorkloadSpec corrected = new WorkloadSpec(4_000, 9, 4, START, 31, 0.05, 0.01, 0.02, 0.03, 0, 0.1);
        Truth[] truth = new Truth[1];
        List<String> lines = generate(corrected, truth);
        Truth[] plain = new Truth[1];
        generate(spec(4_000, 9), plain);

        // (The invalid records include corrections of a bad shape: INVALID_TARGET, UNKNOWN_ACTION.)
        long voids = lines.stream()
                .filter(line -> line.contains("\"action\":\"void\"") && line.contains("-fix-"))
                .count();
        long amends = lines.stream()
                .filter(line -> line.contains("\"action\":\"amend\"") && line.contains("-fix-"))
                .count();
        assertThat(voids).isPositive();
        assertThat(amends).isPositive();
        // A void sent before its target, and a bare void (no quantity, no unit).
        assertThat(lines.stream().filter(line -> line.contains("\"action\":\"void\"") && !line.contains("\"unit\"")))
                .isNotEmpty();
        long resolved = truth[0].corrections().values().stream()
                .mapToLong(c -> c.applied() + c.superseded() + c.rejected())
                .sum();
        assertThat(resolved).isEqualTo(voids + amends);
        assertThat(truth[0].corrections().values())
                .allSatisfy(c -> assertThat(c.applied()).isPositive());
        assertThat(truth[0].corrections().values().stream()
                        .mapToLong(Truth.Corrections::rejected)
                        .sum())
                .isPositive();
        // Corrections are accepted records, billed as nothing: fewer events billed than without them.
        long billed =
                truth[0].lines().stream().mapToLong(Truth.Line::eventCount).sum();
        assertThat(truth[0].accepted())
                .isEqualTo(lines.size()
                        - truth[0].quarantined().values().stream()
                                .mapToLong(Long::longValue)
                                .sum());
        assertThat(billed)
                .isLessThan(plain[0].lines().stream()
                        .mapToLong(Truth.Line::eventCount)
                        .sum());
        assertThat(TruthJson.read(writeAndReturn(truth[0]))).isEqualTo(truth[0]);
        // The same spec, the same bytes.
        assertThat(generate(corrected, new Truth[1])).isEqualTo(lines);
    }

    @Test
    void lateEntitlementTenantsAreUnattributedUntilTheirEntitlementsArrive() {
        WorkloadSpec late = new WorkloadSpec(3_000, 7, 4, START, 31, 0.05, 0.01, 0.02, 0.03, 2);
        WorkloadGenerator generator = new WorkloadGenerator(late, CONFIG, NOW);
        List<String> lines = new ArrayList<>();
        Truth truth = generator.generate(lines::add);
        Truth[] onTime = new Truth[1];
        generate(spec(3_000, 7), onTime);

        assertThat(generator.entitlements()).extracting(Entitlement::tenantId).contains("tenant-003", "tenant-004");
        assertThat(generator.earlyEntitlements())
                .extracting(Entitlement::tenantId)
                .doesNotContain("tenant-003", "tenant-004")
                .contains("tenant-001", "tenant-002");
        // Counted from the records themselves: every line of a late tenant is a valid event or a re-send.
        long lateRecords = lines.stream()
                .filter(line ->
                        line.contains("\"tenant_id\":\"tenant-003\"") || line.contains("\"tenant_id\":\"tenant-004\""))
                .count();
        assertThat(lateRecords).isPositive();
        // After the replay: as if every entitlement had been there (the same workload, the same truth).
        assertThat(truth.lines()).isEqualTo(onTime[0].lines());
        assertThat(truth.accepted()).isEqualTo(onTime[0].accepted());
        assertThat(onTime[0].beforeLateEntitlements()).isNull();
        // Before: the late tenants' records are UNATTRIBUTED, everything else as it will be.
        Truth.Early early = truth.beforeLateEntitlements();
        assertThat(early.accepted()).isEqualTo(truth.accepted() - lateRecords);
        assertThat(early.quarantined().get("UNATTRIBUTED"))
                .isEqualTo(truth.quarantined().get("UNATTRIBUTED") + lateRecords);
        assertThat(TruthJson.read(writeAndReturn(truth))).isEqualTo(truth);
        assertThatThrownBy(() -> new WorkloadSpec(10, 1, 2, START, 31, 0, 0, 0, 0, 2))
                .hasMessageContaining("--late-entitlements must be between 0 and the tenants less one (1), got 2");
    }

    private static java.nio.file.Path writeAndReturn(Truth truth) {
        try {
            java.nio.file.Path file = java.nio.file.Files.createTempFile("truth", ".json");
            file.toFile().deleteOnExit();
            TruthJson.write(truth, file);
            return file;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void sameSpecAndDayGiveTheSameBytes() {
        Truth[] first = new Truth[1];
        Truth[] second = new Truth[1];
        Truth[] other = new Truth[1];

        assertThat(generate(spec(2_000, 1), first)).isEqualTo(generate(spec(2_000, 1), second));
        assertThat(first[0]).isEqualTo(second[0]);
        assertThat(generate(spec(2_000, 2), other)).isNotEqualTo(generate(spec(2_000, 1), first));
    }

    @Test
    void splitsUsageAtThePlanChangeAndThePeriodEnd() {
        Truth[] truth = new Truth[1];
        generate(spec(3_000, 3), truth);
        List<Truth.Line> lines = truth[0].lines();

        // The plan change splits tenant-001's first app's subscription into a line per plan within October.
        String upgraded = "sub-tenant-001-forge-app-c";
        assertThat(lines)
                .filteredOn(line ->
                        line.period().equals("2026-10") && line.subscriptionId().equals(upgraded))
                .extracting(Truth.Line::plan)
                .contains("standard", "premium");
        assertThat(lines)
                .filteredOn(line -> !line.subscriptionId().equals(upgraded))
                .extracting(Truth.Line::plan)
                .doesNotContain("premium");
        // The boundary event sent exactly at the span's end belongs to November, the one just before to October.
        assertThat(lines)
                .filteredOn(
                        line -> line.period().equals("2026-11") && line.metric().equals("kvs.writes"))
                .singleElement()
                .satisfies(line -> {
                    assertThat(line.quantity()).isEqualByComparingTo("5");
                    assertThat(line.eventCount()).isEqualTo(1);
                });
        assertThat(lines)
                .filteredOn(line -> line.period().equals("2026-09"))
                .extracting(Truth.Line::metric)
                .containsExactlyInAnyOrder("kvs.writes", "storage.held", "storage.stored");
        // A level held: 2 GB from 23:00 on 30 September until the series' next sample 30 minutes into October
        // bills September's last hour (2 GB-h); 2.5 GB from 30 minutes before the span's end, held 2 h, bills
        // November 1.5 h (3.75 GB-h) on the same subscription, as a sample of November's line.
        assertThat(lines)
                .filteredOn(
                        line -> line.period().equals("2026-09") && line.metric().equals("storage.held"))
                .singleElement()
                .satisfies(line -> {
                    assertThat(line.quantity()).isEqualByComparingTo("2");
                    assertThat(line.unit()).isEqualTo("GB-h");
                    assertThat(line.eventCount()).isEqualTo(1);
                });
        assertThat(lines)
                .filteredOn(line -> line.period().equals("2026-11")
                        && line.metric().equals("storage.held")
                        && line.subscriptionId().equals("sub-tenant-001-forge-app-d"))
                .singleElement()
                .satisfies(line -> {
                    assertThat(line.quantity()).isEqualByComparingTo("3.75");
                    assertThat(line.eventCount()).isEqualTo(1);
                });
        // MAX lines hold the largest quantity, never a sum: 1.5 GB held at 22:00 on 30 September.
        assertThat(lines)
                .filteredOn(
                        line -> line.period().equals("2026-09") && line.metric().equals("storage.stored"))
                .singleElement()
                .satisfies(line -> assertThat(line.quantity()).isEqualByComparingTo(new BigDecimal("1.5")));
        assertThat(lines).allSatisfy(line -> assertThat(line.quantity().scale()).isEqualTo(9));
    }

    @Test
    void egressComesInBurstsAndLevelsInSeriesWithGapsLongerThanMaxHold() throws Exception {
        Truth[] truth = new Truth[1];
        List<String> lines = generate(spec(20_000, 5), truth);
        // Egress is metered all month by one subscription: October's percentile line bills more than 0.
        assertThat(truth[0].lines())
                .filteredOn(line ->
                        line.metric().equals("network.egress") && line.period().equals("2026-10"))
                .singleElement()
                .satisfies(line -> {
                    assertThat(line.subscriptionId()).isEqualTo("sub-tenant-001-forge-app-d");
                    assertThat(line.quantity()).isPositive();
                });
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<BigDecimal> egress = new ArrayList<>();
        Map<String, List<Instant>> levels = new java.util.HashMap<>();
        for (String line : lines) {
            com.fasterxml.jackson.databind.JsonNode node;
            try {
                node = json.readTree(line);
            } catch (java.io.IOException e) {
                continue; // a MALFORMED_JSON record
            }
            if (node == null
                    || !node.has("metric")
                    || node.has("action")
                    || !node.has("quantity")
                    || !node.has("event_time")) {
                continue;
            }
            String metric = node.get("metric").asText();
            if (metric.equals("network.egress") && node.get("unit").asText().equals("MB")) {
                egress.add(new BigDecimal(node.get("quantity").asText()));
            }
            if (metric.equals("storage.held")) {
                levels.computeIfAbsent(
                                node.get("tenant_id").asText() + "/"
                                        + node.get("app_id").asText(),
                                k -> new ArrayList<>())
                        .add(java.time.OffsetDateTime.parse(
                                        node.get("event_time").asText())
                                .toInstant());
            }
        }
        egress.sort(null);
        // Bursts: the largest egress events are far above the typical one (a hundred times the usual).
        assertThat(egress.get(egress.size() - 1))
                .isGreaterThan(egress.get(egress.size() / 2).multiply(BigDecimal.valueOf(50)));
        // Levels: series with gaps longer than max_hold (2 h) between samples, so holds end before the next.
        long longGaps = levels.values().stream()
                .mapToLong(times -> {
                    times.sort(null);
                    long gaps = 0;
                    for (int i = 1; i < times.size(); i++) {
                        gaps += java.time.Duration.between(times.get(i - 1), times.get(i))
                                                .compareTo(java.time.Duration.ofHours(2))
                                        > 0
                                ? 1
                                : 0;
                    }
                    return gaps;
                })
                .sum();
        assertThat(longGaps).isPositive();
    }

    @Test
    void entitlementsCoverEveryBillableEventOnce() {
        WorkloadGenerator generator = new WorkloadGenerator(spec(10, 1), CONFIG, NOW);
        List<Entitlement> entitlements = generator.entitlements();

        assertThat(entitlements).extracting(Entitlement::entitlementId).doesNotHaveDuplicates();
        assertThat(entitlements)
                .filteredOn(e -> e.appId().equals("forge-app-overlap"))
                .hasSize(2);
    }

    @Test
    void refusesSpansThatValidationWouldReject() {
        assertThatThrownBy(() -> new WorkloadGenerator(
                        new WorkloadSpec(10, 1, 1, Instant.parse("2026-01-01T00:00:00Z"), 31, 0, 0, 0, 0), CONFIG, NOW))
                .isInstanceOf(MeterlakeException.class)
                .hasMessageContaining("EVENT_TOO_OLD");
        assertThatThrownBy(() -> new WorkloadGenerator(
                        new WorkloadSpec(10, 1, 1, Instant.parse("2026-11-20T00:00:00Z"), 10, 0, 0, 0, 0), CONFIG, NOW))
                .isInstanceOf(MeterlakeException.class)
                .hasMessageContaining("would lie after now");
        assertThatThrownBy(() -> new WorkloadSpec(10, 1, 1, START, 1, 0.5, 0.3, 0, 0.2))
                .isInstanceOf(MeterlakeException.class)
                .hasMessageContaining("more than 0.9");
    }

    @Test
    void theDefaultMonthIsValidAtEveryInstantIncludingTheFirstOfAMonth() {
        Map<String, String> cases = Map.of(
                "2026-12-01T00:30:00Z", "2026-10",
                "2026-12-01T01:59:59Z", "2026-10",
                "2026-12-01T02:00:00Z", "2026-11",
                "2026-12-31T23:59:59Z", "2026-11",
                "2027-01-01T00:30:00Z", "2026-11",
                "2027-01-01T02:00:00Z", "2026-12",
                "2028-02-29T12:00:00Z", "2028-01",
                "2028-03-01T02:00:00Z", "2028-02");
        cases.forEach((now, month) -> {
            Instant instant = Instant.parse(now);
            assertThat(WorkloadGenerator.defaultMonth(instant)).as(now).hasToString(month);
            WorkloadSpec spec = new WorkloadSpec(
                    100,
                    1,
                    2,
                    WorkloadGenerator.defaultStart(instant),
                    WorkloadGenerator.defaultDays(instant),
                    0.05,
                    0.01,
                    0.02,
                    0.2);
            assertThat(new WorkloadGenerator(spec, CONFIG, instant)
                            .generate(line -> {})
                            .records())
                    .isEqualTo(100);
        });
        // The month that just ended is refused while its last event (2 h after its end) lies ahead.
        assertThatThrownBy(() -> new WorkloadGenerator(
                        new WorkloadSpec(10, 1, 1, Instant.parse("2026-11-01T00:00:00Z"), 30, 0, 0, 0, 0),
                        CONFIG,
                        Instant.parse("2026-12-01T00:30:00Z")))
                .isInstanceOf(MeterlakeException.class)
                .hasMessageContaining("e.g. --period 2026-10");
    }

    /**
     * A span the time rules would reject is refused naming the option it came from: a calendar month is
     * {@code --period} (all the demo has), any other span {@code --start}; instants to the second.
     */
    @Test
    void aSpanTheRulesWouldRejectNamesItsOwnOption() {
        Instant now = Instant.parse("2026-12-05T12:08:23.123456789Z");
        assertThatThrownBy(() -> new WorkloadGenerator(
                        new WorkloadSpec(10, 1, 1, Instant.parse("2024-01-01T00:00:00Z"), 31, 0, 0, 0, 0), CONFIG, now))
                .isInstanceOf(MeterlakeException.class)
                .hasMessage("--period 2024-01 is too far in the past: its events would be quarantined as EVENT_TOO_OLD"
                        + " (events before 2026-09-07T12:08:23Z; validation.max-event-age is 90d): choose a later"
                        + " --period, e.g. 2026-11 (the default)");
        assertThatThrownBy(() -> new WorkloadGenerator(
                        new WorkloadSpec(10, 1, 1, Instant.parse("2024-01-02T00:00:00Z"), 3, 0, 0, 0, 0), CONFIG, now))
                .hasMessage("--start 2024-01-02T00:00:00Z is too far in the past: events would be quarantined as"
                        + " EVENT_TOO_OLD (events before 2026-09-07T12:08:23Z; validation.max-event-age is 90d):"
                        + " choose a --start after 2026-09-07T12:08:23Z");
        assertThatThrownBy(() -> new WorkloadGenerator(
                        new WorkloadSpec(10, 1, 1, Instant.parse("2026-12-01T00:00:00Z"), 31, 0, 0, 0, 0), CONFIG, now))
                .hasMessage("--period 2026-12 ends at 2027-01-01T00:00:00Z, and its last event (2h after the end)"
                        + " would lie after now (2026-12-05T12:08:23Z): choose a span that ends at least 2h before"
                        + " now, e.g. --period 2026-11 (the default)");
    }
}
