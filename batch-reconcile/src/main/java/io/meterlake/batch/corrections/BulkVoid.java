package io.meterlake.batch.corrections;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meterlake.batch.BatchErrors;
import io.meterlake.batch.ingest.FileIngestJob;
import io.meterlake.batch.ingest.IngestReport;
import io.meterlake.batch.recompute.RankedRaw;
import io.meterlake.batch.recompute.Recompute;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.model.BillingLine;
import io.meterlake.period.Period;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.signing.Signing;
import io.meterlake.table.Warehouse;
import io.meterlake.table.WarehouseErrors;
import io.meterlake.validation.EventParser;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code corrections void}: voids, in bulk, the billed events of one source that a filter selects
 * (tenant, metric, an event-time range), by ingesting one void per event as an ordinary file of
 * corrections, so each void passes the same stages as any event and lands in raw exactly once.
 *
 * <p>Deterministic: a void's id is a function of its target ({@code void-<sha256(source, event_id)>}),
 * and the file is the voids in (source, event_id) order, so the same selection is the same file, which
 * file ingest writes once (its appends are keyed by the file's hash). An event already voided is not
 * selected again: running the command twice voids once. A run stopped at any point writes, when run
 * again, what it had not. Events older than {@code validation.max-event-age} cannot be corrected (a
 * correction is an event, with its target's event time): they are counted, not voided.
 *
 * <p>It reads raw at one version, one period (month) and its dedup horizon at a time: what the range
 * covers, not the history.
 */
public final class BulkVoid {
    /** The directory under the warehouse root that keeps the files of voids it ingested (an audit record). */
    public static final String DIRECTORY = "_corrections";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final SparkSession spark;
    private final MeterlakeConfig config;
    private final Clock clock;
    private final Warehouse warehouse;

    public BulkVoid(SparkSession spark, MeterlakeConfig config, Clock clock) {
        this.spark = spark;
        this.config = config;
        this.clock = clock;
        this.warehouse = new Warehouse(spark, config.warehouse());
    }

    /** What selects the events to void. {@code to} is exclusive. */
    public record Selection(
            String source, Optional<String> tenant, Optional<String> metric, Instant from, Instant to, String reason) {
        public Selection {
            if (!from.isBefore(to)) {
                throw BatchErrors.emptyRange(from, to);
            }
            if (reason.isBlank()) {
                throw BatchErrors.blankReason();
            }
        }

        Column filter() {
            Column filter = col(Columns.SOURCE)
                    .equalTo(lit(source))
                    .and(col(Columns.EVENT_TIME).geq(lit(Timestamp.from(from))))
                    .and(col(Columns.EVENT_TIME).lt(lit(Timestamp.from(to))));
            if (tenant.isPresent()) {
                filter = filter.and(col(Columns.TENANT_ID).equalTo(lit(tenant.get())));
            }
            if (metric.isPresent()) {
                filter = filter.and(col(Columns.METRIC).equalTo(lit(metric.get())));
            }
            return filter;
        }
    }

    /** One billing line the voids change: its quantity and events before and after. */
    public record LineImpact(String period, BillingLine before, BillingLine after, long voided) {}

    /**
     * @param tooOld   selected events older than validation.max-event-age: not voided
     * @param file     where the voids were written (null on a dry run or when there were none)
     * @param ingested the ingest of that file (null likewise)
     */
    public record Result(
            long selected, long tooOld, List<LineImpact> lines, boolean dryRun, String file, IngestReport ingested) {}

    public Result run(Selection selection, boolean dryRun, Consumer<String> progress) {
        if (!warehouse.exists(Tables.RAW_USAGE_EVENTS)) {
            throw WarehouseErrors.noRawEvents(warehouse.root());
        }
        // One instant for the age rule here and for the ingest of the voids, which would apply it again.
        Instant now = Instant.now(clock);
        Instant oldest = now.minus(config.maxEventAge());
        long version = warehouse.version(Tables.RAW_USAGE_EVENTS);
        Dataset<Row> raw = warehouse.readAsOf(Tables.RAW_USAGE_EVENTS, version);
        List<Row> targets = new ArrayList<>();
        List<LineImpact> lines = new ArrayList<>();
        long tooOld = 0;
        Recompute recompute = new Recompute(config.catalog());
        for (Period period = Period.monthOf(selection.from());
                period.start().isBefore(selection.to());
                period = Period.monthOf(period.end())) {
            progress.accept("selecting the events of " + period + " (raw_usage_events v" + version + ")");
            Dataset<Row> events = RankedRaw.forPeriod(raw, period, config.dedupHorizon())
                    .eventsWithTenant(period, new io.meterlake.pipeline.UsageAggregation(config.catalog()))
                    .persist(StorageLevel.MEMORY_AND_DISK());
            try {
                // Not the samples before the period a time-weighted line reads: they are the month before's events.
                Dataset<Row> selected = events.where(selection.filter().and(not(col(Columns.CARRIED))));
                tooOld += selected.where(col(Columns.EVENT_TIME).lt(lit(Timestamp.from(oldest))))
                        .count();
                Dataset<Row> voidable = selected.where(col(Columns.EVENT_TIME).geq(lit(Timestamp.from(oldest))));
                List<Row> rows = voidable.select(
                                col(Columns.SOURCE),
                                col(Columns.EVENT_ID),
                                col(Columns.TENANT_ID),
                                col(Columns.APP_ID),
                                col(Columns.METRIC),
                                col(Columns.EVENT_TIME))
                        .collectAsList();
                if (rows.isEmpty()) {
                    continue;
                }
                targets.addAll(rows);
                List<BillingLine> before = Recompute.collect(recompute.lines(events, period));
                List<BillingLine> after = Recompute.collect(recompute.lines(
                        events.join(
                                voidable.select(col(Columns.SOURCE), col(Columns.EVENT_ID)),
                                scala.collection.JavaConverters.asScalaBuffer(List.of(Columns.SOURCE, Columns.EVENT_ID))
                                        .toSeq(),
                                "left_anti"),
                        period));
                lines.addAll(impact(period.toString(), before, after));
            } finally {
                events.unpersist();
            }
        }
        if (dryRun || targets.isEmpty()) {
            return new Result(targets.size(), tooOld, lines, dryRun, null, null);
        }
        targets.sort(Comparator.comparing((Row row) -> row.getString(0)).thenComparing(row -> row.getString(1)));
        String file = write(targets, selection.reason());
        progress.accept("ingesting " + targets.size() + " voids from " + file);
        IngestReport report = new FileIngestJob(spark, config, Clock.fixed(now, ZoneOffset.UTC)).ingest(file);
        return new Result(targets.size(), tooOld, lines, false, file, report);
    }

    /** The id of the void of {@code source}'s event {@code eventId}: the same for every run. */
    public static String voidId(String source, String eventId) {
        return "void-" + Signing.sha256Hex((source + "\n" + eventId).getBytes(StandardCharsets.UTF_8));
    }

    private String write(List<Row> targets, String reason) {
        StringBuilder text = new StringBuilder();
        for (Row target : targets) {
            ObjectNode node = MAPPER.createObjectNode();
            node.put("schema_version", EventParser.SUPPORTED_SCHEMA_VERSION);
            node.put("event_id", voidId(target.getString(0), target.getString(1)));
            node.put("source", target.getString(0));
            node.put("tenant_id", target.getString(2));
            node.put("app_id", target.getString(3));
            node.put("metric", target.getString(4));
            node.put("event_time", target.getTimestamp(5).toInstant().toString());
            node.put("action", EventParser.VOID);
            node.put("target_event_id", target.getString(1));
            node.putObject("attributes").put("void_reason", reason);
            text.append(node).append('\n');
        }
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        Path path = new Path(warehouse.root() + "/" + DIRECTORY + "/void-" + Signing.sha256Hex(bytes) + ".jsonl");
        try (FSDataOutputStream out =
                path.getFileSystem(spark.sparkContext().hadoopConfiguration()).create(path, true)) {
            out.write(bytes);
        } catch (IOException e) {
            throw BatchErrors.voidsUnwritable(path, e);
        }
        return path.toString();
    }

    private static List<LineImpact> impact(String period, List<BillingLine> before, List<BillingLine> after) {
        Map<List<String>, BillingLine> remaining = new LinkedHashMap<>();
        for (BillingLine line : after) {
            remaining.put(key(line), line);
        }
        List<LineImpact> changed = new ArrayList<>();
        for (BillingLine line : before) {
            BillingLine left = remaining.get(key(line));
            long events = line.eventCount() - (left == null ? 0 : left.eventCount());
            if (events > 0) {
                changed.add(new LineImpact(period, line, left, events));
            }
        }
        return changed;
    }

    private static List<String> key(BillingLine line) {
        return List.of(line.subscriptionId(), line.billingAccountId(), line.plan(), line.metric(), line.unit());
    }

    /** The quantity a line keeps after the voids: zero when no event of it is left. */
    public static BigDecimal quantityAfter(LineImpact impact) {
        return impact.after() == null ? BigDecimal.ZERO : impact.after().quantity();
    }
}
