package io.meterlake.cli;

import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.streaming.source.EventProducer;
import io.meterlake.stack.TestBroker;
import io.meterlake.streaming.StreamJob;
import io.meterlake.table.Warehouse;
import io.meterlake.testing.SparkTestBase;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.meterlake.testing.Fixtures.entitlement;
import static io.meterlake.testing.Fixtures.entitlements;
import static io.meterlake.testing.UsageEvents.event;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Events behind the watermark are never lost: they land in raw, are counted as late in
 * {@code stream_progress}, and only the provisional aggregates leave them out.
 */
class StreamLateDataIT extends SparkTestBase {
    private static final String TOPIC = "usage-events";

    @TempDir
    static Path dir;

    private static TestBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = TestBroker.start(dir.resolve("stack"), TOPIC, 1);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void countsEventsBehindTheWatermarkAndKeepsThemInRaw() throws Exception {
        MeterlakeConfig config = ConfigLoader.load(Optional.empty(), List.of(), Map.of(
                "warehouse", dir.resolve("warehouse").toString(),
                "kafka.bootstrap-servers", broker.bootstrapServers(),
                "stream.watermark-delay", "PT1H"));
        Warehouse warehouse = new Warehouse(spark(), config.warehouse());
        warehouse.replaceEntitlements(entitlements(spark(), entitlement("ent-1", "sub-1", "acct-1", "acme", "app-1",
                "standard", "2020-01-01T00:00:00Z", null)));
        Instant onTime = Instant.now().minus(Duration.ofDays(2)).truncatedTo(ChronoUnit.HOURS);
        try (ContinuousStream stream = ContinuousStream.start(spark(), config)) {
            // Watermark: newest event time (onTime + 30 min) minus 1 h, once a batch has seen them.
            send(10, "on-time", onTime, "1");
            stream.await(() -> watermark(warehouse).isAfter(onTime.minus(Duration.ofHours(1))));

            // A second stream on the same warehouse is refused at start, naming the running one.
            StreamJob second = new StreamJob(spark(), config, Clock.systemUTC(), new PrintWriter(new StringWriter()));
            org.assertj.core.api.Assertions.assertThatThrownBy(second::runAvailableNow)
                    .isInstanceOf(io.meterlake.error.MeterlakeException.class)
                    .hasMessageStartingWith("another stream (host ")
                    .hasMessageContaining("pid " + ProcessHandle.current().pid())
                    .hasMessageContaining("holds this warehouse's stream lease");

            // Three hours behind the newest event: behind the watermark.
            send(4, "late", onTime.minus(Duration.ofHours(3)), "100");
            stream.await(() -> lateDropped(warehouse) >= 4);
        }

        assertThat(lateDropped(warehouse)).isEqualTo(4);
        assertThat(warehouse.read(Tables.RAW_USAGE_EVENTS).count()).isEqualTo(14);
        assertThat(warehouse.read(Tables.RAW_USAGE_EVENTS).where(col(Columns.EVENT_ID).startsWith("late")).count())
                .isEqualTo(4);
        Row provisional = warehouse.read(Tables.USAGE_AGGREGATES_PROVISIONAL)
                .agg(sum(col(Columns.QUANTITY)), sum(col(Columns.EVENT_COUNT))).first();
        assertThat(provisional.getDecimal(0)).isEqualByComparingTo(new BigDecimal("10"));
        assertThat(provisional.getLong(1)).isEqualTo(10);
    }

    private static void send(int count, String prefix, Instant around, String quantity) {
        try (EventProducer producer = EventProducer.open(broker.bootstrapServers(), TOPIC)) {
            for (int i = 0; i < count; i++) {
                producer.send(event().id(prefix + "-" + i).quantity(quantity)
                        .at(around.plus(Duration.ofMinutes(3L * i)).toString()).json());
            }
            producer.flush();
        }
    }

    private static Instant watermark(Warehouse warehouse) {
        if (!warehouse.exists(Tables.STREAM_PROGRESS)) {
            return Instant.EPOCH;
        }
        Row row = warehouse.read(Tables.STREAM_PROGRESS).agg(org.apache.spark.sql.functions.max(Columns.WATERMARK))
                .first();
        return row.isNullAt(0) ? Instant.EPOCH : row.getTimestamp(0).toInstant();
    }

    private static long lateDropped(Warehouse warehouse) {
        Row row = warehouse.read(Tables.STREAM_PROGRESS).agg(sum(col(Columns.LATE_DROPPED))).first();
        return row.isNullAt(0) ? 0 : row.getLong(0);
    }
}
