package io.meterlake.batch.publish;

/** Whether {@code publish} waits for the period to be ready ({@link Readiness}). */
public enum PublishMode {
    /** Publish only a ready period; otherwise fail with exit 75 (retry later). */
    WHEN_READY,
    /** Publish now, ready or not; the header records {@code forced} when it was not. */
    FORCE
}
