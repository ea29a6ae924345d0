package io.meterlake.table;

import io.delta.kernel.Scan;
import io.delta.kernel.Snapshot;
import io.delta.kernel.Table;
import io.delta.kernel.data.ColumnarBatch;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.data.MapValue;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.exceptions.TableNotFoundException;
import io.delta.kernel.internal.InternalScanFileUtils;
import io.delta.kernel.internal.data.ScanStateRow;
import io.delta.kernel.types.BinaryType;
import io.delta.kernel.types.BooleanType;
import io.delta.kernel.types.DateType;
import io.delta.kernel.types.DecimalType;
import io.delta.kernel.types.IntegerType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.MapType;
import io.delta.kernel.types.StringType;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.TimestampNTZType;
import io.delta.kernel.types.TimestampType;
import io.delta.kernel.utils.CloseableIterator;
import io.delta.kernel.utils.FileStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;

/**
 * Reads of the warehouse's tables without Spark, with Delta Kernel: what the commands that only read use,
 * so that they answer in about a second instead of after a Spark start. Rows come back as Spark
 * {@link Row}s with the table's schema ({@link GenericRowWithSchema}, which needs no session), so the code
 * that turns a row into a record ({@code BillingPeriod.fromRow}, {@code Rows.entitlement}) is the same
 * for both read paths. Meant for the small tables (periods, approvals, locks, lines, entitlements): a scan
 * reads its files in one thread.
 */
public final class DeltaReads implements TableRows {
    private final Engine engine;
    private final String root;
    /** Each table's snapshot and, once read whole, its rows: one command reads a version once. */
    private final Map<String, Optional<Snapshot>> snapshots = new java.util.HashMap<>();

    private final Map<String, List<Row>> whole = new java.util.HashMap<>();

    public DeltaReads(Configuration hadoop, String root) {
        this.engine = DefaultEngine.create(hadoop);
        this.root = root;
    }

    @Override
    public String root() {
        return root;
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
     * The rows whose columns equal these values: the equalities prune the files whose statistics (or partition
     * values) exclude them, so a read stays small as history grows; the rows left are then filtered exactly.
     */
    @Override
    public List<Row> rows(String table, Map<String, ?> equalTo) {
        Optional<Snapshot> snapshot = snapshot(table);
        if (snapshot.isEmpty()) {
            return List.of();
        }
        if (equalTo.isEmpty() || whole.containsKey(table)) {
            List<Row> all = whole.computeIfAbsent(
                    table, t -> rows(snapshot.get().getScanBuilder(engine).build(), t));
            return all.stream().filter(row -> matches(row, equalTo)).toList();
        }
        io.delta.kernel.ScanBuilder scan = snapshot.get().getScanBuilder(engine);
        io.delta.kernel.expressions.Predicate filter = null;
        for (Map.Entry<String, ?> column : equalTo.entrySet()) {
            io.delta.kernel.expressions.Predicate equal = new io.delta.kernel.expressions.Predicate(
                    "=", new io.delta.kernel.expressions.Column(column.getKey()), literal(column.getValue()));
            filter = filter == null ? equal : new io.delta.kernel.expressions.And(filter, equal);
        }
        if (filter != null) {
            scan = scan.withFilter(engine, filter);
        }
        return rows(scan.build(), table, equalTo);
    }

    /** Whether a Kernel row's columns equal these values (strings, ints and longs: what the reads filter on). */
    private static boolean matches(io.delta.kernel.data.Row row, Map<String, ?> equalTo) {
        for (Map.Entry<String, ?> column : equalTo.entrySet()) {
            int i = row.getSchema().indexOf(column.getKey());
            Object value = i < 0 || row.isNullAt(i)
                    ? null
                    : value(row, i, row.getSchema().at(i));
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
            try {
                return Optional.of(Table.forPath(engine, path(t)).getLatestSnapshot(engine));
            } catch (TableNotFoundException e) {
                return Optional.empty();
            }
        });
    }

    private String path(String table) {
        return root.endsWith("/") ? root + table : root + "/" + table;
    }

    private List<Row> rows(Scan scan, String table) {
        return rows(scan, table, Map.of());
    }

    /** The rows of {@code scan} whose columns equal {@code equalTo}: compared before they are made Spark rows. */
    private List<Row> rows(Scan scan, String table, Map<String, ?> equalTo) {
        List<Row> rows = new ArrayList<>();
        io.delta.kernel.data.Row state = scan.getScanState(engine);
        try (CloseableIterator<FilteredColumnarBatch> files = scan.getScanFiles(engine)) {
            while (files.hasNext()) {
                try (CloseableIterator<io.delta.kernel.data.Row> fileRows =
                        files.next().getRows()) {
                    while (fileRows.hasNext()) {
                        read(engine, state, fileRows.next(), table, equalTo, rows);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path(table), e);
        }
        return rows;
    }

    /**
     * The greatest value of a timestamp column from the files' statistics: only the files whose maximum could
     * be the greatest (Delta keeps timestamp statistics to the millisecond) and those without statistics are
     * read, so the cost follows the newest files, not the table's history.
     */
    @Override
    public Optional<Instant> greatest(String table, String column) {
        Optional<Snapshot> snapshot = snapshot(table);
        if (snapshot.isEmpty()) {
            return Optional.empty();
        }
        Scan scan = snapshot.get().getScanBuilder(engine).build();
        List<FileStatistics> files = new ArrayList<>();
        try (CloseableIterator<FilteredColumnarBatch> batches =
                ((io.delta.kernel.internal.ScanImpl) scan).getScanFiles(engine, true)) {
            while (batches.hasNext()) {
                try (CloseableIterator<io.delta.kernel.data.Row> fileRows =
                        batches.next().getRows()) {
                    while (fileRows.hasNext()) {
                        files.add(FileStatistics.of(fileRows.next(), column));
                    }
                }
            }
            List<Row> candidates = new ArrayList<>();
            io.delta.kernel.data.Row state = scan.getScanState(engine);
            for (FileStatistics file : FileStatistics.mayHoldTheGreatest(files)) {
                read(engine, state, file.scanFile(), table, Map.of(), candidates);
            }
            return FileStatistics.greatest(candidates.stream(), column);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path(table), e);
        }
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
        Scan scan = snapshot.get().getScanBuilder(engine).build();
        io.delta.kernel.data.Row state = scan.getScanState(engine);
        long rows = 0;
        long nulls = 0;
        try (CloseableIterator<FilteredColumnarBatch> batches =
                ((io.delta.kernel.internal.ScanImpl) scan).getScanFiles(engine, true)) {
            while (batches.hasNext()) {
                try (CloseableIterator<io.delta.kernel.data.Row> fileRows =
                        batches.next().getRows()) {
                    while (fileRows.hasNext()) {
                        io.delta.kernel.data.Row file = fileRows.next();
                        Optional<Count> counted = FileStatistics.count(file, has ? column : null);
                        if (counted.isEmpty()) {
                            List<Row> read = new ArrayList<>();
                            read(engine, state, file, table, Map.of(), read);
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
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path(table), e);
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
                            rows.add(spark(row, table));
                        }
                    }
                }
            }
        }
    }

    /** A Kernel row as a Spark row of the same schema. */
    private static Row spark(io.delta.kernel.data.Row row, String table) {
        io.delta.kernel.types.StructType schema = row.getSchema();
        org.apache.spark.sql.types.StructField[] fields = new org.apache.spark.sql.types.StructField[schema.length()];
        Object[] values = new Object[schema.length()];
        for (int i = 0; i < schema.length(); i++) {
            StructField field = schema.at(i);
            fields[i] = new org.apache.spark.sql.types.StructField(
                    field.getName(), type(field, table), field.isNullable(), Metadata.empty());
            values[i] = row.isNullAt(i) ? null : value(row, i, field);
        }
        return new GenericRowWithSchema(values, new org.apache.spark.sql.types.StructType(fields));
    }

    private static Object value(io.delta.kernel.data.Row row, int i, StructField field) {
        io.delta.kernel.types.DataType type = field.getDataType();
        if (type instanceof StringType) {
            return row.getString(i);
        } else if (type instanceof IntegerType) {
            return row.getInt(i);
        } else if (type instanceof LongType) {
            return row.getLong(i);
        } else if (type instanceof BooleanType) {
            return row.getBoolean(i);
        } else if (type instanceof TimestampType) {
            return Timestamp.from(instant(row.getLong(i)));
        } else if (type instanceof TimestampNTZType) {
            return java.time.LocalDateTime.ofInstant(instant(row.getLong(i)), java.time.ZoneOffset.UTC);
        } else if (type instanceof DateType) {
            return java.sql.Date.valueOf(java.time.LocalDate.ofEpochDay(row.getInt(i)));
        } else if (type instanceof DecimalType) {
            return row.getDecimal(i);
        } else if (type instanceof BinaryType) {
            return row.getBinary(i);
        } else if (type instanceof MapType) {
            MapValue map = row.getMap(i);
            Map<String, String> entries = new LinkedHashMap<>();
            for (int e = 0; e < map.getSize(); e++) {
                entries.put(
                        map.getKeys().getString(e),
                        map.getValues().isNullAt(e) ? null : map.getValues().getString(e));
            }
            return scala.collection.JavaConverters.mapAsScalaMapConverter(entries)
                    .asScala()
                    .toMap(scala.Predef.$conforms());
        }
        throw new UnsupportedOperationException("column " + field.getName() + " of type " + type + " is not read here");
    }

    private static DataType type(StructField field, String table) {
        io.delta.kernel.types.DataType type = field.getDataType();
        if (type instanceof StringType) {
            return DataTypes.StringType;
        } else if (type instanceof IntegerType) {
            return DataTypes.IntegerType;
        } else if (type instanceof LongType) {
            return DataTypes.LongType;
        } else if (type instanceof BooleanType) {
            return DataTypes.BooleanType;
        } else if (type instanceof TimestampType) {
            return DataTypes.TimestampType;
        } else if (type instanceof TimestampNTZType) {
            return DataTypes.TimestampNTZType;
        } else if (type instanceof DateType) {
            return DataTypes.DateType;
        } else if (type instanceof DecimalType decimal) {
            return DataTypes.createDecimalType(decimal.getPrecision(), decimal.getScale());
        } else if (type instanceof BinaryType) {
            return DataTypes.BinaryType;
        } else if (type instanceof MapType) {
            return DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType);
        }
        throw new UnsupportedOperationException(
                table + "." + field.getName() + " of type " + type + " is not read without Spark");
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }
}
