package io.meterlake.batch.ingest;

import static org.apache.spark.sql.functions.col;

import io.meterlake.batch.BatchErrors;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.pipeline.EventPipeline;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.table.ExactlyOnceWrite;
import io.meterlake.table.Warehouse;
import io.meterlake.table.WarehouseErrors;
import io.meterlake.table.WritePin;
import io.meterlake.validation.JsonLines;
import java.io.IOException;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backfill: ingests a JSONL file of contract events through the same stages as the stream into
 * {@code raw_usage_events} and {@code quarantined_events}.
 *
 * <p>Lines are cut as {@link JsonLines} says (LF only) and handed to the stages as bytes. Every line
 * ends in exactly one of the two tables, carrying its file name, the file's SHA-256
 * and its line number. A file is identified by its content: both appends are idempotent Delta
 * writes keyed by the file's hash ({@code txnAppId = meterlake-ingest-<sha256>}), so ingesting the
 * same bytes again, under any name, writes nothing, and a run that died between the two appends
 * completes the missing one when repeated. A file with changed content is a new file; duplicates
 * it repeats are removed by the (source, event_id) deduplication of the aggregates, not here.
 *
 * <p>The ingest time recorded on each row, which the clock-skew and age rules measure against,
 * comes from the injected clock, once per file: a repeat after a crash reuses the time (and the
 * entitlements version) the first attempt recorded ({@link WritePin}).
 */
public final class FileIngestJob {
    private static final Logger LOG = LoggerFactory.getLogger(FileIngestJob.class);
    private static final String APP_ID_PREFIX = "meterlake-ingest-";
    private static final long TXN_VERSION = 0L;

    private final SparkSession spark;
    private final MeterlakeConfig config;
    private final Clock clock;
    private final Warehouse warehouse;
    private final Runnable betweenCommits;
    private final java.time.Duration rawWriterWait;

    public FileIngestJob(SparkSession spark, MeterlakeConfig config, Clock clock) {
        this(spark, config, clock, () -> {}, Warehouse.RAW_WRITER_WAIT);
    }

    /**
     * {@code betweenCommits} runs after the quarantine commit, before the raw one: crash tests; {@code
     * rawWriterWait}: how long to wait for another writer of raw (the stream's batch) to commit.
     */
    FileIngestJob(
            SparkSession spark,
            MeterlakeConfig config,
            Clock clock,
            Runnable betweenCommits,
            java.time.Duration rawWriterWait) {
        this.spark = spark;
        this.config = config;
        this.clock = clock;
        this.warehouse = new Warehouse(spark, config.warehouse());
        this.betweenCommits = betweenCommits;
        this.rawWriterWait = rawWriterWait;
    }

    /** Ingests one file (a local path or a Hadoop URI such as s3a://…). */
    public IngestReport ingest(String file) {
        Path path = qualified(file);
        String sha256 = sha256(path);
        if (!warehouse.exists(Tables.ENTITLEMENTS)) {
            throw WarehouseErrors.noEntitlements(config.warehouse(), "the file's records");
        }
        warehouse.ensureIngestTables();
        String appId = APP_ID_PREFIX + sha256;
        // Raw's commit is a write's last (quarantine's comes first, and only when something was rejected).
        boolean done =
                warehouse.committedTransaction(Tables.RAW_USAGE_EVENTS, appId).isPresent();
        if (!done) {
            write(path, sha256, appId);
        }
        return report(path.getName(), sha256, done);
    }

    private void write(Path path, String sha256, String appId) {
        // One entitlements version and one ingest time for the whole file, the same on a repeat after
        // a crash: the rules that compare event and ingest time then decide every line as before.
        WritePin pin = new ExactlyOnceWrite(warehouse, rawWriterWait).pin(appId, TXN_VERSION, Instant.now(clock));
        Timestamp ingestedAt = Timestamp.from(pin.ingestedAt());
        String name = path.getName();
        JavaRDD<Row> lines = records(spark, path, hadoopConf())
                .map(line -> RowFactory.create(
                        line._1(), "file", name, sha256, line._2() + 1, null, null, null, ingestedAt));
        Dataset<Row> records = spark.createDataFrame(lines, Tables.RECORD);
        EventPipeline pipeline = new EventPipeline(config.catalog(), config.maxClockSkew(), config.maxEventAge());
        Dataset<Row> processed = pipeline.process(
                        records, warehouse.readAsOf(Tables.ENTITLEMENTS, pin.entitlementsVersion()))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            new ExactlyOnceWrite(warehouse, rawWriterWait).write(processed, appId, TXN_VERSION, pin, betweenCommits);
        } finally {
            processed.unpersist();
        }
    }

    /**
     * The file's records as {@link JsonLines} defines them, each with its index (0, 1, …): read with
     * Hadoop's line reader, so a large file is read in parallel splits.
     */
    static org.apache.spark.api.java.JavaPairRDD<byte[], Long> records(
            SparkSession spark, Path path, Configuration hadoop) {
        Configuration lineConf = new Configuration(hadoop);
        lineConf.set("textinputformat.record.delimiter", JsonLines.DELIMITER);
        return JavaSparkContext.fromSparkContext(spark.sparkContext())
                .newAPIHadoopFile(path.toString(), TextInputFormat.class, LongWritable.class, Text.class, lineConf)
                .map(line -> JsonLines.record(line._2().getBytes(), line._2().getLength()))
                .zipWithIndex();
    }

    private IngestReport report(String name, String sha256, boolean alreadyIngested) {
        // As the file's ingest left it: records a quarantine replay accepted later stay counted as quarantined.
        long accepted = warehouse
                .read(Tables.RAW_USAGE_EVENTS)
                .where(col(Columns.FILE_SHA256)
                        .equalTo(sha256)
                        .and(col(Columns.REPLAYED_FROM).isNull()))
                .count();
        List<Row> reasons = warehouse
                .read(Tables.QUARANTINED_EVENTS)
                .where(col(Columns.FILE_SHA256).equalTo(sha256))
                .groupBy(col(Columns.REASON))
                .agg(
                        org.apache.spark.sql.functions.count(org.apache.spark.sql.functions.lit(1)),
                        org.apache.spark.sql.functions.min(Columns.DETAIL))
                .collectAsList();
        SortedMap<String, Long> quarantined = new TreeMap<>();
        SortedMap<String, String> examples = new TreeMap<>();
        for (Row row : reasons) {
            quarantined.put(row.getString(0), row.getLong(1));
            if (!row.isNullAt(2)) {
                examples.put(row.getString(0), row.getString(2));
            }
        }
        long total = accepted
                + quarantined.values().stream().mapToLong(Long::longValue).sum();
        LOG.info(
                "ingested {} (sha256 {}){}: {} records, {} accepted, {} quarantined",
                name,
                sha256,
                alreadyIngested ? " again, nothing added" : "",
                total,
                accepted,
                total - accepted);
        return new IngestReport(name, sha256, alreadyIngested, total, accepted, quarantined, examples);
    }

    private Path qualified(String file) {
        try {
            URI uri = file.contains("://")
                    ? new URI(file)
                    : new java.io.File(file).getAbsoluteFile().toURI();
            Path path = new Path(uri);
            FileSystem fs = path.getFileSystem(hadoopConf());
            FileStatus status = fs.exists(path) ? fs.getFileStatus(path) : null;
            if (status == null || !status.isFile()) {
                throw BatchErrors.inputMissing(file);
            }
            return fs.makeQualified(path);
        } catch (java.net.URISyntaxException | IOException e) {
            throw BatchErrors.inputUnopenable(file, e);
        }
    }

    private String sha256(Path path) {
        try (FSDataInputStream in = path.getFileSystem(hadoopConf()).open(path)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                digest.update(buffer, 0, read);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw BatchErrors.inputUnreadable(path, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Configuration hadoopConf() {
        return spark.sparkContext().hadoopConfiguration();
    }
}
