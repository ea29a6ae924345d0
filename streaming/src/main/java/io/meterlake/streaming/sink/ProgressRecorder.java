package io.meterlake.streaming.sink;

import io.meterlake.config.MeterlakeConfig;
import io.meterlake.schema.ProgressRow;
import io.meterlake.schema.Tables;
import io.meterlake.table.VisibleThrough;
import io.meterlake.table.Warehouse;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StateOperatorProgress;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the provisional query's micro-batches in {@code stream_progress}: the watermark in force
 * and the rows dropped behind it (only the engine knows these, after the batch), written as an
 * idempotent append per batch. A process killed between a batch's commit and this write loses that
 * batch's progress row, never data; the next batch's row carries the watermark on.
 *
 * <p>It also prints one line per batch of either query to {@code log}, for people watching, hands every
 * report, batches and idle triggers alike, to the stream's metrics, and writes their freshness where readers
 * of the windows find it ({@link VisibleThrough}: the usage API's {@code as_of}).
 */
public final class ProgressRecorder extends StreamingQueryListener {
    private static final Logger LOG = LoggerFactory.getLogger(ProgressRecorder.class);
    private final SparkSession spark;
    private final MeterlakeConfig config;
    private final PrintWriter log;
    private final java.time.Clock clock;
    private final StreamMetrics metrics;
    /**
     * The last batch whose row this recorder wrote, per query: a later batch's row is known to be new and
     * skips Delta's check (Warehouse#appendIdempotent with what was committed in this run).
     */
    private final java.util.Map<String, Long> written = new java.util.concurrent.ConcurrentHashMap<>();
    /** The last mark written ({@link VisibleThrough}); the listener's thread only. */
    private Instant marked;

    public ProgressRecorder(
            SparkSession spark, MeterlakeConfig config, PrintWriter log, java.time.Clock clock, StreamMetrics metrics) {
        this.spark = spark;
        this.config = config;
        this.log = log;
        this.clock = clock;
        this.metrics = metrics;
    }

    @Override
    public void onQueryStarted(QueryStartedEvent event) {}

    @Override
    public void onQueryProgress(QueryProgressEvent event) {
        StreamingQueryProgress progress = event.progress();
        metrics.progress(progress);
        metrics.visibleThrough().ifPresent(this::mark);
        if (!progress.durationMs().containsKey("addBatch")) {
            return; // an idle trigger: no batch ran (no-data batches that move the watermark do run)
        }
        long late = 0;
        long updated = 0;
        for (StateOperatorProgress operator : progress.stateOperators()) {
            late += operator.numRowsDroppedByWatermark();
            updated = operator.numRowsUpdated();
        }
        String watermark = progress.eventTime().get("watermark");
        if (progress.numInputRows() > 0) {
            log.println("stream: " + progress.name() + " batch " + progress.batchId() + ": " + progress.numInputRows()
                    + " records" + (watermark == null ? "" : ", watermark " + watermark + ", " + late + " late"));
            log.flush();
        }
        if (!StreamJobNames.PROVISIONAL.equals(progress.name())) {
            return;
        }
        LOG.info(
                "provisional batch {}: {} records, {} windows updated, watermark {}, {} late, {} ms",
                progress.batchId(),
                progress.numInputRows(),
                updated,
                watermark,
                late,
                progress.batchDuration());
        Row row = ProgressRow.provisional(
                        progress.batchId(),
                        clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS),
                        time(watermark),
                        progress.numInputRows(),
                        late,
                        updated,
                        progress.batchDuration(),
                        time(progress.eventTime().get("min")),
                        time(progress.eventTime().get("max")))
                .toRow();
        String appId = StreamIds.appId(
                ProvisionalWriter.QUERY + "-progress", progress.id().toString());
        new Warehouse(spark, config.warehouse())
                .appendIdempotent(
                        spark.createDataFrame(List.of(row), Tables.PROGRESS),
                        Tables.STREAM_PROGRESS,
                        appId,
                        progress.batchId(),
                        written.getOrDefault(appId, -1L));
        written.put(appId, progress.batchId());
    }

    @Override
    public void onQueryTerminated(QueryTerminatedEvent event) {}

    /**
     * Writes the stream's mark ({@link VisibleThrough}) when it moved: after the commits that make it true, since
     * the engine reports a batch once it committed. A write that fails is tried again at the next report.
     */
    private void mark(Instant through) {
        if (marked != null && !through.isAfter(marked)) {
            return;
        }
        try {
            new Warehouse(spark, config.warehouse()).markVisibleThrough(through);
            marked = through;
        } catch (java.io.UncheckedIOException e) {
            LOG.warn(
                    "the stream's mark of how fresh the windows are was not written (next report tries again): {}",
                    e.getMessage());
        }
    }

    private static Instant time(String iso) {
        return iso == null ? null : Instant.parse(iso);
    }
}
