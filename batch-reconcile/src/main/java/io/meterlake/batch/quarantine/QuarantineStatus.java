package io.meterlake.batch.quarantine;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.when;

import io.meterlake.pipeline.RecordPosition;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.table.Warehouse;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The quarantine as replays left it: each row open (no resolution accepted it) or resolved (a replay
 * accepted it into raw), and the count that shows nothing was lost or counted twice:
 * received = raw accepted on receipt + quarantined = raw accepted on receipt + raw replayed + open.
 */
public final class QuarantineStatus {
    /** {@code --status}: which rows a list shows. */
    public enum Status {
        open,
        resolved,
        all
    }

    /** A status column's values. */
    static final String OPEN = "open";

    static final String RESOLVED = "resolved";
    private static final String STATUS = "status";

    private QuarantineStatus() {}

    /** Quarantine rows with their {@link Columns#QUARANTINE_ID}, a status, and their last replay's run and outcome. */
    static Dataset<Row> rows(Warehouse warehouse) {
        Dataset<Row> quarantined =
                warehouse.read(Tables.QUARANTINED_EVENTS).withColumn(Columns.QUARANTINE_ID, RecordPosition.id());
        if (!warehouse.exists(Tables.QUARANTINE_RESOLUTIONS)) {
            return quarantined
                    .withColumn(STATUS, lit(OPEN))
                    .withColumn(Columns.REPLAY_RUN_ID, lit(null).cast("string"))
                    .withColumn(Columns.OUTCOME, lit(null).cast("string"));
        }
        // Runs are numbered in order, so the greatest (run, outcome) is the last replay's; ACCEPTED is final.
        Dataset<Row> last = outcomes(warehouse)
                .groupBy(col(Columns.QUARANTINE_ID))
                .agg(
                        max(when(col(Columns.OUTCOME).equalTo(QuarantineReplay.ACCEPTED), 1)
                                        .otherwise(0))
                                .as("_accepted"),
                        max(org.apache.spark.sql.functions.struct(
                                        org.apache.spark.sql.functions.length(col(Columns.REPLAY_RUN_ID)),
                                        col(Columns.REPLAY_RUN_ID),
                                        col(Columns.OUTCOME)))
                                .as("_last"));
        return quarantined
                .join(
                        last,
                        quarantined.col(Columns.QUARANTINE_ID).equalTo(last.col(Columns.QUARANTINE_ID)),
                        "left_outer")
                .drop(last.col(Columns.QUARANTINE_ID))
                .withColumn(
                        STATUS, when(col("_accepted").equalTo(1), lit(RESOLVED)).otherwise(lit(OPEN)))
                .withColumn(Columns.REPLAY_RUN_ID, col("_last." + Columns.REPLAY_RUN_ID))
                .withColumn(Columns.OUTCOME, col("_last." + Columns.OUTCOME))
                .drop("_accepted", "_last");
    }

    /**
     * (quarantine id, run, outcome) of every replay decision: the resolutions, and the records of a
     * run that appended to raw but not to the resolutions (see {@link QuarantineReplay#unrecordedRun}),
     * so a record in raw is never open, even between a replay's two appends.
     */
    private static Dataset<Row> outcomes(Warehouse warehouse) {
        Dataset<Row> recorded = warehouse
                .read(Tables.QUARANTINE_RESOLUTIONS)
                .select(col(Columns.QUARANTINE_ID), col(Columns.REPLAY_RUN_ID), col(Columns.OUTCOME));
        java.util.OptionalLong unrecorded = QuarantineReplay.unrecordedRun(warehouse);
        if (unrecorded.isEmpty()) {
            return recorded;
        }
        return recorded.unionByName(QuarantineReplay.acceptedBy(warehouse, unrecorded.getAsLong())
                .select(
                        col(Columns.QUARANTINE_ID),
                        col(Columns.REPLAY_RUN_ID),
                        lit(QuarantineReplay.ACCEPTED).as(Columns.OUTCOME)));
    }

    /** The open rows: what a replay may still accept. */
    static Dataset<Row> open(Warehouse warehouse) {
        return rows(warehouse).where(col(STATUS).equalTo(OPEN)).drop(STATUS, Columns.REPLAY_RUN_ID, Columns.OUTCOME);
    }

    /** The rows {@code selection} and {@code status} pick. */
    public static Dataset<Row> select(Warehouse warehouse, QuarantineSelection selection, Status status) {
        Dataset<Row> rows = rows(warehouse).where(selection.filter());
        return status == Status.all
                ? rows
                : rows.where(col(STATUS).equalTo(status.name().toLowerCase(Locale.ROOT)));
    }

    /** Per reason, how many selected rows are open and resolved. */
    public record ReasonCount(String reason, long open, long resolved) {}

    public static List<ReasonCount> reasons(Dataset<Row> selected) {
        return selected
                .groupBy(col(Columns.REASON))
                .agg(
                        count(when(col(STATUS).equalTo(OPEN), 1)),
                        count(when(col(STATUS).equalTo(RESOLVED), 1)))
                .orderBy(col(Columns.REASON))
                .collectAsList()
                .stream()
                .map(row -> new ReasonCount(row.getString(0), row.getLong(1), row.getLong(2)))
                .toList();
    }

    /**
     * Every record received, where it is now. {@code replayedIntoRaw} and {@code resolved} count the
     * same records from the two sides (raw's lineage; the resolutions, with the rows of a run stopped
     * between its two appends): they are equal, at every instant, unless a table was changed behind
     * Meterlake's back.
     */
    public record Conservation(long acceptedOnReceipt, long quarantined, long replayedIntoRaw, long resolved) {
        public long received() {
            return acceptedOnReceipt + quarantined;
        }

        public long open() {
            return quarantined - resolved;
        }

        public boolean holds() {
            return replayedIntoRaw == resolved && received() == acceptedOnReceipt + replayedIntoRaw + open();
        }
    }

    public static Conservation conservation(Warehouse warehouse) {
        long direct = 0;
        long replayed = 0;
        if (warehouse.exists(Tables.RAW_USAGE_EVENTS)) {
            Dataset<Row> raw = warehouse.read(Tables.RAW_USAGE_EVENTS);
            // A raw table no replay-aware writer has touched yet has no lineage column: all on receipt.
            org.apache.spark.sql.Column onReceipt =
                    java.util.Arrays.asList(raw.columns()).contains(Columns.REPLAYED_FROM)
                            ? col(Columns.REPLAYED_FROM).isNull()
                            : lit(true);
            for (Row row : raw.groupBy(onReceipt).count().collectAsList()) {
                if (row.getBoolean(0)) {
                    direct = row.getLong(1);
                } else {
                    replayed = row.getLong(1);
                }
            }
        }
        long quarantined = warehouse.exists(Tables.QUARANTINED_EVENTS)
                ? warehouse.read(Tables.QUARANTINED_EVENTS).count()
                : 0;
        long resolved = warehouse.exists(Tables.QUARANTINE_RESOLUTIONS)
                ? outcomes(warehouse)
                        .where(col(Columns.OUTCOME).equalTo(QuarantineReplay.ACCEPTED))
                        .select(Columns.QUARANTINE_ID)
                        .distinct()
                        .count()
                : 0;
        return new Conservation(direct, quarantined, replayed, resolved);
    }
}
