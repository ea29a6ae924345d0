package io.meterlake.pipeline;

import io.meterlake.catalog.Metric;
import io.meterlake.catalog.MetricCatalog;
import io.meterlake.config.Durations;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.validation.EventParser;
import io.meterlake.validation.ParseResult;
import io.meterlake.validation.ParsedEvent;
import io.meterlake.validation.Quantities;
import io.meterlake.validation.ReasonCode;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.encode;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.lead;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map;
import static org.apache.spark.sql.functions.map_entries;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.unix_micros;
import static org.apache.spark.sql.functions.when;

/**
 * The stages every ingestion path runs, in this order: parse, validate, normalize, attribute.
 *
 * <p>Each stage is a pure {@code Dataset<Row> -> Dataset<Row>} function (no reads, writes or
 * actions), usable on batch and streaming datasets alike, so the file backfill, the stream and the
 * nightly recompute give one meaning to every record. A record carries {@link Columns#REASON}
 * from the first stage that rejects it; later stages leave rejected records alone, so each record
 * gets exactly one {@link ReasonCode}, the first in that enum's order. {@link #accepted} and
 * {@link #quarantined} then split the result into the raw and quarantine table schemas: every
 * input record ends in exactly one of them.
 *
 * <p>Two steps are Java functions rather than built-ins, on purpose: JSON parsing (Spark's JSON
 * reader coerces types and reads numbers through {@code double}) and unit conversion (Spark's
 * decimal multiplication rounds). Both are exact here.
 */
public final class EventPipeline implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    private final MetricCatalog catalog;
    private final Duration maxClockSkew;
    private final Duration maxEventAge;

    public EventPipeline(MetricCatalog catalog, Duration maxClockSkew, Duration maxEventAge) {
        this.catalog = catalog;
        this.maxClockSkew = maxClockSkew;
        this.maxEventAge = maxEventAge;
    }

    /** All stages: records in {@link Tables#RECORD} form to attributed, reasoned records. */
    public Dataset<Row> process(Dataset<Row> records, Dataset<Row> entitlements) {
        return attribute(normalize(validate(parse(records))), entitlements);
    }

    /**
     * Reads each record's bytes as a schema-v1 event. Adds {@link Tables#PARSED_FIELDS} (the payload
     * as text among them); rejects with OVERSIZED, INVALID_ENCODING, MALFORMED_JSON,
     * UNSUPPORTED_SCHEMA_VERSION, MISSING_FIELD, BAD_TYPE, UNKNOWN_ACTION, INVALID_TARGET, or
     * UNPROCESSABLE should the parser fail.
     */
    public Dataset<Row> parse(Dataset<Row> records) {
        UserDefinedFunction parse = udf((UDF1<byte[], Row>) EventPipeline::parseToRow, Tables.PARSED_FIELDS);
        List<Column> columns = new ArrayList<>();
        for (String name : records.columns()) {
            columns.add(col(name));
        }
        for (String name : Tables.PARSED_FIELDS.fieldNames()) {
            columns.add(col(Columns.PARSED + "." + name).as(name));
        }
        return records.withColumn(Columns.PARSED, parse.apply(col(Columns.PAYLOAD_BYTES)))
                .select(columns.toArray(Column[]::new));
    }

    /**
     * Checks parsed events against the catalog and the ingest time: UNKNOWN_METRIC, MISSING_FIELD (an
     * event of a UNIQUE_COUNT metric, or an amend of one, without the attribute the metric counts; a
     * void needs none), UNIT_NOT_ACCEPTED, NON_FINITE_QUANTITY, NEGATIVE_QUANTITY, EVENT_TIME_IN_FUTURE,
     * EVENT_TOO_OLD, in that order.
     */
    public Dataset<Row> validate(Dataset<Row> parsed) {
        Column metric = col(Columns.METRIC);
        Column quantity = col(Columns.INPUT_QUANTITY);
        // A void that names no unit is in the metric's canonical one.
        parsed = parsed.withColumn(Columns.INPUT_UNIT, coalesce(col(Columns.INPUT_UNIT),
                element_at(canonicalUnits(), metric)));
        Column eventMicros = unix_micros(col(Columns.EVENT_TIME));
        Column ingestMicros = unix_micros(col(Columns.INGESTED_AT));
        List<Rule> rules = List.of(
                new Rule(ReasonCode.UNKNOWN_METRIC, element_at(unitFactors(), metric).isNull(),
                        concat(lit("metric '"), metric, lit("' is not in the metric catalog"))),
                new Rule(ReasonCode.MISSING_FIELD, missingProperty(), concat(lit("attributes."), propertyOf(metric),
                        lit(" is missing: metric '"), metric, lit("' counts the distinct values of "), propertyOf(metric),
                        lit(" (UNIQUE_COUNT)"))),
                new Rule(ReasonCode.UNIT_NOT_ACCEPTED, factor().isNull(),
                        concat(lit("unit '"), col(Columns.INPUT_UNIT), lit("' is not accepted for metric '"), metric,
                                lit("'"))),
                new Rule(ReasonCode.NON_FINITE_QUANTITY, quantity.isin(Quantities.NON_FINITE.toArray()),
                        concat(lit("quantity is "), quantity)),
                new Rule(ReasonCode.NEGATIVE_QUANTITY, quantity.startsWith("-"),
                        concat(lit("quantity "), quantity, lit(" is negative"))),
                new Rule(ReasonCode.EVENT_TIME_IN_FUTURE,
                        eventMicros.gt(ingestMicros.plus(lit(micros(maxClockSkew)))),
                        concat(lit("event_time "), col(Columns.EVENT_TIME).cast("string"),
                                lit(" UTC is more than " + Durations.render(maxClockSkew) + " after ingest time "),
                                col(Columns.INGESTED_AT).cast("string"))),
                new Rule(ReasonCode.EVENT_TOO_OLD,
                        eventMicros.lt(ingestMicros.minus(lit(micros(maxEventAge)))),
                        concat(lit("event_time "), col(Columns.EVENT_TIME).cast("string"),
                                lit(" UTC is more than " + Durations.render(maxEventAge) + " before ingest time "),
                                col(Columns.INGESTED_AT).cast("string"))));
        return Rule.apply(parsed, rules);
    }

    /**
     * Converts quantities to the metric's canonical unit, exactly: adds {@link Columns#QUANTITY}
     * ({@code decimal(38,9)}) and {@link Columns#UNIT}; rejects PRECISION_OVERFLOW when the result
     * would need rounding, and QUANTITY_ABOVE_MAXIMUM above the metric's {@code max_quantity}.
     */
    public Dataset<Row> normalize(Dataset<Row> validated) {
        UserDefinedFunction convert = udf((UDF2<String, String, Row>) EventPipeline::toCanonical, CONVERTED);
        Column pending = col(Columns.REASON).isNull();
        Column canonicalUnit = element_at(canonicalUnits(), col(Columns.METRIC));
        Dataset<Row> converted = validated
                .withColumn(Columns.CONVERTED, when(pending, convert.apply(col(Columns.INPUT_QUANTITY), factor())))
                .withColumn(Columns.QUANTITY, col(Columns.CONVERTED + "." + Columns.QUANTITY))
                .withColumn(Columns.UNIT, when(pending, canonicalUnit));
        Column maximum = element_at(maxQuantities(), col(Columns.METRIC));
        return Rule.apply(converted, List.of(
                new Rule(ReasonCode.UNPROCESSABLE, col(Columns.CONVERTED + "." + Columns.FAILURE).isNotNull(),
                        col(Columns.CONVERTED + "." + Columns.FAILURE)),
                new Rule(ReasonCode.PRECISION_OVERFLOW, col(Columns.QUANTITY).isNull(),
                        concat(lit("quantity "), col(Columns.INPUT_QUANTITY), lit(" "), col(Columns.INPUT_UNIT),
                                lit(" is not exact in decimal(38,9) "), canonicalUnit)),
                new Rule(ReasonCode.QUANTITY_ABOVE_MAXIMUM, col(Columns.QUANTITY).gt(maximum),
                        concat(lit("quantity "), col(Columns.QUANTITY).cast("string"), lit(" "), canonicalUnit,
                                lit(" is above the most one event of '"), col(Columns.METRIC), lit("' may carry, "),
                                maximum.cast("string"), lit(" (max_quantity in the metric catalog)")))))
                .drop(Columns.CONVERTED);
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
        Column joinCondition = col(Columns.TENANT_ID).equalTo(col(Columns.SEGMENT_TENANT_ID))
                .and(col(Columns.APP_ID).equalTo(col(Columns.SEGMENT_APP_ID)))
                .and(col(Columns.EVENT_TIME).geq(col(Columns.SEGMENT_START)))
                .and(col(Columns.SEGMENT_END).isNull().or(col(Columns.EVENT_TIME).lt(col(Columns.SEGMENT_END))))
                .and(col(Columns.REASON).isNull());
        Dataset<Row> joined = normalized.join(segments, joinCondition, "left_outer");
        Column matches = coalesce(col(Columns.SEGMENT_MATCHES), lit(0L));
        Column covering = concat_ws(", ", col(Columns.SEGMENT_ENTITLEMENTS).getField(Columns.ENTITLEMENT_ID));
        Column where = concat(lit("tenant_id '"), col(Columns.TENANT_ID), lit("', app_id '"), col(Columns.APP_ID),
                lit("' at "), col(Columns.EVENT_TIME).cast("string"), lit(" UTC"));
        Dataset<Row> reasoned = Rule.apply(joined, List.of(
                new Rule(ReasonCode.UNATTRIBUTED, matches.equalTo(0L),
                        concat(lit("no entitlement covers "), where)),
                new Rule(ReasonCode.AMBIGUOUS_ATTRIBUTION, matches.gt(1L),
                        concat(lit("entitlements "), covering, lit(" all cover "), where))));
        Column single = col(Columns.REASON).isNull();
        Column entitlement = element_at(col(Columns.SEGMENT_ENTITLEMENTS), 1);
        return reasoned
                .withColumn(Columns.ENTITLEMENT_ID, when(single, entitlement.getField(Columns.ENTITLEMENT_ID)))
                .withColumn(Columns.SUBSCRIPTION_ID, when(single, entitlement.getField(Columns.SUBSCRIPTION_ID)))
                .withColumn(Columns.BILLING_ACCOUNT_ID, when(single, entitlement.getField(Columns.BILLING_ACCOUNT_ID)))
                .withColumn(Columns.PLAN, when(single, entitlement.getField(Columns.PLAN)))
                .drop(Columns.SEGMENT_TENANT_ID, Columns.SEGMENT_APP_ID, Columns.SEGMENT_START, Columns.SEGMENT_END,
                        Columns.SEGMENT_MATCHES, Columns.SEGMENT_ENTITLEMENTS);
    }

    /** Accepted records in {@link Tables#RAW} form. */
    public static Dataset<Row> accepted(Dataset<Row> processed) {
        Column attributesInOrder = to_json(array_sort(map_entries(col(Columns.ATTRIBUTES))));
        Column[] fields = {col(Columns.SOURCE), col(Columns.EVENT_ID), col(Columns.TENANT_ID),
            col(Columns.APP_ID), col(Columns.METRIC), col(Columns.QUANTITY).cast("string"), col(Columns.UNIT),
            unix_micros(col(Columns.EVENT_TIME)), coalesce(attributesInOrder, lit("[]"))};
        // A correction's content adds its kind and target; a usage event's is what it always was.
        Column[] correction = java.util.Arrays.copyOf(fields, fields.length + 2);
        correction[fields.length] = col(Columns.ACTION);
        correction[fields.length + 1] = col(Columns.TARGET_EVENT_ID);
        Column content = when(col(Columns.ACTION).isNull(), to_json(struct(fields)))
                .otherwise(to_json(struct(correction)));
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
        Dataset<Row> rejected = processed.where(col(Columns.REASON).isNotNull())
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
        return records
                .withColumn(Columns.EVENT_TIME_UTC, col(Columns.EVENT_TIME).cast(DataTypes.TimestampNTZType))
                .withColumn(Columns.INGESTED_AT_UTC, col(Columns.INGESTED_AT).cast(DataTypes.TimestampNTZType));
    }

    /**
     * Disjoint validity segments per (tenant, app): every boundary of every entitlement starts a
     * segment that runs to the next boundary (the last one is open-ended). A segment lists the
     * entitlements covering all of it, sorted by id.
     */
    static Dataset<Row> segments(Dataset<Row> entitlements) {
        Dataset<Row> boundaries = entitlements
                .select(col(Columns.TENANT_ID), col(Columns.APP_ID), col(Columns.VALID_FROM).as(Columns.SEGMENT_BOUNDARY))
                .union(entitlements.where(col(Columns.VALID_TO).isNotNull())
                        .select(col(Columns.TENANT_ID), col(Columns.APP_ID), col(Columns.VALID_TO)))
                .distinct();
        WindowSpec byTime = Window.partitionBy(col(Columns.TENANT_ID), col(Columns.APP_ID))
                .orderBy(col(Columns.SEGMENT_BOUNDARY));
        Dataset<Row> segments = boundaries
                .withColumn(Columns.SEGMENT_END, lead(col(Columns.SEGMENT_BOUNDARY), 1).over(byTime))
                .select(col(Columns.TENANT_ID).as(Columns.SEGMENT_TENANT_ID), col(Columns.APP_ID).as(Columns.SEGMENT_APP_ID),
                        col(Columns.SEGMENT_BOUNDARY).as(Columns.SEGMENT_START), col(Columns.SEGMENT_END));
        Column covers = col(Columns.SEGMENT_TENANT_ID).equalTo(col(Columns.TENANT_ID))
                .and(col(Columns.SEGMENT_APP_ID).equalTo(col(Columns.APP_ID)))
                .and(col(Columns.VALID_FROM).leq(col(Columns.SEGMENT_START)))
                .and(col(Columns.VALID_TO).isNull()
                        .or(col(Columns.SEGMENT_END).isNotNull().and(col(Columns.VALID_TO).geq(col(Columns.SEGMENT_END)))));
        Column entitlement = struct(col(Columns.ENTITLEMENT_ID), col(Columns.SUBSCRIPTION_ID),
                col(Columns.BILLING_ACCOUNT_ID), col(Columns.PLAN));
        return segments.join(entitlements, covers, "inner")
                .groupBy(col(Columns.SEGMENT_TENANT_ID), col(Columns.SEGMENT_APP_ID), col(Columns.SEGMENT_START),
                        col(Columns.SEGMENT_END))
                .agg(count(lit(1)).as(Columns.SEGMENT_MATCHES),
                        sort_array(collect_list(entitlement)).as(Columns.SEGMENT_ENTITLEMENTS));
    }

    private static Dataset<Row> project(Dataset<Row> dataset, String[] names) {
        return dataset.select(Arrays.stream(names).map(name -> col(name)).toArray(Column[]::new));
    }

    /** metric -> (accepted unit -> factor as exact decimal text). */
    private Column unitFactors() {
        List<Column> entries = new ArrayList<>();
        for (Metric metric : catalog.metrics()) {
            List<Column> units = new ArrayList<>();
            metric.unitFactors().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(unit -> {
                units.add(lit(unit.getKey()));
                units.add(lit(unit.getValue().toPlainString()));
            });
            entries.add(lit(metric.name()));
            entries.add(map(units.toArray(Column[]::new)));
        }
        return map(entries.toArray(Column[]::new));
    }

    /** The attribute a UNIQUE_COUNT metric counts, for the row's metric; null for other metrics. */
    private Column propertyOf(Column metric) {
        Column property = lit(null).cast(DataTypes.StringType);
        for (Metric each : catalog.metrics()) {
            if (each.property() != null) {
                property = when(metric.equalTo(each.name()), lit(each.property())).otherwise(property);
            }
        }
        return property;
    }

    /** A record of a UNIQUE_COUNT metric, not a void, whose attributes lack the metric's property. */
    private Column missingProperty() {
        Column property = propertyOf(col(Columns.METRIC));
        return property.isNotNull().and(coalesce(col(Columns.ACTION).notEqual(lit(EventParser.VOID)), lit(true)))
                .and(element_at(coalesce(col(Columns.ATTRIBUTES), map().cast(Tables.ATTRIBUTES_TYPE)), property).isNull());
    }

    /** metric -> max_quantity, in the canonical unit. */
    private Column maxQuantities() {
        return map(catalog.metrics().stream()
                .flatMap(metric -> Stream.of(lit(metric.name()), lit(metric.maxQuantity()).cast(Tables.QUANTITY_TYPE)))
                .toArray(Column[]::new));
    }

    private Column canonicalUnits() {
        return map(catalog.metrics().stream()
                .flatMap(metric -> Stream.of(lit(metric.name()), lit(metric.canonicalUnit())))
                .toArray(Column[]::new));
    }

    private Column factor() {
        return element_at(element_at(unitFactors(), col(Columns.METRIC)), col(Columns.INPUT_UNIT));
    }

    private static long micros(Duration duration) {
        return duration.toNanos() / 1_000;
    }

    private static final EventParser PARSER = new EventParser();

    /** What the conversion UDF returns: the canonical quantity, or why the conversion failed. */
    private static final org.apache.spark.sql.types.StructType CONVERTED = new org.apache.spark.sql.types.StructType()
            .add(Columns.QUANTITY, Tables.QUANTITY_TYPE, true)
            .add(Columns.FAILURE, DataTypes.StringType, true);

    static Row parseToRow(byte[] bytes) {
        EventParser.Decoded decoded = EventParser.decode(bytes);
        ParseResult result = PARSER.parse(decoded, bytes);
        if (!result.accepted()) {
            return RowFactory.create(decoded.text(), null, null, null, null, null, null, null, null, null, null,
                    null, null, result.reason().name(), result.detail());
        }
        ParsedEvent event = result.event();
        return RowFactory.create(decoded.text(), event.schemaVersion(), event.eventId(), event.source(),
                event.tenantId(), event.appId(), event.metric(), event.inputUnit(), event.inputQuantity(),
                event.eventTime(), event.attributes(), event.action(), event.targetEventId(), null, null);
    }

    /** Never raises: a failure becomes the row's {@code failure}, which quarantines it as UNPROCESSABLE. */
    static Row toCanonical(String inputQuantity, String factor) {
        if (inputQuantity == null || factor == null || Quantities.NON_FINITE.contains(inputQuantity)) {
            return RowFactory.create(null, null);
        }
        try {
            return RowFactory.create(Quantities.toCanonical(inputQuantity, new BigDecimal(factor)).orElse(null), null);
        } catch (RuntimeException e) {
            return RowFactory.create(null, "the unit conversion failed on quantity " + inputQuantity + " ("
                    + e.getClass().getName() + ")");
        }
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
