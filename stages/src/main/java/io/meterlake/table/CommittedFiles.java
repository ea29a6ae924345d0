package io.meterlake.table;

import io.delta.kernel.Snapshot;
import io.delta.kernel.Table;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.internal.InternalScanFileUtils;
import io.delta.kernel.utils.CloseableIterator;
import io.meterlake.schema.Columns;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.delta.DeltaLog;
import scala.Option;

/**
 * The data files a version of a Delta table committed, as its log records them (path as written there, size,
 * partition values): read with Delta Kernel, in milliseconds, instead of a Spark job over the log. When Kernel
 * cannot read the version (a commit gone, a version vacuumed below), Spark's reading of the log is asked, so
 * the failure is the one {@link DeltaFailures} names.
 *
 * @param path            the file's path as the log records it (relative to the table, URL-encoded)
 * @param size            its size in bytes when committed
 * @param partitionValues its partition values as text
 */
record CommittedFiles(String path, long size, Map<String, String> partitionValues) {

    /** The files of {@code version}, only those of the {@code event_date} partitions {@code dates} when given. */
    static List<CommittedFiles> at(Warehouse warehouse, String table, long version, Optional<LocalDate[]> dates) {
        List<CommittedFiles> files;
        try {
            files = kernel(warehouse.spark().sessionState().newHadoopConf(), warehouse.path(table), version);
        } catch (RuntimeException e) {
            files = spark(warehouse, table, version);
        }
        if (dates.isEmpty()) {
            return files;
        }
        // ISO dates compare as text; partition values are stored as text.
        String first = dates.get()[0].toString();
        String last = dates.get()[1].toString();
        return files.stream()
                .filter(file -> {
                    String date = file.partitionValues().get(Columns.EVENT_DATE);
                    return date != null && date.compareTo(first) >= 0 && date.compareTo(last) <= 0;
                })
                .toList();
    }

    private static List<CommittedFiles> kernel(Configuration hadoop, String path, long version) {
        Engine engine = DefaultEngine.create(hadoop);
        Snapshot snapshot = Table.forPath(engine, path).getSnapshotAsOfVersion(engine, version);
        List<CommittedFiles> files = new ArrayList<>();
        try (CloseableIterator<FilteredColumnarBatch> batches =
                snapshot.getScanBuilder(engine).build().getScanFiles(engine)) {
            while (batches.hasNext()) {
                try (CloseableIterator<io.delta.kernel.data.Row> rows =
                        batches.next().getRows()) {
                    while (rows.hasNext()) {
                        io.delta.kernel.data.Row scanFile = rows.next();
                        io.delta.kernel.data.Row add = scanFile.getStruct(InternalScanFileUtils.ADD_FILE_ORDINAL);
                        files.add(new CommittedFiles(
                                add.getString(add.getSchema().indexOf("path")),
                                add.getLong(add.getSchema().indexOf("size")),
                                InternalScanFileUtils.getPartitionValues(scanFile)));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    private static List<CommittedFiles> spark(Warehouse warehouse, String table, long version) {
        org.apache.spark.sql.delta.Snapshot snapshot = DeltaLog.forTable(warehouse.spark(), warehouse.path(table))
                .getSnapshotAt(version, Option.empty(), Option.empty());
        return snapshot.allFiles().toDF().select("path", "size", "partitionValues").collectAsList().stream()
                .map(row -> new CommittedFiles(
                        row.getString(0),
                        row.getLong(1),
                        scala.collection.JavaConverters.mapAsJavaMap(
                                row.<scala.collection.Map<String, String>>getAs(2))))
                .toList();
    }
}
