package io.meterlake.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meterlake.cli.options.CommandLineErrors;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A tiny run of every benchmark, so the harness keeps working; the figures themselves are not judged. */
class BenchSmokeIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path results;

    @BeforeAll
    static void home() {
        System.setProperty(
                "meterlake.home", Path.of("..").toAbsolutePath().normalize().toString());
    }

    private static JsonNode run(String... args) throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = CommandLineErrors.install(new CommandLine(new BenchMain()));
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(args);
        assertThat(code).as(out + "\n" + err).isZero();
        return JSON.readTree(out.toString());
    }

    @Test
    void streamBenchmarkMeasuresEveryPipelineAndMatchesTheTruth() throws IOException {
        JsonNode result = run("stream", "--size", "3000", "--results-dir", results.toString(), "--format", "json");

        assertThat(result.get("truth_matches").booleanValue())
                .as(result.toString())
                .isTrue();
        assertThat(result.get("results")).hasSize(4);
        for (JsonNode row : result.get("results")) {
            assertThat(row.get("events").asLong()).isEqualTo(3000);
            assertThat(row.get("events_per_second").asLong()).isPositive();
        }
        assertThat(result.get("average_record_bytes").asLong()).isBetween(200L, 350L);
        try (Stream<Path> files = Files.list(results)) {
            assertThat(files.map(file -> file.getFileName().toString()))
                    .anyMatch(name -> name.matches("stream-\\d{4}-\\d\\d-\\d\\d\\.json"));
        }
    }

    @Test
    void readsBenchmarkRunsEveryReadCommandAgainstHelp() throws IOException {
        JsonNode result = run(
                "reads",
                "--months",
                "2",
                "--lines",
                "20",
                "--subscriptions",
                "2",
                "--runs",
                "1",
                "--results-dir",
                results.toString(),
                "--format",
                "json");

        assertThat(result.get("results")).hasSize(7);
        assertThat(result.get("results").get(0).get("ratio_to_help").doubleValue())
                .isEqualTo(1.0);
        for (JsonNode row : result.get("results")) {
            assertThat(row.get("median_seconds").doubleValue())
                    .as(row.toString())
                    .isPositive();
        }
    }

    @Test
    void usageApiBenchmarkReadsEveryTenantsUsageWhileTheWindowsAreWritten() throws IOException {
        JsonNode result = run(
                "usage-api",
                "--months",
                "2",
                "--lines",
                "20",
                "--subscriptions",
                "10",
                "--rate",
                "40",
                "--access-rate",
                "40",
                "--clients",
                "4",
                "--seconds",
                "3",
                "--results-dir",
                results.toString(),
                "--format",
                "json");

        assertThat(result.get("results").findValuesAsText("route"))
                .containsExactly(
                        "GET /v1/openapi.json (static)",
                        "GET /v1/usage/subscriptions/{id}",
                        "GET /v1/access",
                        "GET /v1/access, tables unchanged");
        for (JsonNode row : result.get("results")) {
            assertThat(row.get("requests").asInt()).isEqualTo(120);
            assertThat(row.get("p50_ms").asDouble())
                    .as(row.toString())
                    .isPositive()
                    .isLessThanOrEqualTo(row.get("p99_ms").asDouble());
        }
        assertThat(result.get("provisional_commits_while_reading").asInt()).isPositive();
        assertThat(result.get("ratio_p99_to_static").asDouble()).isPositive();
        assertThat(result.get("access_p99_ms").asDouble()).isPositive();
        assertThat(result.get("access_unchanged_tables_p99_ms").asDouble()).isPositive();
    }

    @Test
    void gatewayBenchmarkSendsEveryEventOverHttpAndThroughTheRawProducer() throws IOException {
        JsonNode result = run(
                "gateway",
                "--events",
                "3000",
                "--connections",
                "4",
                "--results-dir",
                results.toString(),
                "--format",
                "json");

        assertThat(result.get("results")).hasSize(2);
        for (JsonNode row : result.get("results")) {
            assertThat(row.get("events").asLong()).isEqualTo(3000);
            assertThat(row.get("events_per_second").asLong()).isPositive();
        }
        JsonNode gateway = result.get("results").get(1);
        assertThat(gateway.get("p50_ms").asDouble())
                .isPositive()
                .isLessThanOrEqualTo(gateway.get("p99_ms").asDouble());
        assertThat(result.get("ratio_gateway_to_raw_producer").asDouble()).isPositive();
        assertThat(result.get("batch").asInt()).isEqualTo(100);
    }

    @Test
    void recomputeBenchmarkMatchesDuckDbToTheLastDigit() throws IOException {
        // February of a leap year: its 29th day is in the period (DuckDB and Spark must agree on it too).
        JsonNode result = run(
                "recompute",
                "--now",
                "2028-03-02T00:00:00Z",
                "--size",
                "3000",
                "--results-dir",
                results.toString(),
                "--format",
                "json");

        assertThat(result.get("totals_match").booleanValue())
                .as(result.toString())
                .isTrue();
        assertThat(result.get("lines").asInt()).isPositive();
        assertThat(result.get("raw_rows").asLong()).isBetween(2800L, 3000L);
        assertThat(result.get("period").asText()).isEqualTo("2028-02");
        assertThat(result.get("results")).hasSize(2);
        assertThat(results.resolve(result.get("file").asText()).getFileName().toString())
                .startsWith("recompute-");
    }

    /**
     * Growth at a small volume: a fourth month beside three (outside the 90-day horizon) adds nothing
     * to what reconcile and verify read of raw (only the tables' logs grow, by a few entries a month),
     * and the bounded lines equal a ranking of the whole table. At 00:30 on a 1st, with the period
     * (December) ending at a new year: the span's partitions reach into the next year.
     */
    @Test
    void scaleBenchmarkReadsTheSameWhateverLiesBeyondTheHorizon() throws IOException {
        // 3 and 4 only: the fresh table (0) shows nothing the ratio of 4 to 3 does not, and costs a round.
        JsonNode result = run(
                "scale",
                "--now",
                "2027-02-01T00:30:00Z",
                "--events-per-month",
                "5000",
                "--history",
                "3,4",
                "--results-dir",
                results.toString(),
                "--format",
                "json");

        assertThat(result.get("bounded_equals_whole_table").booleanValue())
                .as(result.toString())
                .isTrue();
        assertThat(result.get("results")).hasSize(6);
        assertThat(result.get("targets_compare_months"))
                .extracting(JsonNode::asInt)
                .containsExactly(3, 4);
        assertThat(result.get("period").asText()).isEqualTo("2026-12");
        for (String command : List.of("reconcile", "verify")) {
            assertThat(result.get("targets").get(command).get("records_ratio").asDouble())
                    .as(command)
                    .isLessThanOrEqualTo(1.1);
            assertThat(result.get("targets").get(command).get("bytes_ratio").asDouble())
                    .as(command)
                    .isLessThanOrEqualTo(1.1);
        }
        for (JsonNode row : result.get("results")) {
            if (!row.get("command").asText().equals("publish")) {
                assertThat(row.get("records_read").asLong()).as(row.toString()).isPositive();
            }
        }
        assertThat(results.resolve(result.get("file").asText()).getFileName().toString())
                .startsWith("scale-");
    }

    @Test
    void notificationsBenchmarkDeliversEveryCrossingTheStreamDecides() throws IOException {
        JsonNode result = run(
                "notifications",
                "--rate",
                "100",
                "--duration",
                "PT10S",
                "--step",
                "1",
                "--results-dir",
                results.toString(),
                "--format",
                "json");

        assertThat(result.get("notifications_undelivered").asLong())
                .as(result.toString())
                .isZero();
        assertThat(result.get("requests_refused_by_the_receiver").asLong()).isZero();
        assertThat(result.get("notifications_measured").asLong())
                .isPositive()
                .isEqualTo(result.get("notifications_decided").asLong());
        double p50 = result.get("results").get(0).get("seconds").asDouble();
        assertThat(p50)
                .isPositive()
                .isLessThanOrEqualTo(result.get("results").get(2).get("seconds").asDouble());
    }

    @Test
    void freshnessBenchmarkSeesEveryEventArriveInTheProvisionalAggregates() throws IOException {
        JsonNode result = run(
                "freshness",
                "--rate",
                "100",
                "--warmup",
                "PT3S",
                "--duration",
                "PT8S",
                "--results-dir",
                results.toString(),
                "--format",
                "json");

        assertThat(result.get("events_never_visible").asLong())
                .as(result.toString())
                .isZero();
        assertThat(result.get("events_measured").asLong()).isBetween(690L, 860L);
        assertThat(result.get("results"))
                .extracting(row -> row.get("percentile").asText())
                .containsExactly("p50", "p95", "p99", "max");
        double p50 = result.get("results").get(0).get("seconds").asDouble();
        double max = result.get("results").get(3).get("seconds").asDouble();
        assertThat(p50).isPositive().isLessThanOrEqualTo(max);
        // Nothing waits more than a trigger for its raw batch plus what the batches take, at 100 events/s.
        assertThat(max).isLessThan(120);
    }

    /**
     * The MERGE of a batch reads the files of its own hours only: with a day of hourly history files
     * beside, Delta skips all of them (the window range of the batch is in the merge condition), so
     * its search for matches reads about as many records as over the empty table, not the history's.
     */
    @Test
    void streamGrowthBenchmarkMergesWithoutReadingTheHistory() throws IOException {
        JsonNode result = run(
                "stream-growth",
                "--subscriptions",
                "5",
                "--days",
                "1",
                "--batches",
                "2",
                "--batch-events",
                "400",
                "--results-dir",
                results.toString(),
                "--format",
                "json");

        long history = result.get("history_rows").asLong();
        assertThat(history)
                .as(result.toString())
                .isEqualTo(5L * result.get("metrics").asInt() * 24);
        JsonNode empty = result.get("results").get(0);
        JsonNode full = result.get("results").get(1);
        assertThat(full.get("rows_after").asLong())
                .isEqualTo(empty.get("rows_after").asLong() + history);
        assertThat(empty.get("provisional_batch_median_seconds").asDouble()).isPositive();
        long emptyRead = empty.get("merge_scan_records_read_median").asLong();
        assertThat(emptyRead).as(result.toString()).isPositive();
        assertThat(full.get("merge_scan_records_read_median").asLong()).isLessThan(emptyRead + history / 2);
        assertThat(result.get("ratio_full_to_empty").asDouble()).isPositive();
    }

    @Test
    void stateBenchmarkReadsTheDeduplicationStateOfTheStream() throws IOException {
        JsonNode result = run(
                "state", "--size", "6000", "--batches", "6", "--results-dir", results.toString(), "--format", "json");

        long retained = result.get("retained_keys").asLong();
        assertThat(retained)
                .as(result.toString())
                .isPositive()
                .isLessThan(result.get("event_identities").asLong());
        assertThat(result.get("bytes_per_key").asDouble()).isPositive();
        assertThat(result.get("results"))
                .extracting(row -> row.get("operator").asText())
                .anyMatch(name -> name.startsWith("dedupe"));
    }
}
