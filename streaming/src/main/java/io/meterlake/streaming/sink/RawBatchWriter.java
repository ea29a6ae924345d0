package io.meterlake.streaming.sink;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.when;

import io.meterlake.config.MeterlakeConfig;
import io.meterlake.pipeline.EventPipeline;
import io.meterlake.schema.Columns;
import io.meterlake.schema.ProgressRow;
import io.meterlake.schema.Tables;
import io.meterlake.table.ExactlyOnceWrite;
import io.meterlake.table.Warehouse;
import io.meterlake.table.WritePin;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The raw query's sink: each micro-batch of Kafka records runs through the shared stages and is
 * written exactly once to {@code quarantined_events}, then {@code raw_usage_events}, then one
 * {@code stream_progress} row.
 *
 * <p>Every write is a Delta idempotent append keyed by the query's id (persistent across restarts
 * from the same checkpoint) and the batch id. A batch the engine replays after a crash therefore
 * skips the writes that committed and completes the others; the checkpoint commits the batch only
 * after all three. Order matters only for observability: progress last means a progress row always
 * describes data that is stored.
 */
public final class RawBatchWriter implements VoidFunction2<Dataset<Row>, Long> {
    private static final Logger LOG = LoggerFactory.getLogger(RawBatchWriter.class);
    private static final long serialVersionUID = 1L;
    public static final String QUERY = Columns.RAW_QUERY;

    private final MeterlakeConfig config;
    private final Clock clock;
    /**
     * The last batch whose three writes this writer committed in this run; -1 before its first. A later batch
     * has no commit yet: its pin is the current one (ExactlyOnceWrite#pin) and its progress row skips Delta's
     * check.
     */
    private transient long committed = -1;
    /** The entitlements of {@link #entitlementsVersion}, cached between the batches that attribute with them. */
    private transient Dataset<Row> entitlements;

    private transient long entitlementsVersion = -1;

    private final transient StreamMetrics metrics;

    public RawBatchWriter(MeterlakeConfig config, Clock clock, StreamMetrics metrics) {
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
    }

    @Override
    public void call(Dataset<Row> records, Long batchId) {
        long started = clock.millis();
        SparkSession spark = records.sparkSession();
        Warehouse warehouse = new Warehouse(spark, config.warehouse());
        String appId = StreamIds.appId(spark, QUERY);
        EventPipeline pipeline = new EventPipeline(config.catalog(), config.maxClockSkew(), config.maxEventAge());
        // A replayed batch attributes with the entitlements its first attempt used; its records carry
        // their own ingest times (the broker's LogAppendTime), fixed per record.
        // Within a run the pin and the entitlements are kept in memory: only the first batch after a start reads
        // the pin back from the logs, and the entitlements are read again only when their version moves.
        WritePin pin = new ExactlyOnceWrite(warehouse, Warehouse.RAW_WRITER_WAIT).pin(appId, batchId, null, committed);
        Dataset<Row> processed = pipeline.process(records, entitlements(warehouse, pin.entitlementsVersion()))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            new ExactlyOnceWrite(warehouse, Warehouse.RAW_WRITER_WAIT).write(processed, appId, batchId, pin);
            spark.sparkContext().setJobDescription("counting for " + Tables.STREAM_PROGRESS);
            Row counts = processed
                    .agg(
                            count(lit(1)),
                            count(when(col(Columns.REASON).isNull(), lit(1))),
                            count(when(col(Columns.REASON).isNotNull(), lit(1))),
                            min(when(col(Columns.REASON).isNull(), col(Columns.EVENT_TIME))),
                            max(when(col(Columns.REASON).isNull(), col(Columns.EVENT_TIME))))
                    .first();
            Row progress = ProgressRow.raw(
                            batchId,
                            clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS),
                            counts.getLong(0),
                            counts.getLong(1),
                            counts.getLong(2),
                            clock.millis() - started,
                            instant(counts.getTimestamp(3)),
                            instant(counts.getTimestamp(4)))
                    .toRow();
            spark.sparkContext().setJobDescription("writing " + Tables.STREAM_PROGRESS);
            warehouse.appendIdempotent(
                    spark.createDataFrame(List.of(progress), Tables.PROGRESS),
                    Tables.STREAM_PROGRESS,
                    appId,
                    batchId,
                    committed);
            committed = batchId;
            metrics.written(counts.getLong(1), counts.getLong(2));
            LOG.info(
                    "raw batch {}: {} records, {} accepted, {} quarantined, entitlements v{}, {} ms",
                    batchId,
                    counts.getLong(0),
                    counts.getLong(1),
                    counts.getLong(2),
                    pin.entitlementsVersion(),
                    clock.millis() - started);
        } finally {
            spark.sparkContext().setJobDescription(null);
            processed.unpersist();
        }
    }

    private Dataset<Row> entitlements(Warehouse warehouse, long version) {
        if (entitlements == null || entitlementsVersion != version) {
            close();
            entitlements = warehouse.readAsOf(Tables.ENTITLEMENTS, version).persist(StorageLevel.MEMORY_AND_DISK());
            entitlementsVersion = version;
        }
        return entitlements;
    }

    /** Drops the cached entitlements (when the query has stopped). */
    public void close() {
        if (entitlements != null) {
            entitlements.unpersist();
            entitlements = null;
        }
    }

    private static java.time.Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
