package io.meterlake.batch.publish;

import java.util.List;

/**
 * The outcome of {@code verify}: the revision checked and every mismatch found (none: it holds).
 *
 * @param recomputedSha256 SHA-256 of the lines recomputed from raw at the recorded version; null if raw
 *                         could not be read at that version
 * @param corrections      the revision's correction lines, each re-derived from raw (a mismatch otherwise)
 * @param status           the period's state (draft, approved, locked), its approvals and lock checked
 */
public record Verification(
        BillingPeriod header,
        long storedLines,
        String storedSha256,
        String recomputedSha256,
        List<String> mismatches,
        long corrections,
        Closing.Status status) {

    public Verification {
        mismatches = List.copyOf(mismatches);
    }

    public boolean holds() {
        return mismatches.isEmpty();
    }
}
