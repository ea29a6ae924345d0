package io.meterlake.batch.maintain;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How long VACUUM must keep raw's removed files so that {@code verify} can still read every raw version
 * a published period was signed over.
 *
 * <p>A revision signed over raw version {@code N} (committed at {@code t}) needs every file of version
 * {@code N}. Such a file can only have been removed by a later commit (OPTIMIZE), so at or after
 * {@code t}. VACUUM deletes removed files older than {@code now - retention}. It therefore keeps all of
 * them exactly when {@code retention >= now - t}, for the oldest such {@code t}. One day of margin
 * covers clock differences between the machines that commit and the one that vacuums. The minimum
 * grows as the oldest signed period ages: in effect raw's files are kept for as long as its signed
 * periods are, and compaction only makes reads cheaper.
 */
public final class RetentionRule {
    static final Duration MARGIN = Duration.ofDays(1);

    private RetentionRule() {}

    /** The oldest raw version a published revision was signed over. */
    public record SignedVersion(String period, int revision, long rawVersion, Instant committedAt) {}

    /** The shortest VACUUM retention for raw at {@code now}; zero when nothing is signed. */
    public static Duration minimum(Optional<SignedVersion> oldest, Instant now) {
        if (oldest.isEmpty()) {
            return Duration.ZERO;
        }
        Duration age = Duration.between(oldest.get().committedAt(), now);
        Duration required = (age.isNegative() ? Duration.ZERO : age).plus(MARGIN);
        // Whole hours: VACUUM takes hours, and a rounded-up figure reads better in the refusal.
        long hours = (required.toSeconds() + (required.toNanosPart() > 0 ? 1 : 0) + 3599) / 3600;
        return Duration.ofHours(hours);
    }
}
