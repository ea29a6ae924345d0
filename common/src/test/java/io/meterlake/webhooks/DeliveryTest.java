package io.meterlake.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Retries back off, the budget ends in dead, a requeue starts it again, a delivery ends it. */
class DeliveryTest {
    private static final Instant T0 = Instant.parse("2027-01-01T00:30:00Z");
    private static final Duration FIRST = Duration.ofSeconds(5);

    @Test
    void failuresBackOffUntilTheBudgetIsSpentAndARequeueStartsAgain() {
        List<Delivery> rows = new ArrayList<>();
        assertThat(Delivery.state("msg_1", "hook", rows).due(T0))
                .as("never tried")
                .isTrue();
        Instant at = T0;
        List<Duration> waits = new ArrayList<>();
        for (int attempt = 1; attempt <= 4; attempt++) {
            Delivery.State state = Delivery.state("msg_1", "hook", rows);
            assertThat(state.status()).isEqualTo(Delivery.Status.PENDING);
            assertThat(state.attempts()).isEqualTo(attempt - 1);
            Delivery row =
                    Delivery.attempted("msg_1", "hook", attempt, attempt == 1 ? null : 503, "down", at, 4, FIRST);
            rows.add(row);
            if (row.nextAttemptAt() != null) {
                waits.add(Duration.between(at, row.nextAttemptAt()));
                assertThat(Delivery.state("msg_1", "hook", rows)
                                .due(row.nextAttemptAt().minusMillis(1)))
                        .isFalse();
                at = row.nextAttemptAt();
            }
        }
        assertThat(waits).containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(20));
        Delivery.State dead = Delivery.state("msg_1", "hook", rows);
        assertThat(dead.status()).isEqualTo(Delivery.Status.DEAD);
        assertThat(dead.due(at.plus(Duration.ofDays(1)))).isFalse();

        // A requeue is stamped after what it supersedes, even on a clock behind the worker's.
        Delivery requeue = Delivery.requeue("msg_1", "hook", rows, T0.minusSeconds(3600));
        assertThat(requeue.attemptedAt()).isEqualTo(at.plusMillis(1));
        assertThat(Delivery.requeue("msg_1", "hook", rows, at.plusSeconds(60)).attemptedAt())
                .isEqualTo(at.plusSeconds(60));
        rows.add(requeue);
        Delivery.State requeued = Delivery.state("msg_1", "hook", rows);
        assertThat(requeued.due(at.plusMillis(1))).isTrue();
        assertThat(requeued.attempts()).isZero();
        rows.add(Delivery.attempted("msg_1", "hook", 1, 204, null, at.plusSeconds(61), 4, FIRST));
        assertThat(Delivery.state("msg_1", "hook", rows).status()).isEqualTo(Delivery.Status.DELIVERED);
    }

    @Test
    void theWaitIsAtMostAnHour() {
        Delivery late = Delivery.attempted("msg_1", "hook", 30, 500, null, T0, 100, FIRST);
        assertThat(late.nextAttemptAt()).isEqualTo(T0.plus(Duration.ofHours(1)));
    }
}
