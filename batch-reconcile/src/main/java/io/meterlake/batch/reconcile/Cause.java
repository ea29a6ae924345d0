package io.meterlake.batch.reconcile;

/**
 * Why a window's provisional and authoritative numbers differ, decided per (subscription,
 * entitlement, metric, window) in this order, the first that applies (then the causes of the report's
 * rows that are corrections, not windows):
 *
 * <ol>
 *   <li>{@link #MATCH}: same quantity and same number of events.</li>
 *   <li>{@link #CONFLICT}: the window holds a record of an identity received with different content;
 *       the batch bills the first by ingest order, the stream may have kept another.</li>
 *   <li>{@link #REPLAYED}: the window holds an event a quarantine replay accepted; the stream
 *       quarantined it on receipt and never aggregates it, the batch bills it.</li>
 *   <li>{@link #CORRECTED}: the window holds an event a correction voided or amended; the stream
 *       aggregates no correction, the batch applies it.</li>
 *   <li>{@link #DUPLICATE_ONLY_IN_BATCH}: the stream counted more events than the batch: a re-sent
 *       event the stream's deduplication no longer remembered, caught by the batch's global one.</li>
 *   <li>{@link #LATE_BEYOND_WATERMARK}: the stream's watermark has passed the window's end, so events
 *       missing from it arrived too late for the stream; they are in raw and billed.</li>
 *   <li>{@link #NOT_YET_STREAMED}: the window is still open in the stream (its watermark has not
 *       passed the window's end), or no stream has run.</li>
 * </ol>
 *
 * <p>A correction the recompute could not apply is a row of its own (its window, no quantities), with
 * the reason: {@link #CORRECTION_TARGET_MISSING}, {@link #CORRECTION_FIELDS_DIFFER},
 * {@link #CORRECTION_OF_A_CORRECTION} (see {@link io.meterlake.batch.recompute.Correction.Outcome}).
 */
public enum Cause {
    MATCH,
    CONFLICT,
    REPLAYED,
    CORRECTED,
    DUPLICATE_ONLY_IN_BATCH,
    LATE_BEYOND_WATERMARK,
    NOT_YET_STREAMED,
    CORRECTION_TARGET_MISSING,
    CORRECTION_FIELDS_DIFFER,
    CORRECTION_OF_A_CORRECTION;

    /** The report cause of a correction that was not applied; null for one that was (or was superseded). */
    public static Cause of(io.meterlake.batch.recompute.Correction.Outcome outcome) {
        return switch (outcome) {
            case TARGET_MISSING -> CORRECTION_TARGET_MISSING;
            case FIELDS_DIFFER -> CORRECTION_FIELDS_DIFFER;
            case TARGETS_A_CORRECTION -> CORRECTION_OF_A_CORRECTION;
            case APPLIED, SUPERSEDED -> null;
        };
    }
}
