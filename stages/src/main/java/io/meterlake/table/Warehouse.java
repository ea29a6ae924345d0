package io.meterlake.table;

import io.meterlake.error.MeterlakeException;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.delta.tables.DeltaTable;
import io.delta.tables.DeltaTableBuilder;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.Snapshot;
import org.apache.spark.sql.types.StructType;
import scala.Option;

import java.util.List;
import java.util.OptionalLong;

/**
 * The Delta tables under one warehouse root (a local directory or an s3a:// URI). Tables are
 * path-based, so any engine that reads Delta (Spark, Trino) finds them without a metastore.
 */
public final class Warehouse {
    private final SparkSession spark;
    private final String root;
    private boolean checkedWritable;

    /** {@code root} may be relative (to the working directory) or a URI such as {@code s3a://bucket/prefix}. */
    public Warehouse(SparkSession spark, String root) {
        this.spark = spark;
        this.root = root.contains("://") || root.startsWith("file:") ? root
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
                            ? failed.getReason() : String.valueOf(e.getMessage());
            throw MeterlakeException.badInput("cannot write to the warehouse " + directory + " (" + reason + ")",
                    "pass a writable directory with --warehouse, or fix its permissions");
        }
        checkedWritable = true;
    }

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
        rows.write().format("delta").mode("overwrite")
                .option("replaceWhere", column + " = '" + value.replace("'", "''") + "'")
                .save(path(table));
    }

    /**
     * Writes the outcome of {@link io.meterlake.pipeline.EventPipeline#process} exactly once per
     * (appId, version): quarantined records first, then accepted ones, each an idempotent append, so
     * a repeat after a crash between the two skips whichever committed. Both commits record the
     * {@link WritePin} the records were processed with (see {@link #pinFor}). When no record is
     * quarantined there is no quarantine commit: raw's commit, always the last, carries the pin alone
     * (one Delta commit less for a clean micro-batch). {@code processed} should be persisted: it is read
     * once to see whether any record was rejected, and once per table.
     */
    public void writeProcessed(Dataset<Row> processed, String appId, long version, WritePin pin) {
        writeProcessed(processed, appId, version, pin, () -> { });
    }

    /** As {@link #writeProcessed(Dataset, String, long, WritePin)}; {@code betweenCommits} runs between the two (crash tests). */
    public void writeProcessed(Dataset<Row> processed, String appId, long version, WritePin pin,
            Runnable betweenCommits) {
        String marker = pin.marker(appId, version);
        // What progress reports (and the Spark UI shows) for the jobs of each step.
        org.apache.spark.SparkContext context = spark.sparkContext();
        try {
            context.setJobDescription("validating, writing " + Tables.QUARANTINED_EVENTS);
            Dataset<Row> quarantined = io.meterlake.pipeline.EventPipeline.quarantined(processed);
            if (!quarantined.isEmpty()) {
                appendIdempotent(quarantined, Tables.QUARANTINED_EVENTS, appId, version, marker);
            }
            betweenCommits.run();
            context.setJobDescription("writing " + Tables.RAW_USAGE_EVENTS);
            appendIdempotent(io.meterlake.pipeline.EventPipeline.accepted(processed), Tables.RAW_USAGE_EVENTS, appId,
                    version, marker);
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
    public WritePin pinFor(String appId, long version, java.time.Instant proposedIngestedAt) {
        for (String table : List.of(Tables.QUARANTINED_EVENTS, Tables.RAW_USAGE_EVENTS)) {
            java.util.OptionalLong committed = committedTransaction(table, appId);
            if (committed.isPresent() && committed.getAsLong() >= version) {
                java.util.Optional<WritePin> pin = recordedPin(table, appId, version);
                if (pin.isPresent()) {
                    return pin.get().ingestedAt() == null && proposedIngestedAt != null
                            ? new WritePin(pin.get().entitlementsVersion(), proposedIngestedAt) : pin.get();
                }
            }
        }
        return new WritePin(version(Tables.ENTITLEMENTS), proposedIngestedAt);
    }

    /**
     * The pin recorded by (appId, version)'s commit to {@code table}: looked for in the latest
     * {@value #RECENT_COMMITS} commits (a replay follows its own commit closely), then in the whole history.
     */
    private java.util.Optional<WritePin> recordedPin(String table, String appId, long version) {
        DeltaTable delta = DeltaTable.forPath(spark, path(table));
        for (int limit : new int[] {RECENT_COMMITS, Integer.MAX_VALUE}) {
            // Delta reads the commits' metadata when the history is asked for: the whole log only if needed.
            Dataset<Row> history = limit == Integer.MAX_VALUE ? delta.history() : delta.history(limit);
            List<Row> commits = history
                    .where(org.apache.spark.sql.functions.col("userMetadata").startsWith(WritePin.prefix(appId, version)))
                    .select("userMetadata").collectAsList();
            if (!commits.isEmpty()) {
                return WritePin.parse(commits.get(0).getString(0), appId, version);
            }
        }
        return java.util.Optional.empty();
    }

    private static final int RECENT_COMMITS = 100;

    /**
     * Upserts provisional aggregates on (subscription, entitlement, metric, window start), at most
     * once per (appId, version): Delta skips a MERGE whose transaction id committed already. Returns
     * false, committing nothing, when {@code rows} is empty (a batch that only moved the watermark).
     *
     * <p>The condition also bounds the target's window start by the batch's earliest and latest, as
     * literals: Delta then skips every file whose window-start statistics lie outside them, so a batch
     * reads the files of the hours it touches, not the month beside them ({@code bench stream-growth}).
     * The stream's files hold the windows of their batch; {@code maintain}'s compaction mixes only
     * windows that ended before it ran, so the files of later hours stay apart.
     */
    public boolean mergeProvisional(Dataset<Row> rows, String appId, long version) {
        String target = "target";
        String source = "source";
        Row range = rows.agg(org.apache.spark.sql.functions.min(Columns.WINDOW_START),
                org.apache.spark.sql.functions.max(Columns.WINDOW_START)).first();
        if (range.isNullAt(0)) {
            return false;
        }
        org.apache.spark.sql.Column matches = org.apache.spark.sql.functions.col(target + "." + Columns.WINDOW_START)
                .between(org.apache.spark.sql.functions.lit(range.getTimestamp(0)),
                        org.apache.spark.sql.functions.lit(range.getTimestamp(1)));
        for (String key : io.meterlake.schema.UsageWindow.KEY) {
            matches = matches.and(org.apache.spark.sql.functions.col(target + "." + key)
                    .equalTo(org.apache.spark.sql.functions.col(source + "." + key)));
        }
        // The transaction id travels as session settings around exactly this MERGE.
        spark.conf().set("spark.databricks.delta.write.txnAppId", appId);
        spark.conf().set("spark.databricks.delta.write.txnVersion", Long.toString(version));
        try {
            DeltaTable.forPath(spark, path(Tables.USAGE_AGGREGATES_PROVISIONAL)).as(target)
                    .merge(rows.as(source), matches)
                    .whenMatched().updateAll()
                    .whenNotMatched().insertAll()
                    .execute();
        } finally {
            spark.conf().unset("spark.databricks.delta.write.txnAppId");
            spark.conf().unset("spark.databricks.delta.write.txnVersion");
        }
        return true;
    }

    /** How long a lease lives without renewal (holders renew every quarter of it). */
    public static final java.time.Duration LEASE_TTL = java.time.Duration.ofSeconds(60);

    /** Takes the role {@code name} on this warehouse (see {@link Lease}), or refuses naming who has it (exit 75). */
    public Lease lease(String name, String purpose, java.time.Clock clock) {
        requireWritable();
        return Lease.acquire(spark.sessionState().newHadoopConf(), root, name, purpose, clock, LEASE_TTL);
    }

    public boolean exists(String table) {
        return DeltaTable.isDeltaTable(spark, path(table));
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
     * Data files of {@code table} at {@code version} that are missing or whose size differs from what
     * the Delta log recorded: a change made to the storage behind Delta's back. Empty when every file
     * is as committed.
     */
    public List<String> filesNotAsCommitted(String table, long version) {
        return filesNotAsCommitted(table, version, java.util.Optional.empty());
    }

    /**
     * The same for the files of the {@code event_date} partitions {@code dates} (first and last,
     * inclusive) only, when given: what one period's verification reads.
     */
    public List<String> filesNotAsCommitted(String table, long version, java.util.Optional<java.time.LocalDate[]> dates) {
        org.apache.hadoop.fs.Path tablePath = new org.apache.hadoop.fs.Path(path(table));
        List<String> problems = new java.util.ArrayList<>();
        try {
            org.apache.hadoop.fs.FileSystem fs = tablePath.getFileSystem(spark.sessionState().newHadoopConf());
            for (Row file : files(table, version, dates).select("path", "size").collectAsList()) {
                String relative = file.getString(0);
                org.apache.hadoop.fs.Path child = new org.apache.hadoop.fs.Path(new java.net.URI(relative));
                org.apache.hadoop.fs.Path absolute = child.isAbsolute() ? child : new org.apache.hadoop.fs.Path(tablePath, child);
                if (!fs.exists(absolute)) {
                    problems.add(table + " file " + relative + " of version " + version + " is missing");
                } else if (fs.getFileStatus(absolute).getLen() != file.getLong(1)) {
                    problems.add(table + " file " + relative + " has " + fs.getFileStatus(absolute).getLen()
                            + " bytes, but version " + version + " committed it with " + file.getLong(1));
                }
            }
        } catch (java.io.IOException | java.net.URISyntaxException e) {
            problems.add(table + " files of version " + version + " cannot be listed: " + e.getMessage());
        }
        return problems;
    }

    /** The data files (paths as its log records them) of {@code table} at {@code version}, of the partitions {@code dates}. */
    public java.util.Set<String> filePaths(String table, long version, java.util.Optional<java.time.LocalDate[]> dates) {
        java.util.Set<String> paths = new java.util.HashSet<>();
        for (Row file : files(table, version, dates).select("path").collectAsList()) {
            paths.add(file.getString(0));
        }
        return paths;
    }

    /** The log's file actions at {@code version}, only those of the {@code event_date} partitions {@code dates} when given. */
    private Dataset<Row> files(String table, long version, java.util.Optional<java.time.LocalDate[]> dates) {
        Snapshot snapshot = DeltaLog.forTable(spark, path(table)).getSnapshotAt(version, Option.empty(), Option.empty());
        Dataset<Row> files = snapshot.allFiles().toDF();
        if (dates.isPresent()) {
            // ISO dates compare as text; partition values are stored as text.
            Column date = org.apache.spark.sql.functions.col("partitionValues").getItem(Columns.EVENT_DATE);
            files = files.where(date.geq(dates.get()[0].toString()).and(date.leq(dates.get()[1].toString())));
        }
        return files;
    }

    /**
     * Whether {@code failure} (or a cause of it) says that a table version can no longer be read: its
     * log or data files are gone (vacuumed, log retention). Any other failure is not that.
     */
    public static boolean isVersionUnreadable(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            String name = cause.getClass().getSimpleName();
            String message = String.valueOf(cause.getMessage());
            if (cause instanceof java.io.FileNotFoundException || name.equals("VersionNotFoundException")
                    || name.equals("DeltaFileNotFoundException") || message.contains("DELTA_VERSIONS_NOT_CONTIGUOUS")
                    || message.contains("DELTA_FILE_NOT_FOUND") || message.contains("DELTA_LOG_FILE_NOT_FOUND")
                    || message.contains("Cannot time travel Delta table to version")) {
                return true;
            }
        }
        return false;
    }

    /**
     * When {@code failure} says a table's Delta log has a gap (a commit file was deleted), which
     * versions are missing, e.g. "version 3 is missing"; empty for any other failure.
     */
    public static java.util.Optional<String> logGap(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            String message = String.valueOf(cause.getMessage());
            if (!message.contains("DELTA_VERSIONS_NOT_CONTIGUOUS")) {
                continue;
            }
            java.util.regex.Matcher versions = java.util.regex.Pattern.compile("\\(([0-9, ]+)\\)").matcher(message);
            List<String> missing = new java.util.ArrayList<>();
            if (versions.find()) {
                long[] present = java.util.Arrays.stream(versions.group(1).split(",")).map(String::trim)
                        .mapToLong(Long::parseLong).sorted().toArray();
                for (int i = 1; i < present.length; i++) {
                    for (long v = present[i - 1] + 1; v < present[i]; v++) {
                        missing.add(Long.toString(v));
                    }
                }
            }
            return java.util.Optional.of(missing.isEmpty() ? "versions are missing"
                    : (missing.size() == 1 ? "version " : "versions ") + String.join(", ", missing)
                            + (missing.size() == 1 ? " is" : " are") + " missing");
        }
        return java.util.Optional.empty();
    }

    /**
     * The last {@code txnVersion} committed to {@code table} under the idempotent-writer id
     * {@code appId}, if any. Delta skips a write whose (appId, version) is not newer than this.
     */
    public OptionalLong committedTransaction(String table, String appId) {
        Option<Object> version = snapshot(table).transactions().get(appId);
        return version.isDefined() ? OptionalLong.of((Long) version.get()) : OptionalLong.empty();
    }

    /** Appends exactly once per (appId, version): replaying the same pair writes nothing. */
    public void appendIdempotent(Dataset<Row> rows, String table, String appId, long version) {
        appendIdempotent(rows, table, appId, version, null);
    }

    private void appendIdempotent(Dataset<Row> rows, String table, String appId, long version, String userMetadata) {
        org.apache.spark.sql.DataFrameWriter<Row> writer = rows.write().format("delta").mode("append")
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
        scala.Option<String> current = snapshot(Tables.RAW_USAGE_EVENTS).metadata().configuration().get(LOG_RETENTION);
        if (current.isEmpty() || !current.get().equals(RAW_LOG_RETENTION)) {
            spark.sql("ALTER TABLE delta.`" + path(Tables.RAW_USAGE_EVENTS) + "` SET TBLPROPERTIES ('" + LOG_RETENTION
                    + "' = '" + RAW_LOG_RETENTION + "')");
        }
    }

    void create(String table, StructType schema, boolean appendOnly, String partitionColumn) {
        requireWritable();
        if (exists(table)) {
            // A read of its log, instead of Delta's create-if-not-exists (a transaction that checks and writes nothing).
            addMissingColumns(table, schema);
            return;
        }
        DeltaTableBuilder builder = DeltaTable.createIfNotExists(spark).location(path(table)).addColumns(schema);
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
        create(Tables.ENTITLEMENTS, Tables.ENTITLEMENT, false, null);
        rows.write().format("delta").mode("overwrite").save(path(Tables.ENTITLEMENTS));
    }
}
