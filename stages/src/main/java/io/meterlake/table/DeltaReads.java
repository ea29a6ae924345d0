package io.meterlake.table;

import io.delta.kernel.Scan;
import io.delta.kernel.Snapshot;
import io.delta.kernel.data.ColumnarBatch;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.internal.InternalScanFileUtils;
import io.delta.kernel.internal.data.ScanStateRow;
import io.delta.kernel.utils.CloseableIterator;
import io.delta.kernel.utils.FileStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;

/**
 * Reads of the warehouse's tables without Spark, with Delta Kernel: what the commands that only read use,
 * so that they answer in about a second instead of after a Spark start. Rows come back as Spark
 * {@link Row}s with the table's schema ({@link GenericRowWithSchema}, which needs no session), so the code
 * that turns a row into a record ({@code BillingPeriod.fromRow}, {@code Rows.entitlement}) is the same
 * for both read paths. Each table is read at one version, its log replayed once, whatever the reads ask.
 */
public final class DeltaReads implements TableRows {
    private final Engine engine;
    /** The engine's settings: the file system a read opens first ({@link WithoutHadoopXml}). */
    private final Configuration hadoop;

    private final String root;
    /** Each table's snapshot: one command reads one version of each table. */
    private final Map<String, Optional<Snapshot>> snapshots = new java.util.concurrent.ConcurrentHashMap<>();
    /** Per table, its version's scan state and files: the log replayed once, however many reads ask. */
    private final Map<String, Files> files = new java.util.concurrent.ConcurrentHashMap<>();
    /** The stream's mark, read just before the provisional table's snapshot ({@link VisibleThrough}). */
    private volatile Optional<Instant> mark = Optional.empty();

    /** Per table read whole, its rows. */
    private final Map<String, List<Row>> whole = new java.util.HashMap<>();

    private record Files(io.delta.kernel.data.Row state, List<ScanFile> list) {}

    public DeltaReads(Configuration hadoop, String root) {
        this.hadoop = hadoop;
        this.engine = DefaultEngine.create(hadoop);
        this.root = root;
    }

    @Override
    public String root() {
        return root;
    }

    /**
     * Starts reading these tables' logs (their latest versions and files) beside the command, which will ask for
     * them: a command that reads several tables waits for the slowest instead of for all in turn. A read of a
     * table already under way waits for it; nothing is read twice.
     */
    public DeltaReads prefetch(java.util.Collection<String> tables) {
        for (String table : tables) {
            java.util.concurrent.CompletableFuture.runAsync(() -> {
                if (snapshot(table).isPresent()) {
                    files(table);
                }
            });
        }
        return this;
    }

    /** Whether {@code table} exists (has a Delta log with a commit). */
    @Override
    public boolean exists(String table) {
        return snapshot(table).isPresent();
    }

    /** The latest version of {@code table}; empty when it does not exist. */
    public Optional<Long> version(String table) {
        return snapshot(table).map(snapshot -> snapshot.getVersion(engine));
    }

    /** Every row of {@code table}'s latest version (none when it does not exist). */
    public List<Row> rows(String table) {
        return rows(table, Map.of());
    }

    /**
     * The rows whose columns equal these values: the equalities prune the files whose partition values or
     * statistics exclude them, so a read stays small as history grows; the rows of the files left are compared
     * before they are made Spark rows. The files are read side by side (opening and decoding a file is most of a
     * read, and a command has the machine's cores to itself).
     */
    @Override
    public List<Row> rows(String table, Map<String, ?> equalTo) {
        if (snapshot(table).isEmpty()) {
            return List.of();
        }
        if (equalTo.isEmpty() || whole.containsKey(table)) {
            List<Row> all = whole.computeIfAbsent(table, t -> read(t, files(t).list(), Map.of()));
            return all.stream().filter(row -> matches(row, equalTo)).toList();
        }
        return read(
                table,
                files(table).list().stream()
                        .filter(file -> file.mayHold(equalTo))
                        .toList(),
                equalTo);
    }

    private Files files(String table) {
        return files.computeIfAbsent(table, t -> {
            Scan scan = snapshot(t).orElseThrow().getScanBuilder(engine).build();
            return new Files(scan.getScanState(engine), ScanFile.list(engine, scan, Map.of(), path(t)));
        });
    }

    /** The rows of these files of {@code table} whose columns equal {@code equalTo}, in the files' order. */
    private List<Row> read(String table, List<ScanFile> wanted, Map<String, ?> equalTo) {
        io.delta.kernel.data.Row state = files(table).state();
        java.util.function.Function<ScanFile, List<Row>> readOne = file -> {
            List<Row> rows = new ArrayList<>();
            try {
                WithoutHadoopXml.read(hadoop, path(table), () -> read(engine, state, file.row(), table, equalTo, rows));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + path(table), e);
            }
            return rows;
        };
        List<List<Row>> perFile = wanted.size() > 1
                ? wanted.parallelStream().map(readOne).toList()
                : wanted.stream().map(readOne).toList();
        List<Row> rows = new ArrayList<>();
        perFile.forEach(rows::addAll);
        return rows;
    }

    /** Whether a Kernel row's columns equal these values (strings, ints and longs: what the reads filter on). */
    private static boolean matches(io.delta.kernel.data.Row row, Map<String, ?> equalTo) {
        for (Map.Entry<String, ?> column : equalTo.entrySet()) {
            int i = row.getSchema().indexOf(column.getKey());
            Object value = i < 0 || row.isNullAt(i)
                    ? null
                    : KernelRows.value(row, i, row.getSchema().at(i));
            if (!java.util.Objects.equals(value, column.getValue())) {
                return false;
            }
        }
        return true;
    }

    static boolean matches(Row row, Map<String, ?> equalTo) {
        return equalTo.entrySet().stream()
                .allMatch(column -> java.util.Objects.equals(row.getAs(column.getKey()), column.getValue()));
    }

    private static io.delta.kernel.expressions.Literal literal(Object value) {
        if (value instanceof String text) {
            return io.delta.kernel.expressions.Literal.ofString(text);
        } else if (value instanceof Integer number) {
            return io.delta.kernel.expressions.Literal.ofInt(number);
        } else if (value instanceof Long number) {
            return io.delta.kernel.expressions.Literal.ofLong(number);
        }
        throw new IllegalArgumentException("no literal for " + value);
    }

    private Optional<Snapshot> snapshot(String table) {
        return snapshots.computeIfAbsent(table, t -> {
            if (t.equals(io.meterlake.schema.Tables.USAGE_AGGREGATES_PROVISIONAL)) {
                mark = VisibleThrough.read(hadoop, root); // before the version: the rows then hold it
            }
            return KernelSnapshots.latest(engine, path(t));
        });
    }

    @Override
    public Optional<Instant> visibleThrough() {
        snapshot(io.meterlake.schema.Tables.USAGE_AGGREGATES_PROVISIONAL);
        return mark;
    }

    private String path(String table) {
        return root.endsWith("/") ? root + table : root + "/" + table;
    }

    /**
     * The greatest value of a timestamp column from the files' statistics: only the files whose maximum could
     * be the greatest (Delta keeps timestamp statistics to the millisecond) and those without statistics are
     * read, so the cost follows the newest files, not the table's history.
     */
    @Override
    public Optional<Instant> greatest(String table, String column) {
        if (snapshot(table).isEmpty()) {
            return Optional.empty();
        }
        List<FileStatistics> statistics = files(table).list().stream()
                .map(file -> FileStatistics.of(file, column))
                .toList();
        List<ScanFile> candidates = FileStatistics.mayHoldTheGreatest(statistics).stream()
                .map(FileStatistics::file)
                .toList();
        return FileStatistics.greatest(read(table, candidates, Map.of()).stream(), column);
    }

    /** How many rows a table holds, and how many of them hold null in one column. */
    public record Count(long rows, long nulls) {}

    /**
     * The rows of {@code table}'s latest version and the nulls of {@code column} among them, from the files'
     * statistics (a file without them is read): the cost follows the number of files, not of rows. A column
     * the table does not have is null in every row; an absent table has no rows.
     */
    public Count count(String table, String column) {
        Optional<Snapshot> snapshot = snapshot(table);
        if (snapshot.isEmpty()) {
            return new Count(0, 0);
        }
        boolean has = snapshot.get().getSchema(engine).indexOf(column) >= 0;
        long rows = 0;
        long nulls = 0;
        for (ScanFile file : files(table).list()) {
            Optional<Count> counted = FileStatistics.count(file, has ? column : null);
            if (counted.isEmpty()) {
                List<Row> read = read(table, List.of(file), Map.of());
                counted = Optional.of(new Count(
                        read.size(),
                        has
                                ? read.stream()
                                        .filter(row -> row.isNullAt(row.fieldIndex(column)))
                                        .count()
                                : read.size()));
            }
            rows += counted.get().rows();
            nulls += counted.get().nulls();
        }
        return new Count(rows, nulls);
    }

    /**
     * The last version an exactly-once writer {@code appId} committed to {@code table} (its transaction
     * identifier), as Spark's Delta log gives it; empty when it never did or the table does not exist.
     */
    public java.util.OptionalLong committedTransaction(String table, String appId) {
        return snapshot(table)
                .flatMap(snapshot ->
                        ((io.delta.kernel.internal.SnapshotImpl) snapshot).getLatestTransactionVersion(engine, appId))
                .map(java.util.OptionalLong::of)
                .orElse(java.util.OptionalLong.empty());
    }

    /** Adds the rows of one scan file whose columns equal {@code equalTo} to {@code rows}. */
    static void read(
            Engine engine,
            io.delta.kernel.data.Row state,
            io.delta.kernel.data.Row file,
            String table,
            Map<String, ?> equalTo,
            List<Row> rows)
            throws IOException {
        io.delta.kernel.types.StructType physical = ScanStateRow.getPhysicalDataReadSchema(engine, state);
        FileStatus status = InternalScanFileUtils.getAddFileStatus(file);
        CloseableIterator<ColumnarBatch> data = engine.getParquetHandler()
                .readParquetFiles(
                        io.delta.kernel.internal.util.Utils.singletonCloseableIterator(status),
                        physical,
                        Optional.empty());
        try (CloseableIterator<FilteredColumnarBatch> logical = Scan.transformPhysicalData(engine, state, file, data)) {
            while (logical.hasNext()) {
                try (CloseableIterator<io.delta.kernel.data.Row> batch =
                        logical.next().getRows()) {
                    while (batch.hasNext()) {
                        io.delta.kernel.data.Row row = batch.next();
                        if (matches(row, equalTo)) {
                            rows.add(KernelRows.spark(row, table));
                        }
                    }
                }
            }
        }
    }
}
