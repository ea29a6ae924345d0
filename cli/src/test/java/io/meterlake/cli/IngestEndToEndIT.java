package io.meterlake.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meterlake.batch.recompute.RankedRaw;
import io.meterlake.batch.recompute.Recompute;
import io.meterlake.catalog.Aggregation;
import io.meterlake.catalog.MetricCatalog;
import io.meterlake.config.ConfigLoader;
import io.meterlake.period.Period;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.table.Warehouse;
import io.meterlake.testing.SparkTestBase;
import io.meterlake.validation.Quantities;
import io.meterlake.workload.Truth;
import io.meterlake.workload.TruthJson;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.assertj.core.api.Assertions.assertThat;

/** generate → entitlements load → ingest → ingest again, in process, checked against the generator's truth. */
class IngestEndToEndIT extends SparkTestBase {
    private static final MetricCatalog CATALOG = ConfigLoader.load(Optional.empty(), List.of(), Map.of()).catalog();

    @TempDir
    Path dir;

    @Test
    void ingestsAGeneratedWorkloadExactlyAndOnlyOnce() throws IOException {
        String warehouse = dir.resolve("warehouse").toString();
        Path events = dir.resolve("events.jsonl");
        CommandLineTest.Run generated = CommandLineTest.Run.of("generate", "--events", "4000", "--seed", "11",
                "--out", events.toString(), "--entitlements-out", dir.resolve("e.csv").toString(),
                "--truth-out", dir.resolve("truth.json").toString());
        assertThat(generated.exitCode()).as(generated.err()).isZero();
        Truth truth = TruthJson.read(dir.resolve("truth.json"));

        CommandLineTest.Run load = CommandLineTest.Run.of("--warehouse", warehouse, "entitlements", "load",
                dir.resolve("e.csv").toString());
        assertThat(load.exitCode()).as(load.err()).isZero();
        assertThat(load.out()).startsWith("loaded 13 entitlements");

        JsonNode first = ingest(warehouse, events);

        // The summary equals the truth, reason by reason.
        assertThat(first.get("records").longValue()).isEqualTo(truth.records()).isEqualTo(4000);
        assertThat(first.get("accepted").longValue()).isEqualTo(truth.accepted());
        assertThat(reasons(first.get("quarantined"))).isEqualTo(truth.quarantined());
        assertThat(first.get("files").get(0).get("status").textValue()).isEqualTo("ingested");

        // The tables agree: every line of the file exactly once across raw and quarantine.
        Warehouse tables = new Warehouse(spark(), warehouse);
        Dataset<Row> raw = tables.read(Tables.RAW_USAGE_EVENTS);
        Dataset<Row> quarantine = tables.read(Tables.QUARANTINED_EVENTS);
        Row lines = raw.select(col(Columns.LINE_NUMBER)).union(quarantine.select(col(Columns.LINE_NUMBER)))
                .agg(count(col(Columns.LINE_NUMBER)), countDistinct(col(Columns.LINE_NUMBER)),
                        min(col(Columns.LINE_NUMBER)), max(col(Columns.LINE_NUMBER)))
                .first();
        assertThat(List.of(lines.getLong(0), lines.getLong(1), lines.getLong(2), lines.getLong(3)))
                .containsExactly(4000L, 4000L, 1L, 4000L);
        assertThat(raw.count()).isEqualTo(truth.accepted());
        assertThat(quarantine.where(col(Columns.PAYLOAD).isNull()).count()).isZero();

        // Raw holds exact canonical quantities: an independent dedup + aggregate gives the truth to the last digit.
        assertDataFrameNoOrderEquals(truthLines(truth), dedupAndAggregate(raw));
        // And so does the authoritative recompute, period by period.
        assertDataFrameNoOrderEquals(truthLines(truth), recomputed(raw, truth));

        // Ingesting the same bytes again, under its name or another, writes nothing.
        long rawVersion = tables.version(Tables.RAW_USAGE_EVENTS);
        long quarantineVersion = tables.version(Tables.QUARANTINED_EVENTS);
        Path copy = Files.copy(events, dir.resolve("renamed.jsonl"));
        JsonNode again = ingest(warehouse, events);
        JsonNode renamed = ingest(warehouse, copy);

        for (JsonNode repeat : List.of(again, renamed)) {
            assertThat(repeat.get("files").get(0).get("status").textValue()).isEqualTo("already-ingested");
            assertThat(repeat.get("records").longValue()).isEqualTo(4000);
            assertThat(reasons(repeat.get("quarantined"))).isEqualTo(truth.quarantined());
        }
        assertThat(tables.version(Tables.RAW_USAGE_EVENTS)).isEqualTo(rawVersion);
        assertThat(tables.version(Tables.QUARANTINED_EVENTS)).isEqualTo(quarantineVersion);
        assertThat(tables.read(Tables.RAW_USAGE_EVENTS).count()).isEqualTo(truth.accepted());
    }

    private JsonNode ingest(String warehouse, Path file) throws IOException {
        CommandLineTest.Run run = CommandLineTest.Run.of("--warehouse", warehouse, "ingest", file.toString(),
                "--format", "json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        return new ObjectMapper().readTree(run.out());
    }

    private static TreeMap<String, Long> reasons(JsonNode node) {
        TreeMap<String, Long> result = new TreeMap<>();
        node.fields().forEachRemaining(entry -> result.put(entry.getKey(), entry.getValue().longValue()));
        return result;
    }

    private static final StructType LINE = new StructType()
            .add("period", DataTypes.StringType)
            .add(Columns.SUBSCRIPTION_ID, DataTypes.StringType)
            .add(Columns.BILLING_ACCOUNT_ID, DataTypes.StringType)
            .add(Columns.METRIC, DataTypes.StringType)
            .add(Columns.UNIT, DataTypes.StringType)
            .add(Columns.QUANTITY, DataTypes.StringType)
            .add("event_count", DataTypes.LongType);

    private Dataset<Row> truthLines(Truth truth) {
        List<Row> rows = new ArrayList<>();
        for (Truth.Line line : truth.lines()) {
            rows.add(RowFactory.create(line.period(), line.subscriptionId(), line.billingAccountId(), line.metric(),
                    line.unit(), Quantities.render(line.quantity()), line.eventCount()));
        }
        return spark().createDataFrame(rows, LINE);
    }

    /** {@link Recompute#lines} of every period the truth has lines for. */
    private Dataset<Row> recomputed(Dataset<Row> raw, Truth truth) {
        Recompute recompute = new Recompute(CATALOG);
        List<Row> rows = new ArrayList<>();
        for (String period : truth.lines().stream().map(Truth.Line::period).distinct().toList()) {
            for (Row row : recompute.lines(RankedRaw.of(raw), Period.parse(period)).collectAsList()) {
                rows.add(RowFactory.create(period, row.getAs(Columns.SUBSCRIPTION_ID), row.getAs(Columns.BILLING_ACCOUNT_ID),
                        row.getAs(Columns.METRIC), row.getAs(Columns.UNIT), Quantities.render(row.getAs(Columns.QUANTITY)),
                        row.getAs(Columns.EVENT_COUNT)));
            }
        }
        return spark().createDataFrame(rows, LINE);
    }

    /** First record per (source, event_id) by line, then SUM or MAX per the catalog, per UTC month. */
    private Dataset<Row> dedupAndAggregate(Dataset<Row> raw) {
        Dataset<Row> first = raw
                .withColumn("rank", row_number().over(Window.partitionBy(col(Columns.SOURCE), col(Columns.EVENT_ID))
                        .orderBy(col(Columns.LINE_NUMBER))))
                .where(col("rank").equalTo(1));
        List<Row> sums = first
                .groupBy(date_format(col(Columns.EVENT_TIME), "yyyy-MM").as("period"), col(Columns.SUBSCRIPTION_ID),
                        col(Columns.BILLING_ACCOUNT_ID), col(Columns.METRIC), col(Columns.UNIT))
                .agg(sum(col(Columns.QUANTITY)), max(col(Columns.QUANTITY)), count(col(Columns.EVENT_ID)))
                .collectAsList();
        List<Row> rows = new ArrayList<>();
        for (Row row : sums) {
            Aggregation aggregation = CATALOG.metric(row.getString(3)).orElseThrow().aggregation();
            BigDecimal value = aggregation == Aggregation.MAX ? row.getDecimal(6) : row.getDecimal(5);
            rows.add(RowFactory.create(row.getString(0), row.getString(1), row.getString(2), row.getString(3),
                    row.getString(4), Quantities.render(value), row.getLong(7)));
        }
        return spark().createDataFrame(rows, LINE);
    }
}
