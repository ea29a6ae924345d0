package io.meterlake.table;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;

/** A table's Delta history, read for what {@code verify} must see: any change that was not an append. */
public final class TableHistory {
    private TableHistory() {}

    /**
     * Commits that changed {@code table} other than by appending (as far back as its log reaches): the
     * evidence tables (raw, and the decisions: periods, approvals, locks, resolutions) are append-only, so a
     * deleted, updated or overwritten row is tampering even when Delta recorded it. Creating, adding
     * columns, compaction and vacuum do not change data and pass.
     */
    public static List<String> nonAppendChanges(Warehouse warehouse, String table) {
        List<String> changes = new ArrayList<>();
        for (Row commit : io.delta.tables.DeltaTable.forPath(warehouse.spark(), warehouse.path(table))
                .history()
                .orderBy("version")
                .collectAsList()) {
            String operation = commit.getAs("operation");
            scala.collection.Map<String, String> parameters = commit.getAs("operationParameters");
            String mode = parameters.get("mode").getOrElse(() -> "");
            String properties = parameters.get("properties").getOrElse(() -> "");
            boolean append = operation.equals("WRITE") && mode.equals("Append")
                    || operation.equals("STREAMING UPDATE")
                            && parameters.get("outputMode").getOrElse(() -> "").equals("Append");
            boolean harmless = operation.equals("CREATE TABLE")
                    || operation.equals("ADD COLUMNS")
                    || operation.equals("OPTIMIZE")
                    || operation.startsWith("VACUUM")
                    || operation.equals("SET TBLPROPERTIES") && !properties.contains("delta.appendOnly");
            if (!append && !harmless) {
                changes.add(table + " is not append-only: version " + commit.<Long>getAs("version") + " is a "
                        + operation + (properties.isEmpty() ? "" : " " + properties) + " (at "
                        + commit.<java.sql.Timestamp>getAs("timestamp").toInstant() + ")");
            }
        }
        return changes;
    }
}
