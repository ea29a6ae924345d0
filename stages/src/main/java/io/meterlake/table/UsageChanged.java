package io.meterlake.table;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What runs when the stream's provisional usage changed: after a micro-batch's windows are merged into {@code
 * usage_aggregates_provisional}, before the batch commits, so a batch replayed after a crash runs it again (it must
 * be idempotent). The batch layer's limit notifications are one ({@code LimitNotifier}); the stream knows only this.
 */
@FunctionalInterface
public interface UsageChanged extends java.io.Serializable {
    /**
     * @param windows the batch's windows (persisted), in {@code usage_aggregates_provisional}'s columns
     * @param appId   the provisional query's id, the same across restarts from its checkpoint
     * @param batchId the micro-batch
     */
    void changed(Warehouse warehouse, Dataset<Row> windows, String appId, long batchId);

    /** Nothing runs (a stream whose usage nobody is told about: the stream's own tests). */
    UsageChanged NOTHING = (warehouse, windows, appId, batchId) -> {};
}
