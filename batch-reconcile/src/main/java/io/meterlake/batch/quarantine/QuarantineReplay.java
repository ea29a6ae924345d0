package io.meterlake.batch.quarantine;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.encode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.meterlake.batch.publish.DecisionChain;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.pipeline.EventPipeline;
import io.meterlake.pipeline.RecordPosition;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.signing.FieldRendering.Link;
import io.meterlake.signing.FieldRendering.RawWitness;
import io.meterlake.table.Lease;
import io.meterlake.table.Warehouse;
import io.meterlake.table.WarehouseErrors;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Consumer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-runs quarantined records through the current stages (the catalog and entitlements of now), so
 * what was rejected for a fixable reason (an entitlement loaded late, a metric added to the catalog)
 * is billed after all.
 *
 * <p>Each selected open record is processed as it was received: its original bytes, position and
 * ingest time (the time rules measure against that: its lateness was not its fault). Accepted ones
 * are appended to raw as ordinary rows with their lineage ({@link Columns#REPLAYED_FROM}, the
 * quarantine row's {@link RecordPosition position}, and {@link Columns#REPLAY_RUN_ID}); then every
 * outcome is appended to {@link Tables#QUARANTINE_RESOLUTIONS}. The quarantine table is never
 * rewritten. A record is open while no resolution says ACCEPTED; still-rejected records stay open.
 *
 * <p>Exactly once, whatever is killed when: run n writes raw, then the resolutions, each an
 * idempotent Delta append under ({@value #APP_ID}, n). A run killed between the two left raw rows
 * whose resolutions are missing; the next run first records those (from raw's lineage) and only then
 * selects, so nothing is replayed twice and nothing is both open and in raw. One replay at a time
 * (the warehouse's {@code quarantine-replay} lease).
 */
public final class QuarantineReplay {
    private static final Logger LOG = LoggerFactory.getLogger(QuarantineReplay.class);
    /** The idempotent-writer id of every replay's appends; the run number is the transaction version. */
    public static final String APP_ID = "quarantine-replay";

    public static final String ACCEPTED = "ACCEPTED";
    public static final String STILL_QUARANTINED = "STILL_QUARANTINED";

    private final SparkSession spark;
    private final MeterlakeConfig config;
    private final Clock clock;
    private final Warehouse warehouse;
    private final Runnable betweenCommits;

    public QuarantineReplay(SparkSession spark, MeterlakeConfig config, Clock clock) {
        this(spark, config, clock, () -> {});
    }

    /** {@code betweenCommits} runs after the raw append, before the resolutions append: crash tests. */
    QuarantineReplay(SparkSession spark, MeterlakeConfig config, Clock clock, Runnable betweenCommits) {
        this.spark = spark;
        this.config = config;
        this.clock = clock;
        this.warehouse = new Warehouse(spark, config.warehouse());
        this.betweenCommits = betweenCommits;
    }

    /** Per original reason, what the replay did (or would do) with its records. */
    public record Decision(String originalReason, String outcome, String reason, long records) {}

    /**
     * @param runId     {@code replay-<n>}; in a dry run the id the run would have
     * @param recovered resolutions recorded first for the raw rows of a run killed before its own
     */
    public record Result(String runId, boolean dryRun, long recovered, List<Decision> decisions) {
        public long selected() {
            return decisions.stream().mapToLong(Decision::records).sum();
        }

        public long accepted() {
            return decisions.stream()
                    .filter(d -> d.outcome().equals(ACCEPTED))
                    .mapToLong(Decision::records)
                    .sum();
        }
    }

    /** Replays the open records {@code selection} picks; with {@code dryRun} says what it would do, writing nothing. */
    public Result replay(QuarantineSelection selection, boolean dryRun, Consumer<String> progress) {
        if (!warehouse.exists(Tables.QUARANTINED_EVENTS)) {
            return new Result(runId(0), dryRun, 0, List.of());
        }
        if (!warehouse.exists(Tables.ENTITLEMENTS)) {
            throw WarehouseErrors.noEntitlements(config.warehouse(), "the replayed records");
        }
        if (dryRun) {
            return run(selection, true, 0, progress);
        }
        // The resolutions are decisions: linked into the warehouse's one chain, under its publish lease.
        try (Lease lease = warehouse
                        .lease("quarantine-replay", "quarantine replay", clock)
                        .keepRenewed();
                Lease decisions =
                        warehouse.lease("publish", "quarantine replay", clock).keepRenewed()) {
            warehouse.ensureReplayTables();
            long recovered = recover(progress);
            return run(selection, false, recovered, progress);
        }
    }

    private Result run(QuarantineSelection selection, boolean dryRun, long recovered, Consumer<String> progress) {
        long run = nextRun();
        String runId = runId(run);
        long entitlementsVersion = warehouse.version(Tables.ENTITLEMENTS);
        progress.accept("re-running the selected open records of " + Tables.QUARANTINED_EVENTS + " with entitlements v"
                + entitlementsVersion + " and the current metric catalog");
        Dataset<Row> open = QuarantineStatus.open(warehouse).where(selection.filter());
        Column bytes = coalesce(col(Columns.PAYLOAD_BYTES), encode(col(Columns.PAYLOAD), "UTF-8"));
        List<Column> record = new ArrayList<>();
        for (String field : Tables.RECORD.fieldNames()) {
            record.add(field.equals(Columns.PAYLOAD_BYTES) ? bytes.as(field) : col(field));
        }
        record.add(col(Columns.QUARANTINE_ID));
        record.add(col(Columns.REASON).as(Columns.ORIGINAL_REASON));
        EventPipeline pipeline = new EventPipeline(config.catalog(), config.maxClockSkew(), config.maxEventAge());
        Dataset<Row> processed = pipeline.process(
                        open.select(record.toArray(Column[]::new)),
                        warehouse.readAsOf(Tables.ENTITLEMENTS, entitlementsVersion))
                .withColumn(Columns.REPLAYED_FROM, col(Columns.QUARANTINE_ID))
                .withColumn(Columns.REPLAY_RUN_ID, lit(runId))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            List<Decision> decisions = decisions(processed);
            Result result = new Result(runId, dryRun, recovered, decisions);
            if (!dryRun && !decisions.isEmpty()) {
                // Raw only when something was accepted; the outcomes (still quarantined, and why) always.
                if (result.accepted() > 0) {
                    progress.accept("appending the " + result.accepted() + " accepted records to "
                            + Tables.RAW_USAGE_EVENTS + " (" + runId + ")");
                    try (Lease rawWriter = warehouse.rawWriter(runId, Warehouse.RAW_WRITER_WAIT)) {
                        warehouse.appendIdempotent(
                                EventPipeline.accepted(processed), Tables.RAW_USAGE_EVENTS, APP_ID, run);
                    }
                    betweenCommits.run();
                }
                appendResolutions(resolutions(processed), run);
            }
            LOG.info(
                    "{}{}: {} records selected, {} accepted",
                    dryRun ? "dry run of " : "",
                    runId,
                    result.selected(),
                    result.accepted());
            return result;
        } finally {
            processed.unpersist();
        }
    }

    /**
     * The run that appended to raw but not (yet) to the resolutions: killed in between, or still
     * between its two appends. Its raw rows are accepted records all the same.
     */
    static OptionalLong unrecordedRun(io.meterlake.table.DeltaReads tables) {
        OptionalLong raw = tables.committedTransaction(Tables.RAW_USAGE_EVENTS, APP_ID);
        OptionalLong resolved = tables.committedTransaction(Tables.QUARANTINE_RESOLUTIONS, APP_ID);
        if (raw.isEmpty() || resolved.isPresent() && resolved.getAsLong() >= raw.getAsLong()) {
            return OptionalLong.empty();
        }
        return raw;
    }

    /** The raw rows of {@code run}, as (quarantine id, run, identity): read through the stats of replay_run_id. */
    static Dataset<Row> acceptedBy(Warehouse warehouse, long run) {
        return warehouse
                .read(Tables.RAW_USAGE_EVENTS)
                .where(col(Columns.REPLAY_RUN_ID).equalTo(runId(run)))
                .select(
                        col(Columns.REPLAYED_FROM).as(Columns.QUARANTINE_ID),
                        col(Columns.REPLAY_RUN_ID),
                        col(Columns.SOURCE),
                        col(Columns.EVENT_ID),
                        col(Columns.TENANT_ID));
    }

    /** Records the resolutions of the last run if it was killed after its raw append; how many. */
    private long recover(Consumer<String> progress) {
        OptionalLong unrecorded = unrecordedRun(warehouse.reads());
        if (unrecorded.isEmpty()) {
            return 0;
        }
        long run = unrecorded.getAsLong();
        progress.accept("recording the outcomes of " + runId(run) + ", which stopped after appending to "
                + Tables.RAW_USAGE_EVENTS);
        Dataset<Row> accepted = acceptedBy(warehouse, run);
        Dataset<Row> quarantined = warehouse
                .read(Tables.QUARANTINED_EVENTS)
                .select(
                        RecordPosition.id().as(Columns.QUARANTINE_ID),
                        col(Columns.REASON).as(Columns.ORIGINAL_REASON),
                        col(Columns.INGESTED_AT));
        Dataset<Row> rows = accepted.join(quarantined, Columns.QUARANTINE_ID)
                .withColumn(Columns.REASON, lit(null).cast("string"))
                .withColumn(Columns.DETAIL, lit(null).cast("string"))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            long count = rows.count();
            appendResolutions(resolutionRows(rows, lit(ACCEPTED)), run);
            return count;
        } finally {
            rows.unpersist();
        }
    }

    /**
     * Appends one run's resolutions as one link of the chain of decisions ({@link DecisionChain}: the link's
     * hash is computed from the rows as stored); the caller holds the publish lease.
     */
    private void appendResolutions(Dataset<Row> resolutions, long run) {
        Link link = new DecisionChain(warehouse).next();
        RawWitness witness = link.rawWitness();
        Dataset<Row> rows = resolutions.persist(StorageLevel.MEMORY_AND_DISK());
        try {
            appendResolutions(rows, run, link, witness);
        } finally {
            rows.unpersist();
        }
    }

    private void appendResolutions(Dataset<Row> resolutions, long run, Link link, RawWitness witness) {
        String sha256 = DecisionChain.replaySha256(runId(run), DecisionChain.digest(resolutions), link);
        warehouse.appendIdempotent(
                resolutions
                        .withColumn(Columns.RECORD_SHA256, lit(sha256))
                        .withColumn(Columns.SEQUENCE, lit(link.sequence()))
                        .withColumn(
                                Columns.PREVIOUS_SHA256,
                                lit(link.previousSha256()).cast("string"))
                        .withColumn(
                                Columns.RAW_WITNESS_VERSION,
                                lit(witness == null ? null : witness.version()).cast("long"))
                        .withColumn(
                                Columns.RAW_WITNESS_SHA256,
                                lit(witness == null ? null : witness.commitSha256())
                                        .cast("string")),
                Tables.QUARANTINE_RESOLUTIONS,
                APP_ID,
                run);
    }

    private long nextRun() {
        long last = -1;
        for (String table : new String[] {Tables.RAW_USAGE_EVENTS, Tables.QUARANTINE_RESOLUTIONS}) {
            if (warehouse.exists(table)) {
                OptionalLong committed = warehouse.committedTransaction(table, APP_ID);
                if (committed.isPresent()) {
                    last = Math.max(last, committed.getAsLong());
                }
            }
        }
        return last + 1;
    }

    static String runId(long run) {
        return "replay-" + run;
    }

    private static List<Decision> decisions(Dataset<Row> processed) {
        List<Decision> decisions = new ArrayList<>();
        for (Row row : processed
                .groupBy(col(Columns.ORIGINAL_REASON), col(Columns.REASON))
                .agg(count(lit(1)))
                .orderBy(col(Columns.ORIGINAL_REASON), col(Columns.REASON).asc_nulls_first())
                .collectAsList()) {
            String reason = row.isNullAt(1) ? null : row.getString(1);
            decisions.add(new Decision(
                    row.getString(0), reason == null ? ACCEPTED : STILL_QUARANTINED, reason, row.getLong(2)));
        }
        return decisions;
    }

    private Dataset<Row> resolutions(Dataset<Row> processed) {
        return resolutionRows(
                processed, when(col(Columns.REASON).isNull(), lit(ACCEPTED)).otherwise(lit(STILL_QUARANTINED)));
    }

    private Dataset<Row> resolutionRows(Dataset<Row> rows, Column outcome) {
        Timestamp now = Timestamp.from(clock.instant());
        return rows.select(
                col(Columns.REPLAY_RUN_ID),
                lit(now).as(Columns.RESOLVED_AT),
                col(Columns.QUARANTINE_ID),
                col(Columns.ORIGINAL_REASON),
                outcome.as(Columns.OUTCOME),
                col(Columns.REASON),
                col(Columns.DETAIL),
                col(Columns.SOURCE),
                col(Columns.EVENT_ID),
                col(Columns.TENANT_ID),
                col(Columns.INGESTED_AT));
    }
}
