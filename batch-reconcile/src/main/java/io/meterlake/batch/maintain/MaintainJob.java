package io.meterlake.batch.maintain;

import static org.apache.spark.sql.functions.col;

import io.delta.tables.DeltaTable;
import io.meterlake.batch.BatchErrors;
import io.meterlake.period.Durations;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.table.Warehouse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;

/**
 * Table maintenance: compacts each table's small files (Delta OPTIMIZE) and deletes files no version
 * within the retention needs (VACUUM). Raw's retention may never be shorter than
 * {@link RetentionRule#minimum}, and raw keeps its log for {@link Warehouse#RAW_LOG_RETENTION}, so
 * {@code verify} can read every signed version after any number of runs.
 *
 * <p>Reads the wall clock, as VACUUM itself does; nothing it does changes what any table contains.
 */
public final class MaintainJob {
    /** Tables in the order they are maintained: the evidence first. */
    static final List<String> TABLES = List.of(
            Tables.RAW_USAGE_EVENTS,
            Tables.QUARANTINED_EVENTS,
            Tables.USAGE_AGGREGATES_PROVISIONAL,
            Tables.STREAM_PROGRESS,
            Tables.USAGE_AGGREGATES_AUTHORITATIVE,
            Tables.RECONCILIATION_REPORT,
            Tables.BILLING_PERIODS,
            Tables.BILLING_PERIOD_LINES,
            Tables.ENTITLEMENTS,
            Tables.USAGE_LIMITS,
            Tables.QUARANTINE_RESOLUTIONS,
            Tables.BILLING_APPROVALS,
            Tables.BILLING_PERIOD_LOCKS,
            Tables.LIMIT_NOTIFICATIONS,
            Tables.NOTIFICATION_DELIVERIES);

    private final SparkSession spark;
    private final Warehouse warehouse;

    public MaintainJob(SparkSession spark, Warehouse warehouse) {
        this.spark = spark;
        this.warehouse = warehouse;
    }

    /** The oldest raw version any published revision was signed over, with its commit time. */
    public Optional<RetentionRule.SignedVersion> oldestSignedVersion() {
        if (!warehouse.exists(Tables.BILLING_PERIODS)) {
            return Optional.empty();
        }
        List<Row> oldest = warehouse
                .read(Tables.BILLING_PERIODS)
                .orderBy(col(Columns.RAW_TABLE_VERSION), col(Columns.PERIOD), col(Columns.REVISION))
                .limit(1)
                .collectAsList();
        if (oldest.isEmpty()) {
            return Optional.empty();
        }
        Row row = oldest.get(0);
        long version = row.getLong(row.fieldIndex(Columns.RAW_TABLE_VERSION));
        Instant committedAt = Instant.ofEpochMilli(commitMillis(version));
        return Optional.of(new RetentionRule.SignedVersion(
                row.getString(row.fieldIndex(Columns.PERIOD)),
                row.getInt(row.fieldIndex(Columns.REVISION)),
                version,
                committedAt));
    }

    /** When {@code version} of raw was committed: its commit file's time, as Delta's history reports it. */
    private long commitMillis(long version) {
        org.apache.hadoop.fs.Path commit = new org.apache.hadoop.fs.Path(
                warehouse.path(Tables.RAW_USAGE_EVENTS) + "/_delta_log/" + String.format("%020d.json", version));
        try {
            return commit.getFileSystem(spark.sessionState().newHadoopConf())
                    .getFileStatus(commit)
                    .getModificationTime();
        } catch (java.io.FileNotFoundException e) {
            throw new IllegalStateException(
                    "raw_usage_events has no commit file for version " + version
                            + ", which a published period was signed over: its log was cleaned up",
                    e);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + commit, e);
        }
    }

    /**
     * Maintains every existing table with VACUUM retention {@code retention}, refusing (before touching
     * anything) one shorter than raw's minimum at {@code now}.
     */
    public List<TableMaintenance> run(Duration retention, Instant now, Consumer<String> progress) {
        Optional<RetentionRule.SignedVersion> oldest = oldestSignedVersion();
        Duration minimum = RetentionRule.minimum(oldest, now);
        if (retention.compareTo(minimum) < 0) {
            RetentionRule.SignedVersion signed = oldest.orElseThrow();
            throw BatchErrors.retentionTooShort(
                    Durations.render(retention),
                    "period " + signed.period() + " revision " + signed.revision(),
                    "signed over raw version " + signed.rawVersion() + ", committed " + signed.committedAt(),
                    Durations.render(roundUpToMinutes(minimum)));
        }
        String checkSetting = "spark.databricks.delta.retentionDurationCheck.enabled";
        String loggingSetting = "spark.databricks.delta.vacuum.logging.enabled";
        Map<String, String> previous = Map.of(
                checkSetting,
                spark.conf().get(checkSetting, "true"),
                loggingSetting,
                spark.conf().get(loggingSetting, "false"));
        // Meterlake's own rule above replaces Delta's fixed 7-day floor; VACUUM logs what it deleted.
        spark.conf().set(checkSetting, "false");
        spark.conf().set(loggingSetting, "true");
        try {
            List<TableMaintenance> results = new ArrayList<>();
            for (String table : TABLES) {
                if (warehouse.exists(table)) {
                    progress.accept(table + ": compacting, then vacuuming files older than " + retention);
                    results.add(maintain(table, retention));
                }
            }
            return results;
        } finally {
            previous.forEach(spark.conf()::set);
        }
    }

    private TableMaintenance maintain(String table, Duration retention) {
        String path = warehouse.path(table);
        if (table.equals(Tables.RAW_USAGE_EVENTS)) {
            warehouse.ensureRawLogRetention();
        }
        java.util.Collection<Long> files = new io.meterlake.table.StorageAudit(warehouse)
                .filesPerPartition(table, warehouse.version(table))
                .values();
        long before = files.stream().mapToLong(Long::longValue).sum();
        DeltaTable delta = DeltaTable.forPath(spark, path);
        // A partition of one file has nothing to merge: compaction would only plan (a Spark job per table).
        boolean compacted = files.stream().allMatch(count -> count <= 1);
        if (!compacted) {
            delta.optimize().executeCompaction();
        }
        long after = compacted ? before : fileCount(path);
        // VACUUM prints "Deleted n files ..." to standard output, where the command's own output goes.
        java.io.PrintStream standardOut = System.out;
        System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        try {
            delta.vacuum(retention.toMillis() / 3_600_000.0);
        } finally {
            System.setOut(standardOut);
        }
        return new TableMaintenance(table, before, after, retention, lastVacuumDeletions(table));
    }

    private long fileCount(String path) {
        return DeltaLog.forTableWithSnapshot(spark, path)._2().numOfFiles();
    }

    /** What the VACUUM just run deleted, from its end commit's metrics (read from the log). */
    private long lastVacuumDeletions(String table) {
        return io.meterlake.table.TableHistory.latestMetrics(warehouse, table, "VACUUM END", 5)
                .map(metrics -> metrics.get("numDeletedFiles"))
                .map(Long::parseLong)
                .orElse(0L);
    }

    private static Duration roundUpToMinutes(Duration duration) {
        Duration minutes = duration.truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
        return minutes.equals(duration) ? minutes : minutes.plusMinutes(1);
    }
}
