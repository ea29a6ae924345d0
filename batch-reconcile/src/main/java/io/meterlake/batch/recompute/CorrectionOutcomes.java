package io.meterlake.batch.recompute;

import io.meterlake.pipeline.IngestOrder;
import io.meterlake.schema.Columns;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What happens to each correction of a recompute (applied, superseded, refused and why), decided from the
 * first record of every identity involved, and the applied ones as rows keyed by their target.
 */
final class CorrectionOutcomes {
    private CorrectionOutcomes() {}

    private static final org.apache.spark.sql.types.StructType WINNERS = new org.apache.spark.sql.types.StructType()
            .add(RankedRaw.WINNER + Columns.SOURCE, org.apache.spark.sql.types.DataTypes.StringType, false)
            .add(RankedRaw.WINNER + Columns.EVENT_ID, org.apache.spark.sql.types.DataTypes.StringType, false)
            .add(RankedRaw.WINNER + Columns.ACTION, org.apache.spark.sql.types.DataTypes.StringType, false)
            .add(RankedRaw.WINNER + Columns.QUANTITY, io.meterlake.schema.Tables.QUANTITY_TYPE, true)
            .add(RankedRaw.WINNER + Columns.UNIT, org.apache.spark.sql.types.DataTypes.StringType, true)
            .add(RankedRaw.WINNER + Columns.ATTRIBUTES, io.meterlake.schema.Tables.ATTRIBUTES_TYPE, true);

    /** The applied corrections as rows keyed by their target. */
    static Dataset<Row> winners(org.apache.spark.sql.SparkSession spark, java.util.List<Correction> applied) {
        java.util.List<Row> rows = new java.util.ArrayList<>();
        for (Correction correction : applied) {
            rows.add(org.apache.spark.sql.RowFactory.create(
                    correction.source(),
                    correction.targetEventId(),
                    correction.action(),
                    correction.quantity(),
                    correction.unit(),
                    correction.attributes() == null
                            ? null
                            : scala.collection.JavaConverters.mapAsScalaMap(correction.attributes())));
        }
        return spark.createDataFrame(rows, WINNERS);
    }

    /**
     * The outcome of each correction among {@code rows} (the first record of each correction and target,
     * {@code _in_period} marking those in scope): per target, the applicable corrections latest first, the
     * first of each applied; ordered by source and event id.
     */
    static java.util.List<Correction> decide(java.util.List<Row> rows) {
        java.util.Map<java.util.List<String>, Row> events = new java.util.HashMap<>();
        for (Row row : rows) {
            events.put(java.util.List.of(row.getAs(Columns.SOURCE), row.getAs(Columns.EVENT_ID)), row);
        }
        // Per target, the applicable corrections latest first; the first of each is applied.
        java.util.List<Row> inScope = rows.stream()
                .filter(row -> row.getAs(Columns.ACTION) != null && row.<Boolean>getAs(RankedRaw.IN_PERIOD))
                .sorted(java.util.Comparator.comparing(
                                (Row row) -> row.<Row>getAs(Columns.INGEST_ORDER), IngestOrder.ORDER)
                        .reversed())
                .toList();
        java.util.Set<java.util.List<String>> taken = new java.util.HashSet<>();
        java.util.List<Correction> result = new java.util.ArrayList<>();
        for (Row correction : inScope) {
            java.util.List<String> targetKey =
                    java.util.List.of(correction.getAs(Columns.SOURCE), correction.getAs(Columns.TARGET_EVENT_ID));
            Row target = events.get(targetKey);
            Correction.Outcome outcome;
            if (target == null) {
                outcome = Correction.Outcome.TARGET_MISSING;
            } else if (target.getAs(Columns.ACTION) != null) {
                outcome = Correction.Outcome.TARGETS_A_CORRECTION;
            } else if (!java.util.stream.Stream.of(
                            Columns.TENANT_ID, Columns.APP_ID, Columns.METRIC, Columns.EVENT_TIME)
                    .allMatch(field -> java.util.Objects.equals(target.getAs(field), correction.getAs(field)))) {
                outcome = Correction.Outcome.FIELDS_DIFFER;
            } else {
                outcome = taken.add(targetKey) ? Correction.Outcome.APPLIED : Correction.Outcome.SUPERSEDED;
            }
            result.add(new Correction(
                    correction.getAs(Columns.SOURCE),
                    correction.getAs(Columns.EVENT_ID),
                    correction.getAs(Columns.ACTION),
                    correction.getAs(Columns.TARGET_EVENT_ID),
                    outcome,
                    correction.<java.sql.Timestamp>getAs(Columns.EVENT_TIME).toInstant(),
                    correction.getAs(Columns.METRIC),
                    correction.getAs(Columns.QUANTITY),
                    correction.getAs(Columns.UNIT),
                    correction.getAs(Columns.SUBSCRIPTION_ID),
                    correction.getAs(Columns.ENTITLEMENT_ID),
                    correction.getAs(Columns.BILLING_ACCOUNT_ID),
                    target == null ? null : target.getAs(Columns.QUANTITY),
                    correction.isNullAt(correction.fieldIndex(Columns.ATTRIBUTES))
                            ? null
                            : scala.collection.JavaConverters.mapAsJavaMap(
                                    correction.<scala.collection.Map<String, String>>getAs(Columns.ATTRIBUTES))));
        }
        result.sort(java.util.Comparator.comparing(Correction::source).thenComparing(Correction::eventId));
        return java.util.List.copyOf(result);
    }
}
