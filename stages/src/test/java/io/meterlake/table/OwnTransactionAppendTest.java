package io.meterlake.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterlake.testing.SparkTestBase;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.delta.ConcurrentTransactionException;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream's progress rows after its own commits ({@link Warehouse#appendIdempotent(Dataset, String, String, long,
 * long)}): the same commit as Delta's checked idempotent append, without the check's state job.
 */
class OwnTransactionAppendTest extends SparkTestBase {
    private static final StructType SCHEMA =
            new StructType().add("id", DataTypes.LongType, false).add("name", DataTypes.StringType, true);
    private static final String TABLE = "own_appends";

    @TempDir
    Path dir;

    private Dataset<Row> rows(long id) {
        return spark().createDataFrame(List.of(RowFactory.create(id, "row " + id)), SCHEMA);
    }

    @Test
    void aVersionAfterTheWritersOwnCommitIsAppendedWithItsTransactionAndWithoutTheChecksJob() {
        Warehouse warehouse = new Warehouse(spark(), dir.toString());
        warehouse.create(TABLE, SCHEMA, true, null);
        warehouse.appendIdempotent(rows(0), TABLE, "app", 0, -1);

        int fast = jobs(() -> warehouse.appendIdempotent(rows(1), TABLE, "app", 1, 0));
        int checked = jobs(() -> warehouse.appendIdempotent(rows(2), TABLE, "app", 2, -1));

        assertThat(fast).as("jobs of the append after the writer's own commit").isLessThan(checked);
        assertThat(warehouse.read(TABLE).count()).isEqualTo(3);
        // The transaction is recorded as Delta's own append records it: Spark's and Kernel's readers see it.
        assertThat(warehouse.committedTransaction(TABLE, "app")).hasValue(2);
        assertThat(new DeltaReads(spark().sparkContext().hadoopConfiguration(), warehouse.root())
                        .committedTransaction(TABLE, "app"))
                .hasValue(2);
        Row commit = io.delta.tables.DeltaTable.forPath(spark(), warehouse.path(TABLE))
                .history()
                .where("version = 2")
                .select("operation", "isBlindAppend", "operationParameters.mode")
                .first();
        assertThat(commit.getString(0)).isEqualTo("WRITE");
        assertThat(commit.getBoolean(1)).isTrue();
        assertThat(commit.getString(2)).isEqualTo("Append");
    }

    @Test
    void aVersionNotAfterTheWritersOwnCommitIsCheckedAndAReplayWritesNothing() {
        Warehouse warehouse = new Warehouse(spark(), dir.toString());
        warehouse.create(TABLE, SCHEMA, true, null);
        warehouse.appendIdempotent(rows(0), TABLE, "app", 0, -1);
        warehouse.appendIdempotent(rows(1), TABLE, "app", 1, 0);

        warehouse.appendIdempotent(rows(1), TABLE, "app", 1, 1); // not after 1: checked, and committed
        warehouse.appendIdempotent(rows(1), TABLE, "app", 1, -1); // nothing known: checked

        assertThat(warehouse.read(TABLE).count()).isEqualTo(2);
        assertThat(warehouse.committedTransaction(TABLE, "app")).hasValue(1);
    }

    @Test
    void aTableNotYetCreatedIsAppendedTheCheckedWay() {
        Warehouse warehouse = new Warehouse(spark(), dir.toString());
        warehouse.appendIdempotent(rows(5), "created_by_append", "app", 5, 4);

        assertThat(warehouse.read("created_by_append").count()).isEqualTo(1);
        assertThat(warehouse.committedTransaction("created_by_append", "app")).hasValue(5);
    }

    @Test
    void aConcurrentCommitOfTheSameWriterFailsTheAppend() {
        Warehouse warehouse = new Warehouse(spark(), dir.toString());
        warehouse.create(TABLE, SCHEMA, true, null);
        warehouse.appendIdempotent(rows(0), TABLE, "app", 0, -1);
        String path = warehouse.path(TABLE);

        assertThatThrownBy(() -> OwnTransactionAppend.append(
                        rows(1), path, "app", 1, () -> warehouse.appendIdempotent(rows(1), TABLE, "app", 1, -1)))
                .isInstanceOf(ConcurrentTransactionException.class);
        assertThat(warehouse.read(TABLE).count()).isEqualTo(2);
        // Another writer's commit in between does not conflict.
        assertThat(OwnTransactionAppend.append(
                        rows(2), path, "app", 2, () -> warehouse.appendIdempotent(rows(9), TABLE, "other", 0, -1)))
                .isTrue();
        assertThat(warehouse.read(TABLE).count()).isEqualTo(4);
    }

    /** The Spark jobs {@code append} runs (on this thread). */
    private int jobs(Runnable append) {
        AtomicInteger started = new AtomicInteger();
        String group = "own-transaction-append-" + System.nanoTime();
        SparkListener listener = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart job) {
                if (group.equals(job.properties().getProperty("spark.jobGroup.id"))) {
                    started.incrementAndGet();
                }
            }
        };
        spark().sparkContext().addSparkListener(listener);
        spark().sparkContext().setJobGroup(group, "counted", false);
        try {
            append.run();
        } finally {
            spark().sparkContext().clearJobGroup();
            try {
                spark().sparkContext().listenerBus().waitUntilEmpty(60_000);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException(e);
            }
            spark().sparkContext().removeSparkListener(listener);
        }
        return started.get();
    }
}
