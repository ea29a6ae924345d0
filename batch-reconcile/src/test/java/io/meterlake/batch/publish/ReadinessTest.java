package io.meterlake.batch.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.period.Period;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReadinessTest {
    private static final Period OCTOBER = Period.parse("2026-10");
    private static final Duration GRACE = Duration.ofHours(48);

    @Test
    void waitsForTheGracePeriodAfterThePeriodEnd() {
        Readiness early = Readiness.of(OCTOBER, GRACE, Instant.parse("2026-11-02T23:59:59Z"), Optional.empty());
        Readiness onTime = Readiness.of(OCTOBER, GRACE, Instant.parse("2026-11-03T00:00:00Z"), Optional.empty());

        assertThat(early.ready()).isFalse();
        assertThat(early.waitingFor())
                .singleElement()
                .asString()
                .contains("grace")
                .contains("2026-11-03T00:00:00Z");
        assertThat(onTime.ready()).isTrue();
    }

    @Test
    void waitsForTheStreamsWatermarkToPassThePeriodEnd() {
        Instant late = Instant.parse("2026-11-10T00:00:00Z");

        Readiness behind = Readiness.of(OCTOBER, GRACE, late, Optional.of(Instant.parse("2026-10-31T23:00:00Z")));
        Readiness past = Readiness.of(OCTOBER, GRACE, late, Optional.of(Instant.parse("2026-11-01T00:00:00Z")));

        assertThat(behind.waitingFor()).singleElement().asString().contains("watermark 2026-10-31T23:00:00Z");
        assertThat(past.ready()).isTrue();
    }

    @Test
    void namesEverythingItWaitsFor() {
        Readiness both = Readiness.of(
                Period.parse("2026-11-05"),
                Duration.ofHours(1),
                Instant.parse("2026-11-06T00:30:00Z"),
                Optional.of(Instant.parse("2026-11-05T20:00:00Z")));

        assertThat(both.waitingFor()).hasSize(2);
    }
}
