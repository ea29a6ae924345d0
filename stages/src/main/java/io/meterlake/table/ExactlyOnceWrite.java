package io.meterlake.table;

import io.delta.tables.DeltaTable;
import io.meterlake.schema.Tables;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The exactly-once write of processed records, the one protocol the stream's raw sink and file ingest call:
 * {@link #pin} says what to process (appId, version)'s records with (the entitlements version and ingest time
 * its first attempt recorded, or the current ones), and {@link #write} appends the quarantined and the
 * accepted records, each an idempotent Delta append carrying that pin.
 */
public final class ExactlyOnceWrite {
    private final Warehouse warehouse;
    private final java.time.Duration rawWriterWait;

    /**
     * For {@link #pin} and {@link #write}, which takes the raw writer's lease ({@link Warehouse#rawWriter}),
     * waiting up to {@code rawWriterWait} for another writer's commits.
     */
    public ExactlyOnceWrite(Warehouse warehouse, java.time.Duration rawWriterWait) {
        this.warehouse = warehouse;
        this.rawWriterWait = rawWriterWait;
    }

    /**
     * Writes the outcome of {@link io.meterlake.pipeline.EventPipeline#process} exactly once per
     * (appId, version): quarantined records first, then accepted ones, each an idempotent append, so
     * a repeat after a crash between the two skips whichever committed. Both commits record the
     * {@link WritePin} the records were processed with (see {@link #pin}). When no record is
     * quarantined there is no quarantine commit: raw's commit, always the last, carries the pin alone
     * (one Delta commit less for a clean micro-batch). {@code processed} should be persisted: it is read
     * once to see whether any record was rejected, and once per table. Both commits are made holding the
     * raw writer's lease, so writers of raw (the stream, ingests, replays) commit one at a time.
     */
    public void write(Dataset<Row> processed, String appId, long version, WritePin pin) {
        write(processed, appId, version, pin, () -> {});
    }

    /** As {@link #write(Dataset, String, long, WritePin)}; {@code betweenCommits} runs between the two (crash tests). */
    public void write(Dataset<Row> processed, String appId, long version, WritePin pin, Runnable betweenCommits) {
        String marker = pin.marker(appId, version);
        // What progress reports (and the Spark UI shows) for the jobs of each step.
        org.apache.spark.SparkContext context = warehouse.spark().sparkContext();
        try (Lease lease = warehouse.rawWriter(appId + " version " + version, rawWriterWait)) {
            context.setJobDescription("validating, writing " + Tables.QUARANTINED_EVENTS);
            Dataset<Row> quarantined = io.meterlake.pipeline.EventPipeline.quarantined(processed);
            if (!quarantined.isEmpty()) {
                warehouse.appendIdempotent(quarantined, Tables.QUARANTINED_EVENTS, appId, version, marker);
            }
            betweenCommits.run();
            context.setJobDescription("writing " + Tables.RAW_USAGE_EVENTS);
            warehouse.appendIdempotent(
                    io.meterlake.pipeline.EventPipeline.accepted(processed),
                    Tables.RAW_USAGE_EVENTS,
                    appId,
                    version,
                    marker);
        } finally {
            context.setJobDescription(null);
        }
    }

    /**
     * What to process the records of (appId, version) with: the pin an earlier attempt recorded in
     * its first commit (quarantine's, or raw's when it quarantined nothing), if that commit exists,
     * else the current entitlements version and {@code proposedIngestedAt} (null when the records
     * carry their own ingest times). A write replayed after a crash thus classifies and attributes
     * exactly as the attempt that committed first, even if the entitlements or the clock moved in
     * between, and no record ends in both tables or in neither.
     */
    public WritePin pin(String appId, long version, java.time.Instant proposedIngestedAt) {
        return pin(appId, version, proposedIngestedAt, -1);
    }

    /**
     * As {@link #pin(String, long, java.time.Instant)}, for a writer that itself committed (appId,
     * {@code committedThisRun}) earlier in this process, as the stream's raw sink does between the batches of
     * one run: a later version has no commit yet (one writer per appId; an engine replays a batch only after
     * a restart), so its pin is the current entitlements version, without reading both tables' transactions
     * from their logs (a Spark job each). A negative {@code committedThisRun}, nothing written in this
     * process yet (the first batch after a restart may be a replay), reads them.
     */
    public WritePin pin(String appId, long version, java.time.Instant proposedIngestedAt, long committedThisRun) {
        if (committedThisRun >= 0 && version > committedThisRun) {
            return new WritePin(warehouse.version(Tables.ENTITLEMENTS), proposedIngestedAt);
        }
        for (String table : List.of(Tables.QUARANTINED_EVENTS, Tables.RAW_USAGE_EVENTS)) {
            java.util.OptionalLong committed = warehouse.committedTransaction(table, appId);
            if (committed.isPresent() && committed.getAsLong() >= version) {
                java.util.Optional<WritePin> pin = recordedPin(table, appId, version);
                if (pin.isPresent()) {
                    return pin.get().ingestedAt() == null && proposedIngestedAt != null
                            ? new WritePin(pin.get().entitlementsVersion(), proposedIngestedAt)
                            : pin.get();
                }
            }
        }
        return new WritePin(warehouse.version(Tables.ENTITLEMENTS), proposedIngestedAt);
    }

    /**
     * The pin recorded by (appId, version)'s commit to {@code table}: looked for in the latest
     * {@value #RECENT_COMMITS} commits (a replay follows its own commit closely), then in the whole history.
     */
    private java.util.Optional<WritePin> recordedPin(String table, String appId, long version) {
        DeltaTable delta = DeltaTable.forPath(warehouse.spark(), warehouse.path(table));
        for (int limit : new int[] {RECENT_COMMITS, Integer.MAX_VALUE}) {
            // Delta reads the commits' metadata when the history is asked for: the whole log only if needed.
            Dataset<Row> history = limit == Integer.MAX_VALUE ? delta.history() : delta.history(limit);
            List<Row> commits = history.where(org.apache
                            .spark
                            .sql
                            .functions
                            .col("userMetadata")
                            .startsWith(WritePin.prefix(appId, version)))
                    .select("userMetadata")
                    .collectAsList();
            if (!commits.isEmpty()) {
                return WritePin.parse(commits.get(0).getString(0), appId, version);
            }
        }
        return java.util.Optional.empty();
    }

    private static final int RECENT_COMMITS = 100;
}
