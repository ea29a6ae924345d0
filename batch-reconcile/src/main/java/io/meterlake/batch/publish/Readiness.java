package io.meterlake.batch.publish;

import io.meterlake.period.Durations;
import io.meterlake.period.Period;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether a period may be published: it has ended plus a grace period for late arrivals, and, when a
 * stream runs on the warehouse, the stream's watermark has passed the period's end (so every on-time
 * event of the period is in raw).
 *
 * @param waitingFor what publishing still waits for; empty when ready
 */
public record Readiness(List<String> waitingFor) {

    public Readiness {
        waitingFor = List.copyOf(waitingFor);
    }

    /**
     * @param now       the current time (the only clock the batch layer reads, and only for this)
     * @param watermark the stream's watermark; empty when no stream has run
     */
    public static Readiness of(Period period, Duration grace, Instant now, Optional<Instant> watermark) {
        List<String> waits = new ArrayList<>();
        Instant readyAt = period.end().plus(grace);
        if (now.isBefore(readyAt)) {
            waits.add("the grace period: " + period + " ends at " + period.end() + " and, with a grace of "
                    + Durations.render(grace) + ", can be published from " + readyAt + " (now " + now + ")");
        }
        if (watermark.isPresent() && watermark.get().isBefore(period.end())) {
            waits.add("the stream: its watermark " + watermark.get() + " has not passed the period end " + period.end()
                    + " yet");
        }
        return new Readiness(waits);
    }

    public boolean ready() {
        return waitingFor.isEmpty();
    }
}
