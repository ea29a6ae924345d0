package io.meterlake.table;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Row;

/**
 * Another reader's tables, but one of them answered from rows already in hand (read by a narrower query than
 * {@link TableRows} can ask, such as one period's windows): the code that makes records of the rows reads them
 * as it reads any table, and only what was loaded is seen of that one.
 */
public final class PreloadedRows implements TableRows {
    private final TableRows tables;
    private final String table;
    private final List<Row> rows;

    public PreloadedRows(TableRows tables, String table, List<Row> rows) {
        this.tables = tables;
        this.table = table;
        this.rows = List.copyOf(rows);
    }

    @Override
    public String root() {
        return tables.root();
    }

    @Override
    public boolean exists(String name) {
        return name.equals(table) || tables.exists(name);
    }

    @Override
    public List<Row> rows(String name, Map<String, ?> equalTo) {
        return name.equals(table)
                ? rows.stream().filter(row -> DeltaReads.matches(row, equalTo)).toList()
                : tables.rows(name, equalTo);
    }

    @Override
    public Optional<Instant> greatest(String name, String column) {
        return name.equals(table) ? FileStatistics.greatest(rows.stream(), column) : tables.greatest(name, column);
    }

    /**
     * The other reader's mark. It holds for the rows in hand when no provisional commit can come between their
     * read and this one: a stream batch's windows, read after its own merge (the next commit is the next batch's).
     */
    @Override
    public Optional<Instant> visibleThrough() {
        return tables.visibleThrough();
    }
}
