package io.meterlake.testing;

import com.holdenkarau.spark.testing.JavaDataFrameSuiteBase;
import io.meterlake.spark.SparkSessions;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.BeforeEach;

/**
 * One shared {@code local[2]} Spark session per test JVM, configured like a Meterlake job (Delta,
 * UTC, small shuffles), with spark-testing-base's DataFrame assertions.
 *
 * <p>spark-testing-base's Java bases use JUnit 4 lifecycle annotations that Jupiter ignores, so
 * the session is started here; it starts once and is shared by every test class in the JVM.
 */
public abstract class SparkTestBase extends JavaDataFrameSuiteBase {
    public static final int SHUFFLE_PARTITIONS = 2;

    @BeforeEach
    protected void startSharedSession() {
        runBefore();
    }

    @Override
    public SparkConf conf() {
        SparkConf conf = new SparkConf()
                .setMaster("local[2]")
                .setAppName("meterlake-tests")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.app.id", "meterlake-tests");
        SparkSessions.settings(SHUFFLE_PARTITIONS).forEach(conf::set);
        return conf;
    }

    @Override
    public boolean enableHiveSupport() {
        return false;
    }
}
