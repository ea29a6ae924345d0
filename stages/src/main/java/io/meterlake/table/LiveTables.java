package io.meterlake.table;

import io.delta.kernel.Scan;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.utils.CloseableIterator;
import io.delta.kernel.utils.FileStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;

/**
 * The warehouse's tables as a server reads them on every request (the usage API): the rows {@link DeltaReads}
 * gives, without reading a log or a file again while nothing changed. Per table, the latest version's files
 * with their statistics (one log replay per version); per data file, which Delta never changes, its rows. A
 * table's log is checked for a newer commit at most once per {@link #RECHECK}, so a new version is read within
 * a second of its commit; each request reads every table at one version ({@link #view}). At most
 * {@link #MAX_CACHED_ROWS} rows of files are kept (about a quarter of the heap, at some 500 bytes a row), the
 * least recently read dropped first.
 */
public final class LiveTables {
    static final Duration RECHECK = Duration.ofSeconds(1);
    private static final String PROVISIONAL = io.meterlake.schema.Tables.USAGE_AGGREGATES_PROVISIONAL;
    static final long MAX_CACHED_ROWS = Runtime.getRuntime().maxMemory() / 4 / 500;
    private static final Pattern COMMIT = Pattern.compile("(\\d{20})\\.json");

    private final Engine engine;
    /** The engine's settings: the file system a read opens first ({@link WithoutHadoopXml}). */
    private final org.apache.hadoop.conf.Configuration hadoop;

    private final String root;
    private final ConcurrentHashMap<String, Version> versions = new ConcurrentHashMap<>();
    /** The tables being checked or read again now: one thread does it, the others answer from the version before. */
    private final java.util.Set<String> refreshing = ConcurrentHashMap.newKeySet();
    /** Per data file (and deletion vector), its rows, least recently read first; guarded by itself. */
    private final LinkedHashMap<String, FileRows> fileRows = new LinkedHashMap<>(64, 0.75f, true);

    private long cachedRows;

    /**
     * A table at one version: its scan state and files with their statistics; none when it does not exist. For the
     * provisional table, the stream's mark as read just before the version was checked ({@link VisibleThrough}).
     */
    private record Version(
            long version,
            io.delta.kernel.data.Row state,
            List<ScanFile> files,
            long checkedAt,
            Optional<Instant> mark) {
        boolean exists() {
            return version >= 0;
        }
    }

    /** A data file's rows, and per column asked for, the rows by its value (made on first use). */
    private record FileRows(List<Row> rows, Map<String, Map<Object, List<Row>>> byColumn) {
        List<Row> equalTo(String column, Object value) {
            Map<Object, List<Row>> index = byColumn.computeIfAbsent(column, c -> {
                Map<Object, List<Row>> made = new HashMap<>();
                for (Row row : rows) {
                    int i = row.fieldIndex(c);
                    made.computeIfAbsent(row.isNullAt(i) ? null : row.get(i), v -> new ArrayList<>())
                            .add(row);
                }
                return made;
            });
            return index.getOrDefault(value, List.of());
        }
    }

    private LiveTables(org.apache.hadoop.conf.Configuration hadoop, String root) {
        this.hadoop = hadoop;
        this.engine = DefaultEngine.create(hadoop);
        this.root = root;
    }

    /** Over {@code config}'s warehouse and storage. */
    public static LiveTables of(io.meterlake.config.MeterlakeConfig config) {
        return of(io.meterlake.storage.Storage.hadoopConfiguration(config), config.warehouse());
    }

    static LiveTables of(org.apache.hadoop.conf.Configuration hadoop, String root) {
        return new LiveTables(hadoop, root);
    }

    /** The tables for one request: each at the version it is first read at, for the whole request. */
    public TableRows view() {
        Map<String, Version> pinned = new HashMap<>();
        return new TableRows() {
            @Override
            public String root() {
                return root;
            }

            @Override
            public boolean exists(String table) {
                return pinned.computeIfAbsent(table, LiveTables.this::version).exists();
            }

            @Override
            public List<Row> rows(String table, Map<String, ?> equalTo) {
                return LiveTables.this.rows(pinned.computeIfAbsent(table, LiveTables.this::version), table, equalTo);
            }

            @Override
            public Optional<Instant> greatest(String table, String column) {
                return LiveTables.this.greatest(pinned.computeIfAbsent(table, LiveTables.this::version), table, column);
            }

            @Override
            public Optional<Instant> visibleThrough() {
                return pinned.computeIfAbsent(PROVISIONAL, LiveTables.this::version)
                        .mark();
            }
        };
    }

    /**
     * What an answer read from some tables stands on: each one's latest version as last checked ({@code -1}:
     * none), so that a server may keep the answer while they stay; and the stream's mark as read with the
     * provisional table's version (empty when that table is not among them), which a kept answer may take as its
     * own while the versions stay.
     */
    public record Stand(List<Long> versions, Optional<Instant> visibleThrough) {}

    /** What answers read from {@code tables} stand on now (see {@link Stand}). */
    public Stand stand(List<String> tables) {
        List<Long> numbers = new ArrayList<>();
        Optional<Instant> mark = Optional.empty();
        for (String table : tables) {
            Version version = version(table);
            numbers.add(version.version());
            mark = table.equals(PROVISIONAL) ? version.mark() : mark;
        }
        return new Stand(List.copyOf(numbers), mark);
    }

    /**
     * The table's latest version as last checked, checked again when that was {@link #RECHECK} ago: by one
     * request, while the others go on with the version before (the first read of a table waits for it).
     */
    private Version version(String table) {
        Version known = versions.get(table);
        if (known != null && System.nanoTime() - known.checkedAt() < RECHECK.toNanos()) {
            return known;
        }
        if (known == null) {
            synchronized (this) {
                known = versions.get(table);
                if (known == null) {
                    known = load(table, null, markOf(table));
                    versions.put(table, known);
                }
                return known;
            }
        }
        if (!refreshing.add(table)) {
            return known;
        }
        try {
            Optional<Instant> mark = markOf(table); // before the version: the rows then hold it
            Version now = known.exists() && !committedAfter(table, known.version())
                    ? new Version(known.version(), known.state(), known.files(), System.nanoTime(), mark)
                    : load(table, known, mark);
            versions.put(table, now);
            return now;
        } finally {
            refreshing.remove(table);
        }
    }

    /** Whether the table's log holds a commit after {@code version}: one listing from that version on. */
    private boolean committedAfter(String table, long version) {
        String next = path(table) + "/_delta_log/" + String.format("%020d", version + 1) + ".json";
        try (CloseableIterator<FileStatus> files = engine.getFileSystemClient().listFrom(next)) {
            while (files.hasNext()) {
                String name = files.next().getPath();
                Matcher commit = COMMIT.matcher(name.substring(name.lastIndexOf('/') + 1));
                if (commit.matches() && Long.parseLong(commit.group(1)) > version) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return true; // read it whole again rather than answer from what may be stale
        }
    }

    /** The stream's mark for the provisional table, none for the others. */
    private Optional<Instant> markOf(String table) {
        return table.equals(PROVISIONAL) ? VisibleThrough.read(hadoop, root) : Optional.empty();
    }

    /**
     * The latest snapshot's files, with statistics: the log replayed once for this version; the files {@code
     * before} knew keep their parsed statistics. {@code mark}: read before this.
     */
    private Version load(String table, Version before, Optional<Instant> mark) {
        Map<String, ScanFile> known = new HashMap<>();
        if (before != null) {
            before.files().forEach(file -> known.put(file.key(), file));
        }
        java.util.Optional<io.delta.kernel.Snapshot> latest = KernelSnapshots.latest(engine, path(table));
        if (latest.isEmpty()) {
            return new Version(-1, null, List.of(), System.nanoTime(), mark);
        }
        io.delta.kernel.Snapshot snapshot = latest.get();
        Scan scan = snapshot.getScanBuilder(engine).build();
        List<ScanFile> files = ScanFile.list(engine, scan, known, path(table));
        return new Version(snapshot.getVersion(engine), scan.getScanState(engine), files, System.nanoTime(), mark);
    }

    private List<Row> rows(Version version, String table, Map<String, ?> equalTo) {
        List<Row> rows = new ArrayList<>();
        Map.Entry<String, ?> first =
                equalTo.isEmpty() ? null : equalTo.entrySet().iterator().next();
        for (ScanFile file : version.files()) {
            if (file.mayHold(equalTo)) {
                FileRows read = fileRows(version, file, table);
                for (Row row : first == null ? read.rows() : read.equalTo(first.getKey(), first.getValue())) {
                    if (DeltaReads.matches(row, equalTo)) {
                        rows.add(row);
                    }
                }
            }
        }
        return rows;
    }

    private Optional<Instant> greatest(Version version, String table, String column) {
        List<FileStatistics> files = version.files().stream()
                .map(file -> FileStatistics.of(file, column))
                .toList();
        return FileStatistics.greatest(
                FileStatistics.mayHoldTheGreatest(files).stream()
                        .flatMap(file -> fileRows(version, file.file(), table).rows().stream()),
                column);
    }

    /** Every row of one data file: read once, then kept while the cache has room. */
    private FileRows fileRows(Version version, ScanFile file, String table) {
        synchronized (fileRows) {
            FileRows cached = fileRows.get(file.key());
            if (cached != null) {
                return cached;
            }
        }
        List<Row> rows = new ArrayList<>();
        try {
            WithoutHadoopXml.read(
                    hadoop, root, () -> DeltaReads.read(engine, version.state(), file.row(), table, Map.of(), rows));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file.key(), e);
        }
        FileRows kept = new FileRows(List.copyOf(rows), new ConcurrentHashMap<>());
        synchronized (fileRows) {
            if (fileRows.put(file.key(), kept) == null) {
                cachedRows += kept.rows().size();
            }
            var oldest = fileRows.entrySet().iterator();
            while (cachedRows > MAX_CACHED_ROWS && oldest.hasNext()) {
                cachedRows -= oldest.next().getValue().rows().size();
                oldest.remove();
            }
        }
        return kept;
    }

    private String path(String table) {
        return root.endsWith("/") ? root + table : root + "/" + table;
    }
}
