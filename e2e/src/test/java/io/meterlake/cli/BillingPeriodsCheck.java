package io.meterlake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meterlake.period.Period;
import io.meterlake.validation.Quantities;
import io.meterlake.workload.Truth;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** Runs the batch commands through the CLI and compares published periods with a generator's truth. */
final class BillingPeriodsCheck {
    static final ObjectMapper JSON = new ObjectMapper();

    private BillingPeriodsCheck() {}

    /** {@code --set} options for a private local stack under {@code stackDir}: Kafka on {@code kafkaPort}, free ports else. */
    static List<String> localStack(java.nio.file.Path stackDir, int kafkaPort) {
        return List.of(
                "--set",
                "stack.dir=" + stackDir,
                "--set",
                "stack.trino-port=" + io.meterlake.stack.FreePorts.next(),
                "--set",
                "stack.tenant-sql-port=" + io.meterlake.stack.FreePorts.next(),
                "--set",
                "stack.kafka-port=" + kafkaPort,
                "--set",
                "stack.kafka-controller-port=" + io.meterlake.stack.FreePorts.next(),
                "--set",
                "kafka.bootstrap-servers=127.0.0.1:" + kafkaPort);
    }

    /** Runs the CLI on the fixed clock with {@code args} after {@code --warehouse}; asserts the exit code. */
    static CommandLineTest.Run run(String warehouse, int exitCode, String... args) {
        return run(CommandLineTest.CLOCK, warehouse, exitCode, args);
    }

    /** Runs the CLI on {@code clock} with {@code args} after {@code --warehouse}; asserts the exit code. */
    static CommandLineTest.Run run(Clock clock, String warehouse, int exitCode, String... args) {
        List<String> all = new ArrayList<>(List.of("--warehouse", warehouse));
        all.addAll(List.of(args));
        CommandLineTest.Run run = CommandLineTest.Run.at(clock, all.toArray(String[]::new));
        assertThat(run.exitCode()).as("%s%n%s%n%s", all, run.out(), run.err()).isEqualTo(exitCode);
        return run;
    }

    static JsonNode json(CommandLineTest.Run run) {
        try {
            return JSON.readTree(run.out());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code periods show --format json} of the latest revision, which reads without asking for Spark. */
    static JsonNode show(String warehouse, String period) {
        long sessions = io.meterlake.spark.SparkSessions.requests();
        JsonNode shown = json(run(warehouse, 0, "periods", "show", "--period", period, "--format", "json"));
        assertThat(io.meterlake.spark.SparkSessions.requests())
                .as("Spark sessions 'periods show' asked for")
                .isEqualTo(sessions);
        return shown;
    }

    /** The truth's lines of {@code period}, as "subscription account plan metric unit quantity events", sorted. */
    static List<String> truthLines(Truth truth, String period) {
        return truth.lines().stream()
                .filter(line -> line.period().equals(period))
                .map(line -> String.join(
                        " ",
                        line.subscriptionId(),
                        line.billingAccountId(),
                        line.plan(),
                        line.metric(),
                        line.unit(),
                        Quantities.render(line.quantity()),
                        Long.toString(line.eventCount())))
                .sorted()
                .toList();
    }

    /** The lines of a {@code periods show --format json} object, as {@link #truthLines} writes them. */
    static List<String> shownLines(JsonNode shown) {
        List<String> lines = new ArrayList<>();
        for (JsonNode line : shown.get("lines")) {
            lines.add(String.join(
                    " ",
                    line.get("subscription_id").textValue(),
                    line.get("billing_account_id").textValue(),
                    line.get("plan").textValue(),
                    line.get("metric").textValue(),
                    line.get("unit").textValue(),
                    line.get("quantity").textValue(),
                    Long.toString(line.get("event_count").longValue())));
        }
        return lines.stream().sorted().toList();
    }

    /**
     * The month a test on {@code clock} generates and publishes: the latest one that ended at least the
     * default grace (48h) before now, so it is ready by the clock and its workload is valid (it ends more
     * than the generator's 2h before now, and starts well within the 90 days of max-event-age).
     */
    static Period readyMonth(Clock clock) {
        YearMonth month = YearMonth.from(clock.instant().atOffset(ZoneOffset.UTC));
        while (Period.parse(month.toString()).end().plus(Duration.ofHours(48)).isAfter(clock.instant())) {
            month = month.minusMonths(1);
        }
        return Period.parse(month.toString());
    }

    /** The periods the truth has lines for. */
    static List<String> periods(Truth truth) {
        return truth.lines().stream()
                .map(Truth.Line::period)
                .distinct()
                .sorted()
                .toList();
    }
}
