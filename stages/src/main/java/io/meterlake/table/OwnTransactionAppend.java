package io.meterlake.table;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.DeltaOperations;
import org.apache.spark.sql.delta.OptimisticTransaction;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.SetTransaction;
import org.apache.spark.sql.types.DataType;
import scala.Option;
import scala.collection.JavaConverters;

/**
 * An idempotent append by a writer that knows its transaction identifier's last version without asking
 * the table: it committed that appId's last version itself, earlier in this process, and it is the only writer
 * of that appId (the stream's progress rows under its lease, between the batches of one run). The commit is the one
 * Delta's {@code txnAppId}/{@code txnVersion} append makes (the files, a {@code SetTransaction} of (appId,
 * version), the same operation), but the check before it is skipped: Delta 3.3
 * answers that check from the snapshot's full state, one state-reconstruction job per commit of a table
 * with a new version (about a second on the stream's tables), while here the answer is known. The
 * appId is still declared read, so a concurrent commit of the same appId fails this one, as Delta's own
 * check would make it.
 */
final class OwnTransactionAppend {
    private OwnTransactionAppend() {}

    /**
     * Appends {@code rows} to the Delta table at {@code path} as (appId, version), given that appId's last
     * committed version is known to be below {@code version}. Returns false, writing nothing, when that
     * shortcut does not apply (no table yet, or rows whose schema is not the table's): the caller then
     * appends the checked way.
     */
    static boolean append(Dataset<Row> rows, String path, String appId, long version) {
        return append(rows, path, appId, version, () -> {});
    }

    /** As {@link #append(Dataset, String, String, long)}; {@code beforeCommit} runs before the commit (tests). */
    static boolean append(Dataset<Row> rows, String path, String appId, long version, Runnable beforeCommit) {
        DeltaLog log = DeltaLog.forTable(rows.sparkSession(), path);
        OptimisticTransaction txn = log.startTransaction();
        if (txn.readVersion() < 0
                || !DataType.equalsIgnoreNullability(
                        rows.schema(), txn.metadata().schema())) {
            return false;
        }
        txn.readTxn().$plus$eq(appId);
        List<Action> actions = new ArrayList<>(JavaConverters.seqAsJavaList(txn.writeFiles(rows)));
        actions.add(new SetTransaction(
                appId, version, Option.<Object>apply(log.clock().getTimeMillis())));
        beforeCommit.run();
        txn.commit(
                JavaConverters.asScalaBuffer(actions).toSeq(),
                new DeltaOperations.Write(SaveMode.Append, Option.empty(), Option.empty(), Option.empty()));
        return true;
    }
}
