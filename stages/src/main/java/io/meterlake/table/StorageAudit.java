package io.meterlake.table;

import io.meterlake.schema.Columns;
import java.util.List;

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
            for (CommittedFiles file : CommittedFiles.at(warehouse, table, version, dates)) {
                String relative = file.path();
                org.apache.hadoop.fs.Path child = new org.apache.hadoop.fs.Path(new java.net.URI(relative));
                org.apache.hadoop.fs.Path absolute =
                        child.isAbsolute() ? child : new org.apache.hadoop.fs.Path(tablePath, child);
                if (!fs.exists(absolute)) {
                    problems.add(table + " file " + relative + " of version " + version + " is missing");
                } else if (fs.getFileStatus(absolute).getLen() != file.size()) {
                    problems.add(table + " file " + relative + " has "
                            + fs.getFileStatus(absolute).getLen() + " bytes, but version " + version
                            + " committed it with " + file.size());
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
        for (CommittedFiles file : CommittedFiles.at(warehouse, table, version, dates)) {
            paths.add(file.path());
        }
        return paths;
    }

    /**
     * How many data files each partition of {@code table} holds at {@code version} (keyed by the partition
     * values; one key, empty, for a table without partitions): compaction has nothing to merge where all are 1.
     */
    public java.util.Map<java.util.Map<String, String>, Long> filesPerPartition(String table, long version) {
        return CommittedFiles.at(warehouse, table, version, java.util.Optional.empty()).stream()
                .collect(java.util.stream.Collectors.groupingBy(
                        CommittedFiles::partitionValues, java.util.stream.Collectors.counting()));
    }

    /**
     * The earliest {@code event_date} partition of {@code table} at {@code version} (read from its log: no data
     * file is opened); empty when the table holds no file then.
     */
    public java.util.Optional<java.time.LocalDate> firstEventDate(String table, long version) {
        return CommittedFiles.at(warehouse, table, version, java.util.Optional.empty()).stream()
                .map(file -> file.partitionValues().get(Columns.EVENT_DATE))
                .filter(java.util.Objects::nonNull)
                .min(String::compareTo)
                .map(java.time.LocalDate::parse);
    }
}
