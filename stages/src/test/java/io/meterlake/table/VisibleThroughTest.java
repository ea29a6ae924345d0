package io.meterlake.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.schema.Tables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream's mark of how fresh the windows are (VisibleThrough), as the readers of the windows see it: no Spark,
 * a local warehouse.
 */
class VisibleThroughTest {
    private static final Instant FIRST = Instant.parse("2028-02-29T23:59:50.125Z");
    private static final Instant SECOND = Instant.parse("2028-03-01T00:00:00Z");

    @TempDir
    Path dir;

    private final Configuration hadoop = new Configuration();

    @Test
    void theMarkIsWrittenWholeReadBackAndRewrittenInPlace() throws Exception {
        String root = dir.resolve("w").toString();
        assertThat(VisibleThrough.read(hadoop, root)).as("no stream has said").isEmpty();
        VisibleThrough.write(hadoop, root, FIRST);
        assertThat(VisibleThrough.read(hadoop, root)).hasValue(FIRST);
        VisibleThrough.write(hadoop, "file:" + root, SECOND);
        assertThat(VisibleThrough.read(hadoop, root)).hasValue(SECOND);
        // One file, nothing left aside, not readable as half of one.
        Path stream = dir.resolve("w").resolve(VisibleThrough.FILE).getParent();
        try (var files = Files.list(stream)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactly("visible-through.json");
        }
        Files.writeString(dir.resolve("w").resolve(VisibleThrough.FILE), "{\"visible_thr");
        assertThat(VisibleThrough.read(hadoop, root))
                .as("a torn file is no mark")
                .isEmpty();
        Files.writeString(dir.resolve("w").resolve(VisibleThrough.FILE), "{\"visible_through\":\"yesterday\"}");
        assertThat(VisibleThrough.read(hadoop, root)).isEmpty();
    }

    @Test
    void aCommandReadsTheMarkOnceWithTheWindowsVersion() {
        String root = dir.resolve("w").toString();
        DeltaReads none = new DeltaReads(hadoop, root);
        assertThat(none.visibleThrough()).isEmpty();
        VisibleThrough.write(hadoop, root, FIRST);
        DeltaReads reads = new DeltaReads(hadoop, root);
        assertThat(reads.visibleThrough()).hasValue(FIRST);
        VisibleThrough.write(hadoop, root, SECOND);
        // Read with the provisional table's version, once per command: a later mark is not this read's.
        assertThat(reads.visibleThrough()).hasValue(FIRST);
        assertThat(none.visibleThrough()).isEmpty();
        assertThat(new PreloadedRows(reads, Tables.USAGE_AGGREGATES_PROVISIONAL, List.of()).visibleThrough())
                .hasValue(FIRST);
    }

    @Test
    void aServerSeesANewMarkWithinASecondAndAViewKeepsItsOwn() {
        String root = dir.resolve("w").toString();
        VisibleThrough.write(hadoop, root, FIRST);
        LiveTables live = LiveTables.of(hadoop, root);
        TableRows request = live.view();
        assertThat(request.visibleThrough()).hasValue(FIRST);
        List<String> read = List.of(Tables.BILLING_PERIODS, Tables.USAGE_AGGREGATES_PROVISIONAL);
        assertThat(live.stand(read)).isEqualTo(new LiveTables.Stand(List.of(-1L, -1L), java.util.Optional.of(FIRST)));
        assertThat(live.stand(List.of(Tables.BILLING_PERIODS)).visibleThrough())
                .as("answers that do not read the windows have no mark")
                .isEmpty();

        VisibleThrough.write(hadoop, root, SECOND);
        org.awaitility.Awaitility.await("the new mark read")
                .atMost(Duration.ofSeconds(30))
                .until(() -> live.stand(read).visibleThrough().equals(java.util.Optional.of(SECOND)));
        assertThat(live.view().visibleThrough()).hasValue(SECOND);
        assertThat(request.visibleThrough())
                .as("a request keeps what it first read")
                .hasValue(FIRST);
    }
}
