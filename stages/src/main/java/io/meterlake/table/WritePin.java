package io.meterlake.table;

import java.time.Instant;
import java.util.Optional;

/**
 * What a write of records must repeat exactly when it is retried after a crash: the entitlements
 * version it attributed with and, for a write that stamps its own ingest time (file ingest), that
 * time. The first commit of a write records it in its Delta commit metadata; a retry reads it back
 * ({@link Warehouse#pinFor}), so every record is classified, measured against the clock and
 * attributed as in the attempt that committed first, and none ends in both tables or in neither.
 *
 * @param ingestedAt null when each record brings its own ingest time (Kafka's LogAppendTime)
 */
public record WritePin(long entitlementsVersion, Instant ingestedAt) {
    private static final String ENTITLEMENTS = " entitlements_version=";
    private static final String INGESTED_AT = " ingested_at=";

    static String prefix(String appId, long version) {
        return "meterlake " + appId + "/" + version + ENTITLEMENTS;
    }

    String marker(String appId, long version) {
        return prefix(appId, version) + entitlementsVersion + (ingestedAt == null ? "" : INGESTED_AT + ingestedAt);
    }

    /** Reads a marker written by {@link #marker} (or by versions that recorded the entitlements only). */
    static Optional<WritePin> parse(String marker, String appId, long version) {
        String prefix = prefix(appId, version);
        if (marker == null || !marker.startsWith(prefix)) {
            return Optional.empty();
        }
        String rest = marker.substring(prefix.length());
        int at = rest.indexOf(INGESTED_AT);
        long entitlements = Long.parseLong(at < 0 ? rest : rest.substring(0, at));
        Instant ingested = at < 0 ? null : Instant.parse(rest.substring(at + INGESTED_AT.length()));
        return Optional.of(new WritePin(entitlements, ingested));
    }
}
