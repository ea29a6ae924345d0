package io.meterlake.bench;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.Option;

/**
 * {@code --now}: the instant a file-based benchmark generates and ingests its workload at. A fixed
 * default, so that every run measures the same months whatever the date it runs on; the clock then
 * runs at the wall clock's pace from it (leases and ingest times move on as they would).
 */
final class WorkloadClock {
    @Option(
            names = "--now",
            defaultValue = "2026-12-02T00:00:00Z",
            paramLabel = "<instant>",
            description = {
                "The instant the workload is generated and ingested at, ISO-8601 UTC (default: ${DEFAULT-VALUE},",
                "fixed so that runs on any date measure the same months)."
            })
    Instant now;

    /** A clock that reads {@link #now} when called first and then advances with the wall clock. */
    Clock clock() {
        return Clock.offset(Clock.systemUTC(), Duration.between(Instant.now(), now));
    }
}
