package io.meterlake.table;

import static io.meterlake.testing.Fixtures.entitlement;
import static io.meterlake.testing.Fixtures.entitlements;
import static io.meterlake.testing.Fixtures.fileRecords;
import static io.meterlake.testing.UsageEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.pipeline.EventPipeline;
import io.meterlake.schema.Tables;
import io.meterlake.testing.SparkTestBase;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A write repeated after a crash attributes with the entitlements its first attempt used. */
class AttributionReplayTest extends SparkTestBase {
    private static final MeterlakeConfig CONFIG = ConfigLoader.load(Optional.empty(), List.of(), Map.of());

    @TempDir
    Path dir;

    @Test
    void aRepeatedWriteKeepsTheEntitlementsVersionOfItsFirstAttempt() {
        Warehouse warehouse = new Warehouse(spark(), dir.toString());
        warehouse.ensureIngestTables();
        warehouse.replaceEntitlements(entitlements(
                spark(),
                entitlement(
                        "ent-1",
                        "sub-1",
                        "acct-1",
                        "someone-else",
                        "app-1",
                        "standard",
                        "2020-01-01T00:00:00Z",
                        null)));
        long first = warehouse.version(Tables.ENTITLEMENTS);
        assertThat(new ExactlyOnceWrite(warehouse, Warehouse.RAW_WRITER_WAIT)
                        .pin("app", 0, null)
                        .entitlementsVersion())
                .isEqualTo(first);

        Dataset<Row> processed = new EventPipeline(CONFIG.catalog(), CONFIG.maxClockSkew(), CONFIG.maxEventAge())
                .process(
                        fileRecords(spark(), Instant.parse("2026-11-02T00:00:00Z"), List.of(event().json())),
                        warehouse.readAsOf(Tables.ENTITLEMENTS, first));
        new ExactlyOnceWrite(warehouse, Warehouse.RAW_WRITER_WAIT)
                .write(processed, "app", 0, new WritePin(first, null));
        // The entitlement that would attribute the event arrives after the first attempt.
        warehouse.replaceEntitlements(entitlements(
                spark(),
                entitlement("ent-2", "sub-2", "acct-1", "acme", "app-1", "standard", "2020-01-01T00:00:00Z", null)));
        long second = warehouse.version(Tables.ENTITLEMENTS);

        assertThat(second).isGreaterThan(first);
        assertThat(new ExactlyOnceWrite(warehouse, Warehouse.RAW_WRITER_WAIT)
                        .pin("app", 0, null)
                        .entitlementsVersion())
                .isEqualTo(first);
        assertThat(new ExactlyOnceWrite(warehouse, Warehouse.RAW_WRITER_WAIT)
                        .pin("app", 1, null)
                        .entitlementsVersion())
                .isEqualTo(second);
        assertThat(new ExactlyOnceWrite(warehouse, Warehouse.RAW_WRITER_WAIT)
                        .pin("other-app", 0, null)
                        .entitlementsVersion())
                .isEqualTo(second);
        // A writer that committed version 0 itself in this run (the stream between batches) skips the logs for
        // version 1, with the same answer; a version it has not passed yet is still read back from the logs.
        assertThat(new ExactlyOnceWrite(warehouse, Warehouse.RAW_WRITER_WAIT).pin("app", 1, null, 0))
                .isEqualTo(new ExactlyOnceWrite(warehouse, Warehouse.RAW_WRITER_WAIT).pin("app", 1, null));
        assertThat(new ExactlyOnceWrite(warehouse, Warehouse.RAW_WRITER_WAIT)
                        .pin("app", 0, null, 0)
                        .entitlementsVersion())
                .isEqualTo(first);
        assertThat(warehouse.read(Tables.QUARANTINED_EVENTS).count()).isEqualTo(1);
        assertThat(warehouse.read(Tables.RAW_USAGE_EVENTS).count()).isZero();
    }

    /**
     * A write that quarantines nothing makes no quarantine commit: raw's commit carries the pin, and a
     * repeat (a crash after raw's commit, before the stream's checkpoint) still finds it, after the
     * entitlements changed so that the event would now be rejected.
     */
    @Test
    void aCleanWriteRecordsItsPinWithRawAlone() {
        Warehouse warehouse = new Warehouse(spark(), dir.toString());
        warehouse.ensureIngestTables();
        warehouse.replaceEntitlements(entitlements(
                spark(),
                entitlement("ent-2", "sub-2", "acct-1", "acme", "app-1", "standard", "2020-01-01T00:00:00Z", null)));
        long first = warehouse.version(Tables.ENTITLEMENTS);
        long quarantineVersion = warehouse.version(Tables.QUARANTINED_EVENTS);
        EventPipeline pipeline = new EventPipeline(CONFIG.catalog(), CONFIG.maxClockSkew(), CONFIG.maxEventAge());
        Dataset<Row> records = fileRecords(spark(), Instant.parse("2026-11-02T00:00:00Z"), List.of(event().json()));

        new ExactlyOnceWrite(warehouse, Warehouse.RAW_WRITER_WAIT)
                .write(
                        pipeline.process(records, warehouse.readAsOf(Tables.ENTITLEMENTS, first)),
                        "app",
                        7,
                        new WritePin(first, null));
        warehouse.replaceEntitlements(entitlements(
                spark(),
                entitlement(
                        "ent-1",
                        "sub-1",
                        "acct-1",
                        "someone-else",
                        "app-1",
                        "standard",
                        "2020-01-01T00:00:00Z",
                        null)));

        assertThat(warehouse.version(Tables.QUARANTINED_EVENTS)).isEqualTo(quarantineVersion);
        WritePin replayed = new ExactlyOnceWrite(warehouse, Warehouse.RAW_WRITER_WAIT).pin("app", 7, null);
        assertThat(replayed.entitlementsVersion()).isEqualTo(first);
        new ExactlyOnceWrite(warehouse, Warehouse.RAW_WRITER_WAIT)
                .write(
                        pipeline.process(
                                records, warehouse.readAsOf(Tables.ENTITLEMENTS, replayed.entitlementsVersion())),
                        "app",
                        7,
                        replayed);
        assertThat(warehouse.read(Tables.RAW_USAGE_EVENTS).count()).isEqualTo(1);
        assertThat(warehouse.read(Tables.QUARANTINED_EVENTS).count()).isZero();
        assertThat(new ExactlyOnceWrite(warehouse, Warehouse.RAW_WRITER_WAIT)
                        .pin("app", 8, null)
                        .entitlementsVersion())
                .isGreaterThan(first);
    }
}
