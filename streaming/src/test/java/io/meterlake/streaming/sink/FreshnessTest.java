package io.meterlake.streaming.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** How fresh the windows are, from the stream's progress alone (no Spark): {@link Freshness}, {@link StreamMetrics}. */
class FreshnessTest {
    private static Instant at(int second) {
        return Instant.parse("2027-01-01T00:00:00Z").plusSeconds(second);
    }

    @Test
    void aCaughtUpRawBatchCountsOnceAProvisionalBatchThatStartedAfterItHasCommitted() {
        Freshness freshness = new Freshness();
        assertThat(freshness.visibleThrough()).isEmpty();

        freshness.raw(at(0), at(6), true, true);
        freshness.provisional(at(5)); // started before raw's batch ended: it may not have read it
        assertThat(freshness.visibleThrough()).isEmpty();
        freshness.raw(at(10), at(17), true, true);
        freshness.provisional(at(7));
        assertThat(freshness.visibleThrough()).contains(at(0));
        freshness.provisional(at(18));
        assertThat(freshness.visibleThrough()).contains(at(10));
    }

    @Test
    void aBatchHeldBackByTheTriggerLimitMovesNothing() {
        Freshness freshness = new Freshness();
        freshness.raw(at(0), at(6), true, true);
        freshness.raw(at(10), at(30), true, false); // left records in the topic: older than its start
        freshness.provisional(at(31));
        assertThat(freshness.visibleThrough()).contains(at(0));
    }

    @Test
    void anIdleTriggerIsFreshAtOnceOnlyWhenEveryBatchWithRecordsIsMerged() {
        Freshness freshness = new Freshness();
        freshness.raw(at(0), at(0), false, true); // nothing ever read: fresh as of the trigger
        assertThat(freshness.visibleThrough()).contains(at(0));

        freshness.raw(at(10), at(14), true, true);
        freshness.raw(at(20), at(20), false, true); // idle, but batch 10-14 is not in the windows yet
        assertThat(freshness.visibleThrough()).contains(at(0));
        freshness.provisional(at(15));
        assertThat(freshness.visibleThrough()).contains(at(10));
        freshness.raw(at(30), at(30), false, true);
        assertThat(freshness.visibleThrough()).contains(at(30));
        freshness.raw(at(25), at(25), false, true); // never backwards
        assertThat(freshness.visibleThrough()).contains(at(30));
    }

    @Test
    void recordsBehindAreTheLatestOffsetsMinusTheEndOnesPartitionByPartition() {
        assertThat(StreamMetrics.behind(
                        "{\"usage-events\":{\"0\":120,\"1\":80}}", "{\"usage-events\":{\"0\":100,\"1\":80}}"))
                .isEqualTo(OptionalLong.of(20));
        assertThat(StreamMetrics.behind("{\"usage-events\":{\"0\":5}}", "{}")).isEqualTo(OptionalLong.of(5));
        assertThat(StreamMetrics.behind("{\"logOffset\":3}", "{\"logOffset\":3}"))
                .isEmpty();
        assertThat(StreamMetrics.behind(null, "{}")).isEmpty();
    }
}
