package io.meterlake.batch.limits;

import static io.meterlake.testing.Fixtures.entitlement;
import static io.meterlake.testing.Fixtures.entitlements;
import static io.meterlake.testing.Fixtures.fileRecords;
import static io.meterlake.testing.UsageEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.batch.publish.PublishJob;
import io.meterlake.batch.publish.PublishMode;
import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.limits.Limit;
import io.meterlake.limits.Notification;
import io.meterlake.limits.Threshold;
import io.meterlake.period.Period;
import io.meterlake.pipeline.EventPipeline;
import io.meterlake.schema.Rows;
import io.meterlake.schema.Tables;
import io.meterlake.signing.Signing;
import io.meterlake.table.Warehouse;
import io.meterlake.testing.SparkTestBase;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Limit notifications decided where the numbers change, on real Delta tables: after provisional batches (a replayed
 * batch decides nothing new, a distinct count over two windows decides nothing) and after publishes (the
 * published distinct count and time-weighted level decide, a void brings a line below its threshold: resolved).
 */
class LimitNotifierTest extends SparkTestBase {
    private static final Period OCTOBER = Period.parse("2026-10");
    private static final Clock DURING = Clock.fixed(Instant.parse("2026-10-15T12:00:00Z"), ZoneOffset.UTC);
    private static final Clock AFTER = Clock.fixed(Instant.parse("2026-11-20T00:00:00Z"), ZoneOffset.UTC);
    private static final Instant FROM = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;

    private MeterlakeConfig config;
    private Warehouse warehouse;
    private Dataset<Row> entitlements;
    private long batch = 1;

    @BeforeEach
    void warehouse() {
        config = ConfigLoader.load(Optional.empty(), List.of(), Map.of())
                .withWarehouse(dir.resolve("w").toString());
        warehouse = new Warehouse(spark(), config.warehouse());
        warehouse.ensureStreamTables();
        entitlements = entitlements(
                spark(),
                entitlement("e-std", "sub-std", "acct-1", "acme", "app-1", "standard", "2026-01-01T00:00:00Z", null),
                entitlement("e-two", "sub-two", "acct-2", "globex", "app-1", "standard", "2026-01-01T00:00:00Z", null));
        warehouse.replaceEntitlements(entitlements);
        warehouse.replaceLimits(spark().createDataFrame(
                        List.of(
                                Rows.limit(limit(
                                        "std-calls", "standard", null, "functions.invocations", "10", "50%;100%")),
                                Rows.limit(limit("std-users", "standard", null, "app.active_users", "2", "")),
                                Rows.limit(limit("std-held", "standard", null, "storage.held", "1", "100%")),
                                Rows.limit(
                                        limit("two-calls", null, "sub-two", "functions.invocations", "100", "100%"))),
                        Tables.USAGE_LIMIT));
    }

    private static Limit limit(
            String id, String plan, String subscription, String metric, String amount, String thresholds) {
        return new Limit(
                id,
                plan,
                subscription,
                metric,
                new BigDecimal(amount).setScale(9),
                Limit.Enforcement.HARD,
                thresholds.isEmpty()
                        ? List.of()
                        : Arrays.stream(thresholds.split(";"))
                                .map(Threshold::parse)
                                .toList(),
                FROM,
                null);
    }

    @Test
    void theStreamsBatchesDecideEachCrossingOnceAndPublishDecidesWhatTheStreamCannot() {
        LimitNotifier stream = new LimitNotifier(config, DURING);
        Dataset<Row> first = windows(
                window("sub-std", "functions.invocations", "count", "10:00", "6"),
                window("sub-std", "app.active_users", "users", "10:00", "2"),
                window("sub-two", "functions.invocations", "count", "10:00", "6"));
        stream.changed(warehouse, first, "stream-app", 1);
        assertThat(decided())
                .containsExactly(
                        "crossed sub-std app.active_users 100% #1 used 2 provisional by stream batch 1",
                        "crossed sub-std functions.invocations 50% #1 used 6 provisional by stream batch 1");
        long version = warehouse.version(Tables.LIMIT_NOTIFICATIONS);
        stream.changed(warehouse, first, "stream-app", 1);
        assertThat(warehouse.version(Tables.LIMIT_NOTIFICATIONS))
                .as("a replayed batch writes nothing")
                .isEqualTo(version);

        // A second window of the distinct count: the stream cannot say how many users the two hold together.
        stream.changed(
                warehouse,
                windows(
                        window("sub-std", "functions.invocations", "count", "11:00", "5"),
                        window("sub-std", "app.active_users", "users", "11:00", "1")),
                "stream-app",
                2);
        assertThat(decided())
                .hasSize(3)
                .contains("crossed sub-std functions.invocations 100% #1 used 11 provisional by stream batch 2");

        // Published: 2 distinct users (u1 twice), 2 GB-h held, the invocations as the stream had them.
        append(
                event().id("a").quantity("6").at("2026-10-15T10:00:00Z").json(),
                event().id("b").quantity("5").at("2026-10-15T11:00:00Z").json(),
                event().id("u1")
                        .metric("app.active_users", "users")
                        .quantity("1")
                        .at("2026-10-15T10:00:00Z")
                        .attributes(Map.of("user_id", "u1"))
                        .json(),
                event().id("u2")
                        .metric("app.active_users", "users")
                        .quantity("1")
                        .at("2026-10-15T10:30:00Z")
                        .attributes(Map.of("user_id", "u2"))
                        .json(),
                event().id("u3")
                        .metric("app.active_users", "users")
                        .quantity("1")
                        .at("2026-10-15T11:00:00Z")
                        .attributes(Map.of("user_id", "u1"))
                        .json(),
                event().id("h")
                        .metric("storage.held", "GB")
                        .quantity("1")
                        .at("2026-10-15T10:00:00Z")
                        .json());
        publishAndNotify();
        assertThat(decided())
                .hasSize(4)
                .contains("crossed sub-std storage.held 100% #1 used 2 published by publish of 2026-10");

        // A void brings the invocations back below the limit: resolved, by the next revision.
        append(event().id("v").voids("b").at("2026-10-15T11:00:00Z").json());
        publishAndNotify();
        assertThat(decided())
                .hasSize(5)
                .contains("resolved sub-std functions.invocations 100% #1 used 6 published by publish of 2026-10");
        assertThat(new LimitNotifier(config, AFTER).published(warehouse, OCTOBER))
                .as("deciding again decides nothing")
                .isEmpty();
        List<Notification> all = new LimitEvaluation(warehouse, config.catalog(), config.approvers()).previous(OCTOBER);
        assertThat(all).extracting(Notification::notificationId).doesNotHaveDuplicates();
        assertThat(all).allSatisfy(n -> assertThat(n.billingAccountId()).isEqualTo("acct-1"));
    }

    @Test
    void withoutLimitsNothingIsDecidedNorWritten() {
        Path bare = dir.resolve("bare");
        MeterlakeConfig none = config.withWarehouse(bare.toString());
        Warehouse empty = new Warehouse(spark(), none.warehouse());
        empty.ensureStreamTables();
        new LimitNotifier(none, DURING)
                .changed(
                        empty,
                        windows(window("sub-std", "functions.invocations", "count", "10:00", "60")),
                        "stream-app",
                        1);
        assertThat(empty.exists(Tables.LIMIT_NOTIFICATIONS)).isFalse();
    }

    private List<Notification> publishAndNotify() {
        new PublishJob(spark(), config, AFTER)
                .publish(
                        OCTOBER,
                        Signing.generateKeyPair().getPrivate(),
                        Duration.ofHours(48),
                        PublishMode.FORCE,
                        java.util.OptionalLong.empty(),
                        true);
        return new LimitNotifier(config, AFTER).published(warehouse, OCTOBER);
    }

    /** The notifications as "kind subscription metric threshold #ordinal used N source by decider", sorted. */
    private List<String> decided() {
        return new LimitEvaluation(warehouse, config.catalog(), config.approvers())
                .previous(OCTOBER).stream()
                        .map(n -> n.kind().text() + " " + n.subscriptionId() + " " + n.metric() + " "
                                + n.threshold().text() + " #" + n.ordinal() + " used "
                                + n.value().stripTrailingZeros().toPlainString() + " " + n.source() + " by "
                                + n.decidedBy())
                        .sorted()
                        .toList();
    }

    /** The stream's windows of one batch, written as the stream's merge would, and handed to the notifier. */
    private Dataset<Row> windows(Row... rows) {
        Dataset<Row> windows = spark().createDataFrame(List.of(rows), Tables.PROVISIONAL);
        warehouse.append(windows, Tables.USAGE_AGGREGATES_PROVISIONAL);
        return windows;
    }

    private Row window(String subscription, String metric, String unit, String hour, String quantity) {
        Instant start = Instant.parse("2026-10-15T" + hour + ":00Z");
        return RowFactory.create(
                subscription,
                subscription.equals("sub-std") ? "e-std" : "e-two",
                subscription.equals("sub-std") ? "acct-1" : "acct-2",
                metric,
                unit,
                Timestamp.from(start),
                Timestamp.from(start.plus(Duration.ofHours(1))),
                new BigDecimal(quantity).setScale(9),
                1L,
                batch,
                Timestamp.from(DURING.instant()));
    }

    /** Appends the accepted records of these payloads to raw, as one ingest would. */
    private void append(String... payloads) {
        Dataset<Row> processed = new EventPipeline(config.catalog(), config.maxClockSkew(), config.maxEventAge())
                .process(
                        fileRecords(
                                spark(), Instant.parse("2026-10-16T00:00:00Z").plusSeconds(batch), List.of(payloads)),
                        entitlements);
        warehouse.appendIdempotent(
                EventPipeline.accepted(processed), Tables.RAW_USAGE_EVENTS, "test-" + config.warehouse(), batch++);
    }
}
