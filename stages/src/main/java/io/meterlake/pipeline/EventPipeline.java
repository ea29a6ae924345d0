package io.meterlake.pipeline;

import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.encode;
import static org.apache.spark.sql.functions.lead;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_entries;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.unix_micros;
import static org.apache.spark.sql.functions.when;

import io.meterlake.catalog.MetricCatalog;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.validation.EventRules;
import io.meterlake.validation.ParsedEvent;
import io.meterlake.validation.ReasonCode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;

/**
 * The stages every ingestion path runs, in this order: check (the stateless rules of {@link EventRules}),
 * then attribute.
 *
 * <p>Each stage is a pure {@code Dataset<Row> -> Dataset<Row>} function (no reads, writes or
 * actions), usable on batch and streaming datasets alike, so the file backfill, the stream and the
 * nightly recompute give one meaning to every record. A record carries {@link Columns#REASON}
 * from the first stage that rejects it; later stages leave rejected records alone, so each record
 * gets exactly one {@link ReasonCode}, the first in that enum's order. {@link #accepted} and
 * {@link #quarantined} then split the result into the raw and quarantine table schemas: every
 * input record ends in exactly one of them.
 *
 * <p>The stateless rules are plain Java ({@link EventRules}, one function call per record) so the HTTP
 * gateway runs exactly the same code without Spark; they are exact too (Spark's JSON reader coerces
 * types and reads numbers through {@code double}, its decimal multiplication rounds).
 */
public final class EventPipeline implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    private final EventRules rules;

    public EventPipeline(MetricCatalog catalog, Duration maxClockSkew, Duration maxEventAge) {
        this.rules = new EventRules(catalog, maxClockSkew, maxEventAge);
    }

    /** All stages: records in {@link Tables#RECORD} form to attributed, reasoned records. */
    public Dataset<Row> process(Dataset<Row> records, Dataset<Row> entitlements) {
        return attribute(check(records), entitlements);
    }

    /**
     * Runs the contract's stateless rules ({@link EventRules}: parse, schema, catalog, units, quantity,
     * time against {@link Columns#INGESTED_AT}, the exact conversion) on each record's bytes. Adds
     * {@link Tables#PARSED_FIELDS} (the payload as text among them), {@link Columns#QUANTITY}
     * ({@code decimal(38,9)}, canonical) and {@link Columns#UNIT}; a rejected record carries the first
     * failing rule's reason and detail. The HTTP gateway calls the same {@link EventRules}.
     */
    public Dataset<Row> check(Dataset<Row> records) {
        EventRules rules = this.rules; // the function carries the rules alone, not the pipeline
        UserDefinedFunction check = udf(
                (UDF2<byte[], Object, Row>) (bytes, ingestedAt) -> toRow(rules.check(bytes, instant(ingestedAt))),
                CHECKED);
        List<Column> columns = new ArrayList<>();
        for (String name : records.columns()) {
            columns.add(col(name));
        }
        for (String name : CHECKED.fieldNames()) {
            columns.add(col(Columns.PARSED + "." + name).as(name));
        }
        return records.withColumn(Columns.PARSED, check.apply(col(Columns.PAYLOAD_BYTES), col(Columns.INGESTED_AT)))
                .select(columns.toArray(Column[]::new));
    }

    /**
     * Attributes each event to the single entitlement with its tenant_id and app_id whose
     * half-open validity holds event_time. Adds the entitlement's ids and plan; rejects
     * UNATTRIBUTED (none) and AMBIGUOUS_ATTRIBUTION (more than one).
     *
     * <p>The entitlements are first cut into disjoint time segments per (tenant, app), each
     * knowing how many entitlements cover it, so an event matches at most one segment: a plain
     * left join that also works between a stream and a static table.
     */
    public Dataset<Row> attribute(Dataset<Row> normalized, Dataset<Row> entitlements) {
        Dataset<Row> segments = segments(entitlements);
        Column joinCondition = col(Columns.TENANT_ID)
                .equalTo(col(Columns.SEGMENT_TENANT_ID))
                .and(col(Columns.APP_ID).equalTo(col(Columns.SEGMENT_APP_ID)))
                .and(col(Columns.EVENT_TIME).geq(col(Columns.SEGMENT_START)))
                .and(col(Columns.SEGMENT_END)
                        .isNull()
                        .or(col(Columns.EVENT_TIME).lt(col(Columns.SEGMENT_END))))
                .and(col(Columns.REASON).isNull());
        Dataset<Row> joined = normalized.join(segments, joinCondition, "left_outer");
        Column matches = coalesce(col(Columns.SEGMENT_MATCHES), lit(0L));
        Column covering = concat_ws(", ", col(Columns.SEGMENT_ENTITLEMENTS).getField(Columns.ENTITLEMENT_ID));
        Column where = concat(
                lit("tenant_id '"),
                col(Columns.TENANT_ID),
                lit("', app_id '"),
                col(Columns.APP_ID),
                lit("' at "),
                col(Columns.EVENT_TIME).cast("string"),
                lit(" UTC"));
        Dataset<Row> reasoned = Rule.apply(
                joined,
                List.of(
                        new Rule(
                                ReasonCode.UNATTRIBUTED,
                                matches.equalTo(0L),
                                concat(lit("no entitlement covers "), where)),
                        new Rule(
                                ReasonCode.AMBIGUOUS_ATTRIBUTION,
                                matches.gt(1L),
                                concat(lit("entitlements "), covering, lit(" all cover "), where))));
        Column single = col(Columns.REASON).isNull();
        Column entitlement = element_at(col(Columns.SEGMENT_ENTITLEMENTS), 1);
        return reasoned.withColumn(Columns.ENTITLEMENT_ID, when(single, entitlement.getField(Columns.ENTITLEMENT_ID)))
                .withColumn(Columns.SUBSCRIPTION_ID, when(single, entitlement.getField(Columns.SUBSCRIPTION_ID)))
                .withColumn(Columns.BILLING_ACCOUNT_ID, when(single, entitlement.getField(Columns.BILLING_ACCOUNT_ID)))
                .withColumn(Columns.PLAN, when(single, entitlement.getField(Columns.PLAN)))
                .drop(
                        Columns.SEGMENT_TENANT_ID,
                        Columns.SEGMENT_APP_ID,
                        Columns.SEGMENT_START,
                        Columns.SEGMENT_END,
                        Columns.SEGMENT_MATCHES,
                        Columns.SEGMENT_ENTITLEMENTS);
    }

    /** Accepted records in {@link Tables#RAW} form. */
    public static Dataset<Row> accepted(Dataset<Row> processed) {
        Column attributesInOrder = to_json(array_sort(map_entries(col(Columns.ATTRIBUTES))));
        Column[] fields = {
            col(Columns.SOURCE),
            col(Columns.EVENT_ID),
            col(Columns.TENANT_ID),
            col(Columns.APP_ID),
            col(Columns.METRIC),
            col(Columns.QUANTITY).cast("string"),
            col(Columns.UNIT),
            unix_micros(col(Columns.EVENT_TIME)),
            coalesce(attributesInOrder, lit("[]"))
        };
        // A correction's content adds its kind and target; a usage event's is what it always was.
        Column[] correction = java.util.Arrays.copyOf(fields, fields.length + 2);
        correction[fields.length] = col(Columns.ACTION);
        correction[fields.length + 1] = col(Columns.TARGET_EVENT_ID);
        Column content =
                when(col(Columns.ACTION).isNull(), to_json(struct(fields))).otherwise(to_json(struct(correction)));
        // Records accepted on receipt have no lineage; a quarantine replay sets it before this.
        Dataset<Row> lineage = processed;
        for (String column : new String[] {Columns.REPLAYED_FROM, Columns.REPLAY_RUN_ID}) {
            if (!Arrays.asList(lineage.columns()).contains(column)) {
                lineage = lineage.withColumn(column, lit(null).cast(DataTypes.StringType));
            }
        }
        Dataset<Row> accepted = lineage.where(col(Columns.REASON).isNull())
                .withColumn(Columns.EVENT_DATE, to_date(col(Columns.EVENT_TIME)))
                .withColumn(Columns.CONTENT_SHA256, sha2(content, 256))
                .withColumn(Columns.PAYLOAD_SHA256, payloadSha256());
        return project(withUtcWallTimes(accepted), Tables.RAW.fieldNames());
    }

    /**
     * Rejected records in {@link Tables#QUARANTINE} form: the payload as text, and its bytes too when
     * the text is not exactly what was received.
     */
    public static Dataset<Row> quarantined(Dataset<Row> processed) {
        Column textIsExact = encode(col(Columns.PAYLOAD), "UTF-8").eqNullSafe(col(Columns.PAYLOAD_BYTES));
        Dataset<Row> rejected = processed
                .where(col(Columns.REASON).isNotNull())
                .withColumn(Columns.PAYLOAD_SHA256, payloadSha256())
                .withColumn(Columns.PAYLOAD_BYTES, when(not(textIsExact), col(Columns.PAYLOAD_BYTES)));
        return project(withUtcWallTimes(rejected), Tables.QUARANTINE.fieldNames());
    }

    /** SHA-256 of the bytes as received (for UTF-8 records the same as of the text); of nothing for none. */
    private static Column payloadSha256() {
        return sha2(coalesce(col(Columns.PAYLOAD_BYTES), lit(new byte[0])), 256);
    }

    /** The UTC wall-time copies of the event and ingest times (the session time zone is UTC). */
    private static Dataset<Row> withUtcWallTimes(Dataset<Row> records) {
        return records.withColumn(
                        Columns.EVENT_TIME_UTC, col(Columns.EVENT_TIME).cast(DataTypes.TimestampNTZType))
                .withColumn(Columns.INGESTED_AT_UTC, col(Columns.INGESTED_AT).cast(DataTypes.TimestampNTZType));
    }

    /**
     * Disjoint validity segments per (tenant, app): every boundary of every entitlement starts a
     * segment that runs to the next boundary (the last one is open-ended). A segment lists the
     * entitlements covering all of it, sorted by id.
     */
    static Dataset<Row> segments(Dataset<Row> entitlements) {
        Dataset<Row> boundaries = entitlements
                .select(
                        col(Columns.TENANT_ID),
                        col(Columns.APP_ID),
                        col(Columns.VALID_FROM).as(Columns.SEGMENT_BOUNDARY))
                .union(entitlements
                        .where(col(Columns.VALID_TO).isNotNull())
                        .select(col(Columns.TENANT_ID), col(Columns.APP_ID), col(Columns.VALID_TO)))
                .distinct();
        WindowSpec byTime =
                Window.partitionBy(col(Columns.TENANT_ID), col(Columns.APP_ID)).orderBy(col(Columns.SEGMENT_BOUNDARY));
        Dataset<Row> segments = boundaries
                .withColumn(
                        Columns.SEGMENT_END,
                        lead(col(Columns.SEGMENT_BOUNDARY), 1).over(byTime))
                .select(
                        col(Columns.TENANT_ID).as(Columns.SEGMENT_TENANT_ID),
                                col(Columns.APP_ID).as(Columns.SEGMENT_APP_ID),
                        col(Columns.SEGMENT_BOUNDARY).as(Columns.SEGMENT_START), col(Columns.SEGMENT_END));
        Column covers = col(Columns.SEGMENT_TENANT_ID)
                .equalTo(col(Columns.TENANT_ID))
                .and(col(Columns.SEGMENT_APP_ID).equalTo(col(Columns.APP_ID)))
                .and(col(Columns.VALID_FROM).leq(col(Columns.SEGMENT_START)))
                .and(col(Columns.VALID_TO)
                        .isNull()
                        .or(col(Columns.SEGMENT_END)
                                .isNotNull()
                                .and(col(Columns.VALID_TO).geq(col(Columns.SEGMENT_END)))));
        Column entitlement = struct(
                col(Columns.ENTITLEMENT_ID),
                col(Columns.SUBSCRIPTION_ID),
                col(Columns.BILLING_ACCOUNT_ID),
                col(Columns.PLAN));
        return segments.join(entitlements, covers, "inner")
                .groupBy(
                        col(Columns.SEGMENT_TENANT_ID),
                        col(Columns.SEGMENT_APP_ID),
                        col(Columns.SEGMENT_START),
                        col(Columns.SEGMENT_END))
                .agg(
                        count(lit(1)).as(Columns.SEGMENT_MATCHES),
                        sort_array(collect_list(entitlement)).as(Columns.SEGMENT_ENTITLEMENTS));
    }

    private static Dataset<Row> project(Dataset<Row> dataset, String[] names) {
        return dataset.select(Arrays.stream(names).map(name -> col(name)).toArray(Column[]::new));
    }

    /** What {@link #check} adds: the parsed fields, the canonical quantity and unit. */
    private static final org.apache.spark.sql.types.StructType CHECKED = Tables.PARSED_FIELDS
            .add(Columns.QUANTITY, Tables.QUANTITY_TYPE, true)
            .add(Columns.UNIT, DataTypes.StringType, true);

    /** A timestamp as Spark hands it to a function: {@code java.sql.Timestamp}, or {@code Instant} (Java 8 API). */
    private static Instant instant(Object timestamp) {
        return timestamp instanceof java.sql.Timestamp sql ? sql.toInstant() : (Instant) timestamp;
    }

    static Row toRow(EventRules.Verdict verdict) {
        ParsedEvent event = verdict.event();
        String reason = verdict.reason() == null ? null : verdict.reason().name();
        if (event == null) {
            return RowFactory.create(
                    verdict.text(),
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    reason,
                    verdict.detail(),
                    null,
                    null);
        }
        return RowFactory.create(
                verdict.text(),
                event.schemaVersion(),
                event.eventId(),
                event.source(),
                event.tenantId(),
                event.appId(),
                event.metric(),
                verdict.inputUnit(),
                event.inputQuantity(),
                event.eventTime(),
                event.attributes(),
                event.action(),
                event.targetEventId(),
                reason,
                verdict.detail(),
                verdict.quantity(),
                verdict.unit());
    }

    /** One validation rule: records still accepted for which {@code fails} holds get {@code reason}. */
    private record Rule(ReasonCode reason, Column fails, Column detail) {
        /** Applies rules in order; the first that fails names the reason, earlier reasons stay. */
        static Dataset<Row> apply(Dataset<Row> dataset, List<Rule> rules) {
            Column reason = when(col(Columns.REASON).isNotNull(), col(Columns.REASON));
            Column detail = when(col(Columns.REASON).isNotNull(), col(Columns.DETAIL));
            for (Rule rule : rules) {
                reason = reason.when(rule.fails(), lit(rule.reason().name()));
                detail = detail.when(rule.fails(), rule.detail());
            }
            // Both columns are computed from the incoming reason: replace them together.
            return dataset.select(col("*"), reason.as(Columns.NEXT_REASON), detail.as(Columns.NEXT_DETAIL))
                    .drop(Columns.REASON, Columns.DETAIL)
                    .withColumnRenamed(Columns.NEXT_REASON, Columns.REASON)
                    .withColumnRenamed(Columns.NEXT_DETAIL, Columns.DETAIL);
        }
    }
}
