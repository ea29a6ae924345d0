package io.meterlake.table;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Row;

/**
 * The rows of a warehouse's small tables, whoever reads them: the jobs that write ({@link Warehouse}, each
 * read at the latest version) and the commands that only read ({@link DeltaReads}, one version per table for
 * the whole command). Both read with Delta Kernel, without a Spark query; one interface, so the code that
 * makes records of the rows (periods, approvals, locks, lines) is the same for both.
 */
public interface TableRows {
    /** The warehouse's root (for messages). */
    String root();

    boolean exists(String table);

    /** The rows of {@code table}'s latest version whose columns equal these values (every row for none). */
    List<Row> rows(String table, Map<String, ?> equalTo);

    /**
     * The greatest value of the timestamp column {@code column} in {@code table}'s latest version; empty when
     * the table does not exist or the column holds only nulls.
     */
    Optional<Instant> greatest(String table, String column);

    /**
     * The instant through which the stream's records are in {@code usage_aggregates_provisional} as this reader
     * reads that table ({@link VisibleThrough}: the mark is read before the table's version, so the rows hold it);
     * empty when no stream has written one.
     */
    Optional<Instant> visibleThrough();
}
