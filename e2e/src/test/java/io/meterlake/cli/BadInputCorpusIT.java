package io.meterlake.cli;

import static io.meterlake.testing.Fixtures.entitlement;
import static io.meterlake.testing.Fixtures.entitlements;
import static io.meterlake.testing.UsageEvents.event;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meterlake.batch.ingest.FileIngestJob;
import io.meterlake.batch.ingest.IngestReport;
import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.stack.TestBroker;
import io.meterlake.streaming.sink.StreamMetrics;
import io.meterlake.streaming.source.EventProducer;
import io.meterlake.table.Warehouse;
import io.meterlake.testing.BadInputCorpus;
import io.meterlake.testing.BadInputCorpus.Case;
import io.meterlake.testing.SparkTestBase;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad-input corpus ({@link BadInputCorpus}) end to end: every class gets its reason through file
 * ingest (LF and CRLF files alike) and through Kafka and the stream, and the stream keeps running.
 * The corpus itself and the stateless rules' reason for each class at awkward instants are checked
 * without Spark ({@code EventRulesCorpusTest}).
 */
@org.junit.jupiter.api.parallel.ResourceLock(SharedStack.STREAM_IN_PROCESS)
class BadInputCorpusIT extends SparkTestBase {
    private static final String TOPIC = "bad-input-corpus-it";
    private static final String ACCEPTED = BadInputCorpus.ACCEPTED;

    @TempDir
    static Path dir;

    private static TestBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = TestBroker.shared();
        broker.topic(TOPIC, 1);
    }

    @Test
    void everyClassGetsItsReasonThroughFileIngestWithLfAndCrlf() throws IOException {
        Instant now = CommandLineTest.CLOCK.instant();
        MeterlakeConfig config = config("file-warehouse");
        Warehouse warehouse = loadEntitlements(config, now);
        List<Case> cases = BadInputCorpus.cases();

        for (String separator : new String[] {"\n", "\r\n"}) {
            ByteArrayOutputStream file = new ByteArrayOutputStream();
            for (Case c : cases) {
                file.writeBytes(c.render(now, config.maxClockSkew(), config.maxEventAge()));
                file.writeBytes(separator.getBytes(StandardCharsets.US_ASCII));
            }
            Path path = Files.write(dir.resolve("corpus" + separator.length() + ".jsonl"), file.toByteArray());

            IngestReport report = new FileIngestJob(spark(), config, CommandLineTest.CLOCK).ingest(path.toString());

            assertThat(report.records())
                    .as("one record per line, a CR inside a line splits nothing")
                    .isEqualTo(cases.size());
            Map<Long, String> outcome =
                    outcomes(warehouse, col(Columns.FILE_SHA256).equalTo(report.sha256()), Columns.LINE_NUMBER);
            assertReasons(cases, outcome, 1);
        }
    }

    @Test
    void everyClassGetsItsReasonThroughKafkaAndTheStreamKeepsRunning() throws Exception {
        MeterlakeConfig config = config("stream-warehouse");
        // The broker stamps the ingest time (LogAppendTime): the cases are rendered on the same, real clock.
        Instant now = Instant.now();
        Warehouse warehouse = loadEntitlements(config, now);
        List<Case> cases = BadInputCorpus.cases();
        try (ContinuousStream stream = ContinuousStream.start(spark(), config)) {
            // Through 'meterlake events produce', as a user sends a file: every line as its exact bytes.
            Path file = dir.resolve("corpus-for-kafka.jsonl");
            ByteArrayOutputStream lines = new ByteArrayOutputStream();
            for (Case c : cases) {
                lines.writeBytes(c.render(now, config.maxClockSkew(), config.maxEventAge()));
                lines.write('\n');
            }
            Files.write(file, lines.toByteArray());
            CommandLineTest.Run produced = CommandLineTest.Run.at(
                    CommandLineTest.LIVE,
                    "produce",
                    file.toString(),
                    "--bootstrap-servers",
                    broker.bootstrapServers(),
                    "--topic",
                    TOPIC,
                    "--format",
                    "json");
            assertThat(produced.exitCode()).as(produced.err()).isZero();
            assertThat(new ObjectMapper()
                            .readTree(produced.out())
                            .get("records")
                            .longValue())
                    .isEqualTo(cases.size());
            stream.await(() -> landed(warehouse) >= cases.size());
            // Still running after all of it: a valid event sent afterwards is billed.
            try (EventProducer producer = EventProducer.open(broker.bootstrapServers(), TOPIC)) {
                producer.send(event().id("after-the-corpus")
                        .at(now.minus(Duration.ofHours(1)).toString())
                        .json());
                producer.flush();
            }
            // Acknowledged: the broker appended it before this instant. Once the stream's freshness reaches it, the
            // event is in raw (and merged into the windows, or late), without waiting any further.
            Instant appended = Instant.now();
            stream.await(() -> stream.metrics()
                    .visibleThrough()
                    .filter(through -> !through.isBefore(appended))
                    .isPresent());
            assertThat(warehouse
                            .read(Tables.RAW_USAGE_EVENTS)
                            .where(col(Columns.EVENT_ID).equalTo("after-the-corpus"))
                            .count())
                    .isEqualTo(1);
            assertThat(stream.isRunning()).isTrue();
            assertMetricsServed(stream.metrics(), cases);
        }

        Map<Long, String> outcome =
                outcomes(warehouse, col(Columns.KAFKA_OFFSET).lt(cases.size()), Columns.KAFKA_OFFSET);
        assertReasons(cases, outcome, 0);
    }

    /**
     * {@code GET /metrics} over HTTP, as {@code meterlake stream --metrics} serves it: every record read counted once,
     * accepted or quarantined as the corpus says, nothing left in the topic.
     */
    private static void assertMetricsServed(StreamMetrics metrics, List<Case> cases) throws Exception {
        long accepted = cases.stream().filter(c -> c.reason().equals(ACCEPTED)).count() + 1;
        com.sun.net.httpserver.HttpServer server = metrics.exposition().serve("127.0.0.1", 0);
        try {
            assertThat(MetricsScrape.of(
                            "http://127.0.0.1:" + server.getAddress().getPort() + "/metrics"))
                    .contains("meterlake_stream_records_total{query=\"raw\"} " + (cases.size() + 1) + ".0")
                    .contains("meterlake_stream_events_accepted_total " + accepted + ".0")
                    .contains("meterlake_stream_events_quarantined_total " + (cases.size() + 1 - accepted) + ".0")
                    .contains("meterlake_stream_lag_records 0.0")
                    .containsPattern("meterlake_stream_lag_seconds \\d")
                    .containsPattern("meterlake_stream_watermark_seconds \\d");
        } finally {
            server.stop(0);
        }
    }

    private static void assertReasons(List<Case> cases, Map<Long, String> outcome, long firstPosition) {
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            String actual = outcome.get(i + firstPosition);
            if (!cases.get(i).reason().equals(actual)) {
                wrong.add(cases.get(i).name() + ": expected " + cases.get(i).reason() + ", got " + actual);
            }
        }
        assertThat(wrong).as("classes with another outcome").isEmpty();
        assertThat(outcome).hasSize(cases.size());
    }

    /** Position (line or offset) -> reason, ACCEPTED for raw; fails if a position is in both tables. */
    private static Map<Long, String> outcomes(Warehouse warehouse, org.apache.spark.sql.Column which, String position) {
        Dataset<Row> rows = warehouse
                .read(Tables.RAW_USAGE_EVENTS)
                .where(which)
                .select(col(position), lit(ACCEPTED))
                .union(warehouse
                        .read(Tables.QUARANTINED_EVENTS)
                        .where(which)
                        .select(col(position), col(Columns.REASON)));
        Map<Long, String> result = new TreeMap<>();
        for (Row row : rows.collectAsList()) {
            String earlier = result.put(row.getLong(0), row.getString(1));
            assertThat(earlier)
                    .as("position " + row.getLong(0) + " landed twice")
                    .isNull();
        }
        return result;
    }

    private static long landed(Warehouse warehouse) {
        if (!warehouse.exists(Tables.QUARANTINED_EVENTS) || !warehouse.exists(Tables.RAW_USAGE_EVENTS)) {
            return 0;
        }
        return warehouse.read(Tables.RAW_USAGE_EVENTS).count()
                + warehouse.read(Tables.QUARANTINED_EVENTS).count();
    }

    private MeterlakeConfig config(String warehouse) {
        return ConfigLoader.load(
                Optional.empty(),
                List.of(),
                Map.of(
                        "warehouse",
                        dir.resolve(warehouse).toString(),
                        "kafka.bootstrap-servers",
                        broker.bootstrapServers(),
                        "kafka.topic",
                        TOPIC));
    }

    /** acme/app-1 since 2020, acme/app-twice covered twice, acme/app-late from a day after {@code now}. */
    private Warehouse loadEntitlements(MeterlakeConfig config, Instant now) {
        Warehouse warehouse = new Warehouse(spark(), config.warehouse());
        String tomorrow =
                now.plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS).toString();
        warehouse.replaceEntitlements(entitlements(
                spark(),
                entitlement("ent-1", "sub-1", "acct-1", "acme", "app-1", "standard", "2020-01-01T00:00:00Z", null),
                entitlement("ent-2a", "sub-2", "acct-1", "acme", "app-twice", "standard", "2020-01-01T00:00:00Z", null),
                entitlement("ent-2b", "sub-2", "acct-1", "acme", "app-twice", "standard", "2020-01-01T00:00:00Z", null),
                entitlement("ent-3", "sub-3", "acct-1", "acme", "app-late", "standard", tomorrow, null)));
        return warehouse;
    }
}
