package io.meterlake.streaming;

import static org.apache.spark.sql.functions.col;

import io.meterlake.config.MeterlakeConfig;
import io.meterlake.pipeline.IngestOrder;
import io.meterlake.pipeline.UsageAggregation;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.schema.UsageWindow;
import io.meterlake.streaming.sink.ProgressRecorder;
import io.meterlake.streaming.sink.ProvisionalWriter;
import io.meterlake.streaming.sink.RawBatchWriter;
import io.meterlake.streaming.sink.StreamJobNames;
import io.meterlake.streaming.sink.StreamMetrics;
import io.meterlake.streaming.source.KafkaSource;
import io.meterlake.table.Lease;
import io.meterlake.table.Warehouse;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.Trigger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The speed layer: two streaming queries over one warehouse.
 *
 * <ol>
 *   <li><b>raw</b> ({@value StreamJobNames#RAW}): Kafka → the shared stages → every record exactly once in
 *       {@code raw_usage_events} or {@code quarantined_events} ({@link RawBatchWriter}).</li>
 *   <li><b>provisional</b> ({@value StreamJobNames#PROVISIONAL}): {@code raw_usage_events} as a Delta
 *       stream → {@code withWatermark(event_time)} → {@code dropDuplicatesWithinWatermark(source,
 *       event_id)} → tumbling windows per (subscription, entitlement, metric) aggregated per the catalog
 *       → MERGE into {@code usage_aggregates_provisional} ({@link ProvisionalWriter}). Events behind the
 *       watermark are dropped here only: they are in raw, counted in {@code stream_progress}, and the
 *       nightly recompute includes them.</li>
 * </ol>
 *
 * <p>Reading raw rather than Kafka a second time keeps one parse per record and makes the provisional
 * numbers a pure function of the immutable log, like the authoritative ones. State lives in the RocksDB
 * state store; checkpoints under {@link MeterlakeConfig#checkpointRoot()}.
 */
public final class StreamJob {
    private static final Logger LOG = LoggerFactory.getLogger(StreamJob.class);
    /** How often the provisional query looks for new raw commits when running continuously. */
    public static final Duration FOLLOW = Duration.ofSeconds(1);

    private static final String ROCKSDB = "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider";

    private final SparkSession spark;
    private final MeterlakeConfig config;
    private final Clock clock;
    private final Warehouse warehouse;
    private final PrintWriter log;
    private final RecordSource source;
    private final io.meterlake.table.UsageChanged changed;
    /** The raw query's sink, while it runs: it keeps the entitlements it attributes with cached. */
    private RawBatchWriter rawWriter;

    private final StreamMetrics metrics;

    /**
     * Where the raw query reads its records: a streaming Dataset in the pipeline's input shape
     * ({@link io.meterlake.schema.Tables#RECORD}). Production reads the Kafka topic ({@link KafkaSource});
     * the stream's own tests read files, so they need no broker.
     */
    @FunctionalInterface
    public interface RecordSource {
        Dataset<Row> records(SparkSession spark);
    }

    /**
     * The stream of the configured Kafka topic; {@code log} receives one line per micro-batch; {@code changed} runs
     * after each provisional batch (limit notifications).
     */
    public StreamJob(
            SparkSession spark,
            MeterlakeConfig config,
            Clock clock,
            PrintWriter log,
            io.meterlake.table.UsageChanged changed) {
        this(
                spark,
                config,
                clock,
                log,
                session -> KafkaSource.records(
                        session, config.kafka(), config.stream().maxOffsetsPerTrigger()),
                changed);
    }

    /** The stream of {@code source}; {@code log} receives one line per micro-batch. */
    public StreamJob(
            SparkSession spark,
            MeterlakeConfig config,
            Clock clock,
            PrintWriter log,
            RecordSource source,
            io.meterlake.table.UsageChanged changed) {
        this.spark = spark;
        this.config = config;
        this.clock = clock;
        this.log = log;
        this.source = source;
        this.changed = changed;
        this.warehouse = new Warehouse(spark, config.warehouse());
        this.metrics = new StreamMetrics(clock);
    }

    /** What the stream's batches did, and how fresh its windows are: for {@code GET /metrics}. */
    public StreamMetrics metrics() {
        return metrics;
    }

    /** Processes everything available now (both queries, in order), then returns. */
    public void runAvailableNow() throws StreamingQueryException, TimeoutException {
        try (Lease lease = singleWriter()) {
            ProgressRecorder recorder = prepare();
            List<StreamingQuery> started = new ArrayList<>();
            try {
                started.add(startRaw(Trigger.AvailableNow()));
                started.get(0).awaitTermination();
                started.add(startProvisional(Trigger.AvailableNow()));
                started.get(1).awaitTermination();
            } finally {
                stopRecording(recorder, started.toArray(StreamingQuery[]::new));
            }
        }
    }

    /**
     * One stream per warehouse: a second one would race the first for every commit and crash one of
     * them (Delta's ConcurrentTransactionException). It is refused at start instead, naming the first.
     */
    private Lease singleWriter() {
        Lease lease = warehouse.lease("stream", "stream", clock).keepRenewed();
        LOG.info(
                "stream started on {}: topic {} ({} partitions) at {}",
                config.warehouse(),
                config.kafka().topic(),
                config.kafka().partitions(),
                config.kafka().bootstrapServers());
        return lease;
    }

    /**
     * Runs until one query stops or fails: raw starts a micro-batch every {@code trigger}; provisional
     * checks raw for new commits every {@link #FOLLOW} (or every {@code trigger}, if shorter), so a raw
     * batch reaches the provisional aggregates right after it commits rather than one trigger later.
     */
    public void runContinuously(Duration trigger) throws StreamingQueryException, TimeoutException {
        try (Lease lease = singleWriter()) {
            follow(trigger);
        }
    }

    private void follow(Duration trigger) throws StreamingQueryException, TimeoutException {
        ProgressRecorder recorder = prepare();
        // awaitAnyTermination returns at once if any query of this session ended before: forget those.
        spark.streams().resetTerminated();
        StreamingQuery raw = startRaw(Trigger.ProcessingTime(trigger.toMillis()));
        StreamingQuery provisional =
                startProvisional(Trigger.ProcessingTime(Math.min(trigger.toMillis(), FOLLOW.toMillis())));
        try {
            // Returns when either query stops; rethrows the failure of a query that failed.
            spark.streams().awaitAnyTermination();
        } finally {
            raw.stop();
            provisional.stop();
            stopRecording(recorder, raw, provisional);
        }
    }

    /**
     * Removes the recorder once it has handled every progress event already posted. Listeners run
     * on their own thread: removing it right away would drop the last batches' rows, among them the
     * batch that moved the watermark, which publish waits for.
     */
    private void stopRecording(ProgressRecorder recorder, StreamingQuery... stopped) {
        try {
            spark.sparkContext()
                    .listenerBus()
                    .waitUntilEmpty(Duration.ofMinutes(2).toMillis());
        } catch (TimeoutException e) {
            log.println("stream: the last batches' stream_progress rows may be missing: recording them took over"
                    + " 2 minutes");
            log.flush();
        }
        spark.streams().removeListener(recorder);
        // The queries' RocksDB state stores stay open in this JVM after the queries end, and RocksDB's native
        // threads can abort the JVM as it exits ("pthread lock: Invalid argument", exit 134): close them now,
        // once no task of the stopped queries holds one (StoppedQueries).
        StoppedQueries.awaitTasks(spark, Duration.ofMinutes(2), stopped);
        if (rawWriter != null) {
            rawWriter.close();
        }
        org.apache.spark.sql.execution.streaming.state.StateStore$.MODULE$.stop();
        LOG.info("stream stopped on {}", config.warehouse());
    }

    private ProgressRecorder prepare() {
        warehouse.ensureStreamTables();
        spark.conf().set("spark.sql.streaming.stateStore.providerClass", ROCKSDB);
        // Each batch checkpoints the state's changes instead of a RocksDB snapshot (snapshots follow in the
        // background): the stateful part of a provisional batch at 4,000 events/s went from 6.2 s to 5.0 s.
        spark.conf().set("spark.sql.streaming.stateStore.rocksdb.changelogCheckpointing.enabled", "true");
        ProgressRecorder recorder = new ProgressRecorder(spark, config, log, clock, metrics);
        spark.streams().addListener(recorder);
        return recorder;
    }

    StreamingQuery startRaw(Trigger trigger) throws TimeoutException {
        rawWriter = new RawBatchWriter(config, clock, metrics);
        return source.records(spark)
                .writeStream()
                .queryName(StreamJobNames.RAW)
                .option("checkpointLocation", config.checkpointRoot() + "/raw")
                .trigger(trigger)
                .foreachBatch(rawWriter)
                .start();
    }

    StreamingQuery startProvisional(Trigger trigger) throws TimeoutException {
        // Corrections (void, amend) are not aggregated here: the stream keeps no state of past events to
        // apply them to; the nightly recompute applies them, and reconcile marks their windows CORRECTED.
        UsageAggregation aggregation = new UsageAggregation(config.catalog());
        Dataset<Row> accepted = spark.readStream()
                .format("delta")
                .load(warehouse.path(Tables.RAW_USAGE_EVENTS))
                .where(col(Columns.ACTION).isNull())
                .select(
                        col(Columns.SOURCE),
                        col(Columns.EVENT_ID),
                        col(Columns.EVENT_TIME),
                        col(Columns.SUBSCRIPTION_ID),
                        col(Columns.ENTITLEMENT_ID),
                        col(Columns.BILLING_ACCOUNT_ID),
                        col(Columns.METRIC),
                        col(Columns.UNIT),
                        // A time-weighted sample's share of its window: the provisional form (TimeWeightedAggregation).
                        aggregation
                                .provisionalQuantity(config.stream().window())
                                .as(Columns.QUANTITY),
                        IngestOrder.key().as(Columns.INGEST_ORDER),
                        aggregation.distinctValue(col(Columns.ATTRIBUTES)).as(Columns.DISTINCT_VALUE));
        Dataset<Row> windows = aggregation.aggregate(accepted.withWatermark(
                        Columns.EVENT_TIME, seconds(config.stream().watermarkDelay()))
                .dropDuplicatesWithinWatermark(Columns.SOURCE, Columns.EVENT_ID)
                .groupBy(UsageWindow.grouping(config.stream().window())));
        return windows.writeStream()
                .queryName(StreamJobNames.PROVISIONAL)
                .outputMode("update")
                .option("checkpointLocation", config.checkpointRoot() + "/provisional")
                .trigger(trigger)
                .foreachBatch(new ProvisionalWriter(config, changed))
                .start();
    }

    private static String seconds(Duration duration) {
        return duration.toSeconds() + " seconds";
    }
}
