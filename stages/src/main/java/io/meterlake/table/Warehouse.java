package io.meterlake.table;

import io.delta.tables.DeltaTable;
import io.delta.tables.DeltaTableBuilder;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import java.util.List;
import java.util.OptionalLong;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.Snapshot;
import org.apache.spark.sql.types.StructType;
import scala.Option;

/**
 * The Delta tables under one warehouse root (a local directory or an s3a:// URI). Tables are
 * path-based, so any engine that reads Delta (Spark, Trino) finds them without a metastore.
 */
public final class Warehouse implements TableRows {
    private final SparkSession spark;
    private final String root;
    private boolean checkedWritable;

    /** {@code root} may be relative (to the working directory) or a URI such as {@code s3a://bucket/prefix}. */
    public Warehouse(SparkSession spark, String root) {
        this.spark = spark;
        this.root = root.contains("://") || root.startsWith("file:")
                ? root
                : java.nio.file.Path.of(root).toAbsolutePath().normalize().toString();
    }

    /** The root as a local path, when it is one. */
    private java.util.Optional<java.nio.file.Path> localRoot() {
        if (root.startsWith("file:")) {
            return java.util.Optional.of(java.nio.file.Path.of(java.net.URI.create(root)));
        }
        return root.contains("://") ? java.util.Optional.empty() : java.util.Optional.of(java.nio.file.Path.of(root));
    }

    /** Before the first write to a local warehouse: it exists (created if missing) and takes a file. */
    private void requireWritable() {
        if (checkedWritable || localRoot().isEmpty()) {
            return;
        }
        java.nio.file.Path directory = localRoot().get();
        try {
            java.nio.file.Files.createDirectories(directory);
            java.nio.file.Files.delete(java.nio.file.Files.createTempFile(directory, ".meterlake-write-check", ""));
        } catch (java.io.IOException | SecurityException e) {
            String reason = e instanceof java.nio.file.AccessDeniedException || e instanceof SecurityException
                    ? "permission denied"
                    : e instanceof java.nio.file.FileSystemException failed && failed.getReason() != null
                            ? failed.getReason()
                            : String.valueOf(e.getMessage());
            throw WarehouseErrors.notWritable(directory, reason);
        }
        checkedWritable = true;
    }

    public SparkSession spark() {
        return spark;
    }

    @Override
    public String root() {
        return root;
    }

    public String path(String table) {
        return root + "/" + table;
    }

    /** Creates the raw and quarantine tables if they are absent (append-only, explicit schemas). */
    public void ensureIngestTables() {
        create(Tables.RAW_USAGE_EVENTS, Tables.RAW, true, Columns.EVENT_DATE);
        create(Tables.QUARANTINED_EVENTS, Tables.QUARANTINE, true, null);
    }

    /** Creates the tables the stream writes besides raw and quarantine, if absent. */
    public void ensureStreamTables() {
        ensureIngestTables();
        create(Tables.USAGE_AGGREGATES_PROVISIONAL, Tables.PROVISIONAL, false, null);
        create(Tables.STREAM_PROGRESS, Tables.PROGRESS, true, null);
    }

    /** Creates the batch layer's tables if they are absent. */
    public void ensureBatchTables() {
        create(Tables.USAGE_AGGREGATES_AUTHORITATIVE, Tables.AUTHORITATIVE, false, Columns.PERIOD);
        create(Tables.RECONCILIATION_REPORT, Tables.RECONCILIATION, true, null);
        create(Tables.BILLING_PERIODS, Tables.BILLING_PERIOD, true, null);
        create(Tables.BILLING_PERIOD_LINES, Tables.BILLING_PERIOD_LINE, true, null);
        create(Tables.BILLING_APPROVALS, Tables.BILLING_APPROVAL, true, null);
        create(Tables.BILLING_PERIOD_LOCKS, Tables.BILLING_PERIOD_LOCK, true, null);
    }

    /** Creates the table quarantine replays record their outcomes in, if absent. */
    public void ensureReplayTables() {
        ensureIngestTables();
        create(Tables.QUARANTINE_RESOLUTIONS, Tables.RESOLUTION, true, null);
    }

    /** Replaces the rows of {@code table} whose {@code column} equals {@code value} with {@code rows}, in one commit. */
    public void replaceWhere(Dataset<Row> rows, String table, String column, String value) {
        rows.write()
                .format("delta")
                .mode("overwrite")
                .option("replaceWhere", column + " = '" + value.replace("'", "''") + "'")
                .save(path(table));
    }

    /** How long a lease lives without renewal (holders renew every quarter of it). */
    public static final java.time.Duration LEASE_TTL = java.time.Duration.ofSeconds(60);

    /** Takes the role {@code name} on this warehouse (see {@link Lease}), or refuses naming who has it (exit 75). */
    public Lease lease(String name, String purpose, java.time.Clock clock) {
        requireWritable();
        return Lease.acquire(spark.sessionState().newHadoopConf(), root, name, purpose, clock, LEASE_TTL);
    }

    /**
     * The role every writer of {@code raw_usage_events} (and {@code quarantined_events}) takes around its commits:
     * the stream per micro-batch, file ingest (and bulk void, an ingest), quarantine replay. Writers are
     * serialized, not refused: one waits up to {@code maxWait} for the other's commit, then exits 75 naming it.
     * Delta on S3 needs one committer at a time per table; this is it.
     */
    public static final String RAW_WRITER = "raw-writer";

    /** How long a writer of raw waits for another's commits (an ingest of a large file) before it gives up. */
    public static final java.time.Duration RAW_WRITER_WAIT = java.time.Duration.ofMinutes(15);

    /**
     * Takes the {@link #RAW_WRITER} role (kept renewed), waiting up to {@code maxWait} while another holds it. Its
     * claims are stamped on the machine's clock, whatever clock the writer bills with (a bulk void ingests on a
     * fixed one): liveness orders processes, it decides no number.
     */
    public Lease rawWriter(String purpose, java.time.Duration maxWait) {
        return awaitRole(RAW_WRITER, purpose, maxWait);
    }

    /**
     * The role every decider of limit notifications (the stream after each batch, publish after each period)
     * takes around reading {@code limit_notifications} and appending to it, so that two never decide one
     * crossing from the same state (kept renewed; waits up to {@code maxWait}, then exits 75 naming the holder).
     */
    public Lease notifier(String purpose, java.time.Duration maxWait) {
        // Looked for without Spark: the stream asks after every batch (a Spark look costs a few hundred ms).
        if (!reads().exists(Tables.LIMIT_NOTIFICATIONS)) {
            create(Tables.LIMIT_NOTIFICATIONS, io.meterlake.schema.NotificationSchemas.LIMIT_NOTIFICATION, true, null);
        }
        return awaitRole("limit-notifier", purpose, maxWait);
    }

    private Lease awaitRole(String role, String purpose, java.time.Duration maxWait) {
        requireWritable();
        return Lease.await(
                        spark.sessionState().newHadoopConf(),
                        root,
                        role,
                        purpose,
                        java.time.Clock.systemUTC(),
                        LEASE_TTL,
                        maxWait,
                        holder -> org.slf4j.LoggerFactory.getLogger(Warehouse.class)
                                .info("{} waits for the {}: {}", purpose, role.replace("-", " "), holder))
                .keepRenewed();
    }

    /**
     * The rows of {@code table}'s latest version whose columns equal these values, read with Delta Kernel
     * (the same rows Spark reads, {@code DeltaReadsTest} pins it): a job's reads of the small tables (periods,
     * approvals, locks, lines) cost milliseconds instead of a Spark query each.
     */
    @Override
    public List<Row> rows(String table, java.util.Map<String, ?> equalTo) {
        return reads().rows(table, equalTo);
    }

    /** A Kernel reader of the warehouse's latest versions (a new one per read: a job reads its own writes). */
    public DeltaReads reads() {
        return new DeltaReads(spark.sessionState().newHadoopConf(), root);
    }

    @Override
    public boolean exists(String table) {
        return DeltaTable.isDeltaTable(spark, path(table));
    }

    /** The stream's mark as it is now ({@link VisibleThrough}): each read of this warehouse is at the latest version. */
    @Override
    public java.util.Optional<java.time.Instant> visibleThrough() {
        return VisibleThrough.read(spark.sparkContext().hadoopConfiguration(), root);
    }

    /** Records the stream's mark ({@link VisibleThrough}): after the provisional commits that make it true. */
    public void markVisibleThrough(java.time.Instant through) {
        VisibleThrough.write(spark.sparkContext().hadoopConfiguration(), root, through);
    }

    @Override
    public java.util.Optional<java.time.Instant> greatest(String table, String column) {
        return reads().greatest(table, column);
    }

    public Dataset<Row> read(String table) {
        return spark.read().format("delta").load(path(table));
    }

    /** A table as it was at {@code version} (Delta time travel). */
    public Dataset<Row> readAsOf(String table, long version) {
        return spark.read().format("delta").option("versionAsOf", version).load(path(table));
    }

    /** Current version of a table's log. */
    public long version(String table) {
        return snapshot(table).version();
    }

    /**
     * The last {@code txnVersion} committed to {@code table} under the idempotent-writer id
     * {@code appId}, if any. Delta skips a write whose (appId, version) is not newer than this.
     */
    public OptionalLong committedTransaction(String table, String appId) {
        Option<Object> version = snapshot(table).transactions().get(appId);
        return version.isDefined() ? OptionalLong.of((Long) version.get()) : OptionalLong.empty();
    }

    /** Appends delivery attempts to {@code notification_deliveries} (created if absent). */
    public void appendDeliveries(Dataset<Row> rows) {
        create(
                Tables.NOTIFICATION_DELIVERIES,
                io.meterlake.schema.NotificationSchemas.NOTIFICATION_DELIVERY,
                true,
                null);
        append(rows, Tables.NOTIFICATION_DELIVERIES);
    }

    /** Appends {@code rows} to {@code table}. */
    public void append(Dataset<Row> rows, String table) {
        rows.write().format("delta").mode("append").save(path(table));
    }

    /** Appends exactly once per (appId, version): replaying the same pair writes nothing. */
    public void appendIdempotent(Dataset<Row> rows, String table, String appId, long version) {
        appendIdempotent(rows, table, appId, version, null);
    }

    /**
     * As {@link #appendIdempotent(Dataset, String, String, long)}, by a writer that itself committed (appId,
     * {@code committedThisRun}) to {@code table} earlier in this process and is that appId's only writer (the
     * stream's progress rows between the batches of one run): a later {@code version} is then known to be new,
     * and the append skips Delta's check, a state-reconstruction job ({@link OwnTransactionAppend}). A
     * negative {@code committedThisRun} (nothing committed yet in this process) checks as usual.
     */
    public void appendIdempotent(Dataset<Row> rows, String table, String appId, long version, long committedThisRun) {
        if (committedThisRun < 0
                || version <= committedThisRun
                || !OwnTransactionAppend.append(rows, path(table), appId, version)) {
            appendIdempotent(rows, table, appId, version);
        }
    }

    /** As {@link #appendIdempotent(Dataset, String, String, long)}, the commit carrying {@code userMetadata}. */
    void appendIdempotent(Dataset<Row> rows, String table, String appId, long version, String userMetadata) {
        org.apache.spark.sql.DataFrameWriter<Row> writer = rows.write()
                .format("delta")
                .mode("append")
                .option("txnAppId", appId)
                .option("txnVersion", version);
        if (userMetadata != null) {
            writer = writer.option("userMetadata", userMetadata);
        }
        writer.save(path(table));
    }

    private Snapshot snapshot(String table) {
        return DeltaLog.forTableWithSnapshot(spark, path(table))._2();
    }

    /**
     * How long raw keeps its Delta log (Delta's default is 30 days). {@code verify} time-travels to the
     * raw version each published period was signed over, which needs the log back to that version:
     * ten years covers the usual retention of billing records.
     */
    public static final String RAW_LOG_RETENTION = "interval 3653 days";

    private static final String LOG_RETENTION = "delta.logRetentionDuration";

    /** Sets raw's log retention to {@link #RAW_LOG_RETENTION} if it is not (tables made before it was set). */
    public void ensureRawLogRetention() {
        scala.Option<String> current =
                snapshot(Tables.RAW_USAGE_EVENTS).metadata().configuration().get(LOG_RETENTION);
        if (current.isEmpty() || !current.get().equals(RAW_LOG_RETENTION)) {
            spark.sql("ALTER TABLE delta.`" + path(Tables.RAW_USAGE_EVENTS) + "` SET TBLPROPERTIES ('" + LOG_RETENTION
                    + "' = '" + RAW_LOG_RETENTION + "')");
        }
    }

    void create(String table, StructType schema, boolean appendOnly, String partitionColumn) {
        requireWritable();
        if (exists(table)) {
            // A read of its log, instead of Delta's create-if-not-exists (a transaction that checks and writes
            // nothing).
            addMissingColumns(table, schema);
            return;
        }
        DeltaTableBuilder builder =
                DeltaTable.createIfNotExists(spark).location(path(table)).addColumns(schema);
        if (table.equals(Tables.RAW_USAGE_EVENTS)) {
            builder = builder.property(LOG_RETENTION, RAW_LOG_RETENTION)
                    // Statistics on every column (Delta's default stops at 32), so that the recompute's look
                    // for corrections (action IS NOT NULL) skips every file that holds none.
                    .property("delta.dataSkippingNumIndexedCols", Integer.toString(Tables.RAW.fields().length));
        }
        if (partitionColumn != null) {
            builder = builder.partitionedBy(partitionColumn);
        }
        if (appendOnly) {
            builder = builder.property("delta.appendOnly", "true");
        }
        builder.execute();
        addMissingColumns(table, schema);
    }

    /**
     * Adds the nullable columns a table made by an earlier version lacks (e.g. quarantine's
     * {@code payload_bytes}), so an existing warehouse takes the current writes. Rows written before
     * read them as null.
     */
    private void addMissingColumns(String table, StructType schema) {
        java.util.Set<String> present = new java.util.HashSet<>(
                java.util.Arrays.asList(snapshot(table).schema().fieldNames()));
        List<String> missing = new java.util.ArrayList<>();
        for (org.apache.spark.sql.types.StructField field : schema.fields()) {
            if (!present.contains(field.name()) && field.nullable()) {
                missing.add("`" + field.name() + "` " + field.dataType().sql());
            }
        }
        if (!missing.isEmpty()) {
            spark.sql("ALTER TABLE delta.`" + path(table) + "` ADD COLUMNS (" + String.join(", ", missing) + ")");
        }
    }

    /** Replaces the entitlements table with {@code rows} (history stays readable by time travel). */
    public void replaceEntitlements(Dataset<Row> rows) {
        replace(Tables.ENTITLEMENTS, Tables.ENTITLEMENT, rows);
    }

    /** Replaces the limits table with {@code rows} (history stays readable by time travel). */
    public void replaceLimits(Dataset<Row> rows) {
        replace(Tables.USAGE_LIMITS, Tables.USAGE_LIMIT, rows);
    }

    private void replace(String table, StructType schema, Dataset<Row> rows) {
        create(table, schema, false, null);
        rows.write().format("delta").mode("overwrite").save(path(table));
    }
}
