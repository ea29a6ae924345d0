package io.meterlake.spark;

import io.meterlake.config.MeterlakeConfig;
import io.meterlake.storage.Storage;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Builds the Spark session every Meterlake job runs in: Delta enabled, UTC session time zone
 * (event dates and periods are UTC), small shuffles. Under spark-submit the master and resources
 * come from the submission; locally from {@code spark.master} in the config.
 */
public final class SparkSessions {
    /** How many generated classes a JVM keeps ({@code spark.sql.codegen.cache.maxEntries}, a static setting). */
    static final int CODEGEN_CACHE_ENTRIES = 2000;

    private SparkSessions() {}

    /** The settings a Meterlake session must have; tests build their shared session from these too. */
    public static Map<String, String> settings(int shufflePartitions) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension");
        settings.put("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog");
        settings.put("spark.sql.session.timeZone", "UTC");
        settings.put("spark.sql.shuffle.partitions", Integer.toString(shufflePartitions));
        // Delta reads its log with this many partitions; the default (50) costs seconds on small machines.
        settings.put("spark.databricks.delta.snapshotPartitions", Integer.toString(Math.max(1, shufflePartitions)));
        settings.put("spark.sql.sources.partitionOverwriteMode", "static");
        settings.putAll(semantics());
        // Cached datasets here live for one job (a micro-batch, a reconcile); compressing their columns
        // costs more CPU than the memory it saves (reconcile's ranking: 40% faster without).
        settings.put("spark.sql.inMemoryColumnarStorage.compressed", "false");
        // VACUUM lists a table's directories with this many tasks; the default (10000) takes a minute
        // on two cores for a table of a few files.
        settings.put(
                "spark.sql.sources.parallelPartitionDiscovery.parallelism",
                Integer.toString(Math.max(1, shufflePartitions) * 4));
        // Generated classes kept per JVM (Spark's default: 100). The stream's two queries, their Delta commits and
        // MERGE need more than 100 at once, so each batch compiled most of its code again with Janino, on the
        // driver and in every task: 19-30 % of the stream's driver samples and 17 % of its tasks' (bench
        // freshness under JFR), 4-5 % with room for all. Bounded by count: some tens of MB of classes at most.
        settings.put("spark.sql.codegen.cache.maxEntries", Integer.toString(CODEGEN_CACHE_ENTRIES));
        return settings;
    }

    /** The settings that change what a query means; set on every session a job runs in. */
    private static Map<String, String> semantics() {
        Map<String, String> settings = new LinkedHashMap<>();
        // Times are proleptic Gregorian everywhere (java.time, Trino): write and read them as they are,
        // so an event of year 1 or 1582 is stored (in quarantine) instead of failing the write.
        for (String mode : new String[] {
            "datetimeRebaseModeInWrite", "datetimeRebaseModeInRead", "int96RebaseModeInWrite", "int96RebaseModeInRead"
        }) {
            settings.put("spark.sql.parquet." + mode, "CORRECTED");
        }
        // Non-ANSI arithmetic: an overflowing decimal sum is null, which the batch layer reports by
        // line (Recompute) instead of an exception without one.
        settings.put("spark.sql.ansi.enabled", "false");
        return settings;
    }

    private static final ThreadLocal<long[]> REQUESTS = ThreadLocal.withInitial(() -> new long[1]);

    /**
     * How many times this thread asked for a session: the commands that only read ask for none (tests
     * check, each on the thread that runs the command, while other test classes run commands of their own).
     */
    public static long requests() {
        return REQUESTS.get()[0];
    }

    /** A session for {@code appName}, reusing the JVM's active session when there is one. */
    public static SparkSession getOrCreate(MeterlakeConfig config, String appName) {
        REQUESTS.get()[0]++;
        scala.Option<SparkSession> existing = SparkSession.getDefaultSession();
        if (existing.isDefined()) {
            return withRuntimeSettings(existing.get(), config);
        }
        SparkSession.Builder builder = SparkSession.builder().appName(appName);
        boolean submitted = System.getProperty("spark.master") != null;
        if (!submitted) {
            builder.master(config.sparkMaster());
            if (config.sparkMaster().startsWith("local")) {
                builder.config("spark.driver.host", "127.0.0.1");
                builder.config("spark.driver.bindAddress", "127.0.0.1");
                builder.config("spark.ui.enabled", "false");
            }
        }
        settings(config.shufflePartitions()).forEach(builder::config);
        return withRuntimeSettings(builder.getOrCreate(), config);
    }

    /** The session-level settings a job relies on, set even on a session someone else created. */
    private static SparkSession withRuntimeSettings(SparkSession session, MeterlakeConfig config) {
        session.conf().set("spark.sql.session.timeZone", "UTC");
        semantics().forEach(session.conf()::set);
        session.conf().set("spark.sql.shuffle.partitions", Integer.toString(config.shufflePartitions()));
        // The driver's Hadoop configuration travels with every read and write to the executors.
        Storage.hadoopSettings(config).forEach(session.sparkContext().hadoopConfiguration()::set);
        return session;
    }
}
