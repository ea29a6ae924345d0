package io.meterlake.testing;

import com.holdenkarau.spark.testing.JavaDataFrameSuiteBase;
import com.holdenkarau.spark.testing.SharedJavaSparkContext;
import io.meterlake.spark.SparkSessions;
import java.lang.reflect.Field;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;

/**
 * One shared {@code local[2]} Spark session per test JVM, configured like a Meterlake job (Delta,
 * UTC, small shuffles), with spark-testing-base's DataFrame assertions.
 *
 * <p>spark-testing-base's Java bases use JUnit 4 lifecycle annotations that Jupiter ignores, so
 * the session is started here; it starts once and is shared by every test class in the JVM. The
 * integration tests of a module share one JVM: when a class that runs commands in process came first
 * and started Spark (one context per JVM), that context is the shared one.
 */
public abstract class SparkTestBase extends JavaDataFrameSuiteBase {
    public static final int SHUFFLE_PARTITIONS = 2;

    @BeforeEach
    protected void startSharedSession() {
        if (adoptRunningContext()) {
            sqlBeforeAllTestCases(); // what runBefore does for a context it starts: the shared session
        }
        runBefore();
    }

    /** Makes a context another part of this JVM started the suite's shared one; true if it did. */
    private static synchronized boolean adoptRunningContext() {
        if (!SparkSession.getDefaultSession().isDefined()) {
            return false;
        }
        SparkContext running = SparkSession.getDefaultSession().get().sparkContext();
        try {
            Field context = SharedJavaSparkContext.class.getDeclaredField("_sc");
            context.setAccessible(true);
            if (context.get(null) == running || running.isStopped()) {
                return false;
            }
            Field javaContext = SharedJavaSparkContext.class.getDeclaredField("_jsc");
            javaContext.setAccessible(true);
            context.set(null, running);
            javaContext.set(null, new JavaSparkContext(running));
            return true;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("spark-testing-base changed: cannot share the running SparkContext", e);
        }
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
