package io.meterlake.table;

import io.meterlake.schema.Columns;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.Snapshot;
import scala.Option;

/**
 * The storage behind a table's Delta log, checked against it: the data files a version committed, and those
 * missing or changed since (what {@code verify} reports as tampering below Delta).
 */
public final class StorageAudit {
    private final Warehouse warehouse;

    public StorageAudit(Warehouse warehouse) {
        this.warehouse = warehouse;
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
    public List<String> filesNotAsCommitted(
            String table, long version, java.util.Optional<java.time.LocalDate[]> dates) {
        org.apache.hadoop.fs.Path tablePath = new org.apache.hadoop.fs.Path(warehouse.path(table));
        List<String> problems = new java.util.ArrayList<>();
        try {
            org.apache.hadoop.fs.FileSystem fs =
                    tablePath.getFileSystem(warehouse.spark().sessionState().newHadoopConf());
            for (Row file : files(table, version, dates).select("path", "size").collectAsList()) {
                String relative = file.getString(0);
                org.apache.hadoop.fs.Path child = new org.apache.hadoop.fs.Path(new java.net.URI(relative));
                org.apache.hadoop.fs.Path absolute =
                        child.isAbsolute() ? child : new org.apache.hadoop.fs.Path(tablePath, child);
                if (!fs.exists(absolute)) {
                    problems.add(table + " file " + relative + " of version " + version + " is missing");
                } else if (fs.getFileStatus(absolute).getLen() != file.getLong(1)) {
                    problems.add(table + " file " + relative + " has "
                            + fs.getFileStatus(absolute).getLen() + " bytes, but version " + version
                            + " committed it with " + file.getLong(1));
                }
            }
        } catch (java.io.IOException | java.net.URISyntaxException e) {
            problems.add(table + " files of version " + version + " cannot be listed: " + e.getMessage());
        }
        return problems;
    }

    /**
     * The SHA-256 (hex) of {@code table}'s commit file of {@code version} ({@code _delta_log/<version>.json}),
     * as its storage holds it now; empty when the file is absent. Commit files are written once and never
     * changed, so a hash recorded earlier witnesses the commit: and, as each version needs every one before
     * it, the table's history up to it.
     */
    public java.util.Optional<String> commitSha256(String table, long version) {
        org.apache.hadoop.fs.Path commit = new org.apache.hadoop.fs.Path(
                new org.apache.hadoop.fs.Path(warehouse.path(table), "_delta_log"),
                String.format("%020d.json", version));
        try {
            org.apache.hadoop.fs.FileSystem fs =
                    commit.getFileSystem(warehouse.spark().sessionState().newHadoopConf());
            if (!fs.exists(commit)) {
                return java.util.Optional.empty();
            }
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            try (java.io.InputStream in = fs.open(commit)) {
                byte[] buffer = new byte[65536];
                for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                    digest.update(buffer, 0, n);
                }
            }
            return java.util.Optional.of(java.util.HexFormat.of().formatHex(digest.digest()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The data files (paths as its log records them) of {@code table} at {@code version}, of the partitions {@code dates}. */
    public java.util.Set<String> filePaths(
            String table, long version, java.util.Optional<java.time.LocalDate[]> dates) {
        java.util.Set<String> paths = new java.util.HashSet<>();
        for (Row file : files(table, version, dates).select("path").collectAsList()) {
            paths.add(file.getString(0));
        }
        return paths;
    }

    /**
     * The earliest {@code event_date} partition of {@code table} at {@code version} (read from its log: no data
     * file is opened); empty when the table holds no file then.
     */
    public java.util.Optional<java.time.LocalDate> firstEventDate(String table, long version) {
        Row first = files(table, version, java.util.Optional.empty())
                .agg(org.apache.spark.sql.functions.min(
                        org.apache.spark.sql.functions.col("partitionValues").getItem(Columns.EVENT_DATE)))
                .first();
        return first.isNullAt(0)
                ? java.util.Optional.empty()
                : java.util.Optional.of(java.time.LocalDate.parse(first.getString(0)));
    }

    /** The log's file actions at {@code version}, only those of the {@code event_date} partitions {@code dates} when given. */
    private Dataset<Row> files(String table, long version, java.util.Optional<java.time.LocalDate[]> dates) {
        Snapshot snapshot = DeltaLog.forTable(warehouse.spark(), warehouse.path(table))
                .getSnapshotAt(version, Option.empty(), Option.empty());
        Dataset<Row> files = snapshot.allFiles().toDF();
        if (dates.isPresent()) {
            // ISO dates compare as text; partition values are stored as text.
            Column date = org.apache.spark.sql.functions.col("partitionValues").getItem(Columns.EVENT_DATE);
            files = files.where(date.geq(dates.get()[0].toString()).and(date.leq(dates.get()[1].toString())));
        }
        return files;
    }
}
