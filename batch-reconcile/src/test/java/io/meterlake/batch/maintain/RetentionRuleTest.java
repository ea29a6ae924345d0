package io.meterlake.batch.maintain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetentionRuleTest {
    private static final Instant SIGNED = Instant.parse("2026-11-03T10:00:00Z");

    private static Optional<RetentionRule.SignedVersion> signedAt(Instant committedAt) {
        return Optional.of(new RetentionRule.SignedVersion("2026-10", 1, 42, committedAt));
    }

    @Test
    void nothingSignedNeedsNoRetention() {
        assertThat(RetentionRule.minimum(Optional.empty(), SIGNED)).isZero();
    }

    @Test
    void coversTheAgeOfTheOldestSignedVersionPlusADayInWholeHours() {
        Instant now = SIGNED.plus(Duration.ofDays(10)).plusSeconds(1);

        assertThat(RetentionRule.minimum(signedAt(SIGNED), now))
                .isEqualTo(Duration.ofDays(11).plusHours(1));
        assertThat(RetentionRule.minimum(signedAt(SIGNED), SIGNED.plus(Duration.ofDays(400))))
                .isEqualTo(Duration.ofDays(401));
    }

    @Test
    void aCommitAheadOfTheLocalClockStillGetsTheMargin() {
        assertThat(RetentionRule.minimum(signedAt(SIGNED), SIGNED.minusSeconds(30)))
                .isEqualTo(Duration.ofDays(1));
    }
}
