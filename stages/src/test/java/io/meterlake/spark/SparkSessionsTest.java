package io.meterlake.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.testing.SparkTestBase;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.internal.StaticSQLConf;
import org.junit.jupiter.api.Test;

/** The settings every Meterlake session is built with are the ones in force. */
class SparkSessionsTest extends SparkTestBase {
    /**
     * Room for the generated classes of a job's many plans: with Spark's 100 the stream recompiled most of its code
     * every batch (a static setting: only a session built with it has it).
     */
    @Test
    void aSessionKeepsItsGeneratedClasses() {
        spark();
        assertThat((Integer) SQLConf.get().getConf(StaticSQLConf.CODEGEN_CACHE_MAX_ENTRIES()))
                .isEqualTo(SparkSessions.CODEGEN_CACHE_ENTRIES)
                .isGreaterThan(100);
    }
}
