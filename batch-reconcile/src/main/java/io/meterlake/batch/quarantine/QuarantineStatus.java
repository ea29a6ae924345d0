package io.meterlake.batch.quarantine;

import io.meterlake.pipeline.RecordPosition;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.table.DeltaReads;
import io.meterlake.table.Warehouse;
import java.sql.Timestamp;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The quarantine as replays left it: each row open (no resolution accepted it) or resolved (a replay
 * accepted it into raw), and the count that shows nothing was lost or counted twice:
 * received = raw accepted on receipt + quarantined = raw accepted on receipt + raw replayed + open.
 * Read without Spark (Delta Kernel, {@link DeltaReads}): {@code quarantine list} answers in about a second,
 * and a replay selects its open records by the same decisions.
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

    /** The tables the status and the conservation are read from (what a command may prefetch). */
    public static final List<String> READS =
            List.of(Tables.QUARANTINED_EVENTS, Tables.QUARANTINE_RESOLUTIONS, Tables.RAW_USAGE_EVENTS);

    private QuarantineStatus() {}

    /** One replay's decision on a record; runs are numbered in order, so the greatest is the last. */
    record Decision(String run, String outcome) {
        static final Comparator<Decision> ORDER = Comparator.comparingInt(
                        (Decision d) -> d.run().length())
                .thenComparing(Decision::run)
                .thenComparing(Decision::outcome);

        boolean accepted() {
            return QuarantineReplay.ACCEPTED.equals(outcome);
        }
    }

    /** What the replays decided on one record: accepted by one of them (final), and the last decision. */
    record Outcome(boolean accepted, Decision last) {
        Outcome and(Decision next) {
            return new Outcome(accepted || next.accepted(), Decision.ORDER.compare(next, last) > 0 ? next : last);
        }
    }

    /** A quarantine row with its {@link Columns#QUARANTINE_ID position}, its status and the last replay's decision. */
    public record Entry(Row row, String id, boolean resolved, Optional<Decision> last) {
        public String status() {
            return resolved ? RESOLVED : OPEN;
        }

        Timestamp received() {
            return row.getAs(Columns.INGESTED_AT);
        }

        boolean shown(Status status) {
            return status == Status.all || status.name().equals(status());
        }
    }

    /**
     * Per quarantine id, the replays' decisions: the resolutions, and the records of a run that appended to raw
     * but not to the resolutions (see {@link QuarantineReplay#unrecordedRun}), so a record in raw is never open,
     * even between a replay's two appends.
     */
    static Map<String, Outcome> outcomes(DeltaReads tables) {
        Map<String, Outcome> outcomes = new HashMap<>();
        for (Row row : tables.rows(Tables.QUARANTINE_RESOLUTIONS)) {
            decide(
                    outcomes,
                    row.getAs(Columns.QUARANTINE_ID),
                    row.getAs(Columns.REPLAY_RUN_ID),
                    row.getAs(Columns.OUTCOME));
        }
        java.util.OptionalLong unrecorded = QuarantineReplay.unrecordedRun(tables);
        if (unrecorded.isPresent()) {
            String run = QuarantineReplay.runId(unrecorded.getAsLong());
            for (Row row : tables.rows(Tables.RAW_USAGE_EVENTS, Map.of(Columns.REPLAY_RUN_ID, run))) {
                decide(outcomes, row.getAs(Columns.REPLAYED_FROM), run, QuarantineReplay.ACCEPTED);
            }
        }
        return outcomes;
    }

    private static void decide(Map<String, Outcome> outcomes, String id, String run, String outcome) {
        Decision decision = new Decision(run, outcome);
        outcomes.merge(id, new Outcome(decision.accepted(), decision), (had, next) -> had.and(decision));
    }

    /** The quarantine rows {@code selection} picks, each with its status, whatever the status. */
    static List<Entry> select(DeltaReads tables, QuarantineSelection selection) {
        Map<String, Outcome> outcomes = outcomes(tables);
        return tables.rows(Tables.QUARANTINED_EVENTS).stream()
                .filter(selection::test)
                .map(row -> {
                    String id = RecordPosition.of(row);
                    Optional<Outcome> outcome = Optional.ofNullable(outcomes.get(id));
                    return new Entry(row, id, outcome.map(Outcome::accepted).orElse(false), outcome.map(Outcome::last));
                })
                .toList();
    }

    /** The rows {@code selection} and {@code status} pick. */
    public static List<Entry> select(DeltaReads tables, QuarantineSelection selection, Status status) {
        return select(tables, selection).stream()
                .filter(entry -> entry.shown(status))
                .toList();
    }

    /**
     * The open rows, with their {@link Columns#QUARANTINE_ID}, as a Spark query for a replay to re-run: every
     * quarantine row but those a replay accepted (the same decisions {@link #select} reads).
     */
    static Dataset<Row> open(Warehouse warehouse) {
        Dataset<Row> quarantined =
                warehouse.read(Tables.QUARANTINED_EVENTS).withColumn(Columns.QUARANTINE_ID, RecordPosition.id());
        List<String> accepted = outcomes(warehouse.reads()).entrySet().stream()
                .filter(entry -> entry.getValue().accepted())
                .map(Map.Entry::getKey)
                .toList();
        if (accepted.isEmpty()) {
            return quarantined;
        }
        Dataset<Row> ids = quarantined
                .sparkSession()
                .createDataset(accepted, org.apache.spark.sql.Encoders.STRING())
                .toDF(Columns.QUARANTINE_ID);
        return quarantined.join(
                ids, quarantined.col(Columns.QUARANTINE_ID).equalTo(ids.col(Columns.QUARANTINE_ID)), "left_anti");
    }

    /** Per reason, how many selected rows are open and resolved. */
    public record ReasonCount(String reason, long open, long resolved) {}

    public static List<ReasonCount> reasons(List<Entry> selected) {
        Map<String, long[]> counts = new TreeMap<>();
        for (Entry entry : selected) {
            counts.computeIfAbsent(entry.row().getAs(Columns.REASON), reason -> new long[2])[
                    entry.resolved() ? 1 : 0]++;
        }
        return counts.entrySet().stream()
                .map(count -> new ReasonCount(count.getKey(), count.getValue()[0], count.getValue()[1]))
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

    /**
     * The conservation, counted from the files' statistics (raw's rows and the nulls of its lineage column: a
     * raw table no replay-aware writer has touched has no such column, all its rows arrived on receipt) and the
     * replays' decisions: the cost follows raw's files, not its rows.
     */
    public static Conservation conservation(DeltaReads tables) {
        DeltaReads.Count raw = tables.count(Tables.RAW_USAGE_EVENTS, Columns.REPLAYED_FROM);
        long quarantined =
                tables.count(Tables.QUARANTINED_EVENTS, Columns.REASON).rows();
        long resolved =
                outcomes(tables).values().stream().filter(Outcome::accepted).count();
        return new Conservation(raw.nulls(), quarantined, raw.rows() - raw.nulls(), resolved);
    }
}
