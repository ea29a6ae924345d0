package io.meterlake.batch.recompute;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.unhex;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import io.meterlake.period.Period;
import io.meterlake.pipeline.IngestOrder;
import io.meterlake.pipeline.UsageAggregation;
import io.meterlake.schema.Columns;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * A raw snapshot reduced to what billing reads, with the global deduplication: of each identity
 * (source, event_id), the first record in ingest order is the event, and an identity received with
 * more than one content is conflicted. One window pass over each identity in ingest order gives every
 * record of a period its flags; a period's results ({@link PeriodUsage}) read that pass once.
 *
 * <p>Corrections ({@link Columns#ACTION} {@code void} or {@code amend}) are events of their own
 * identity that are never billed; each is resolved against its target ({@link #corrections}), and the
 * one applied per target voids it or replaces its quantity and unit in {@link #records}. A correction
 * and its target share their event time (else the correction does not apply), so both lie in the
 * period's span. Only a snapshot with corrections in the period pays for them: a scan of the
 * {@code action} column finds none otherwise.
 *
 * <p>Ingest order is {@link IngestOrder}'s (each event keeps its place in it as
 * {@link Columns#INGEST_ORDER}, for {@code LATEST}). Pure: no clock, no reads beyond the snapshot the
 * caller pinned. Lazy: nothing is computed until a result is collected, except the corrections, which
 * are resolved (and kept) when first needed.
 */
public final class RankedRaw {
    /** The record is its identity's first in ingest order: an event. */
    static final String EVENT = "_event";
    /** The record's identity was received with more than one content. */
    static final String CONFLICTED = "_conflicted";
    /** The first record of a conflicted identity in the period: counts the identity once. */
    static final String COUNTS_CONFLICT = "_counts_conflict";
    /** True on a record a quarantine replay accepted (raw's replayed_from is set). */
    static final String REPLAYED = "_replayed";
    /** True on an event an applied correction voided or amended. */
    static final String CORRECTED = "_corrected";
    /** {@link Columns#CARRIED}: a time-weighted sample before the period, read for its lines, not an event. */
    static final String CARRIED = Columns.CARRIED;

    private static final String CONTENT = "_content";
    static final String IN_PERIOD = "_in_period";
    static final String WINNER = "_w_";

    private final Dataset<Row> input;
    /** The only period {@link #forPeriod}'s span can answer for; null for the whole table. */
    private final Period bound;

    /** Resolved corrections per period (key: the period, or "" for the whole table). */
    private final java.util.Map<String, java.util.List<Correction>> corrections = new java.util.HashMap<>();

    /** How many partitions the window pass shuffles into; 0 for {@code spark.sql.shuffle.partitions}. */
    private final int partitions;

    private RankedRaw(Dataset<Row> input, Period bound, int partitions) {
        this.input = input;
        this.bound = bound;
        this.partitions = partitions;
    }

    /** Parquet bytes of the span per partition of the window pass: its sort then stays in memory. */
    static final long BYTES_PER_PARTITION = 128L << 20;

    /**
     * Every record of {@code raw}, ranked over the whole table. Only for revisions published before
     * the dedup horizon (their headers record none), and for tests that compare the bounded ranking
     * with this one.
     */
    public static RankedRaw of(Dataset<Row> raw) {
        return new RankedRaw(raw.select(BilledColumns.of(raw)), null, 0);
    }

    /**
     * The records {@code period} depends on, ranked: every record whose event time lies in the period,
     * and the records within {@code horizon} of it (event time in {@code [start - horizon, start)} or
     * {@code [end, end + horizon)}): an earlier copy there decides which in-period copy is an event,
     * and a conflicting one makes the identity conflicted. Reads only the {@code event_date} partitions
     * of that span, in one scan.
     *
     * <p>Every copy of one event carries the same event time, so exact duplicates always lie in one
     * partition; only a conflicting copy (same identity, other content) can carry another time, and
     * within the acceptance rules two copies ingested together lie at most
     * {@code max-event-age + max-clock-skew} apart (the default horizon). A copy beyond the horizon is
     * not compared: see the README ("The dedup horizon").
     */
    public static RankedRaw forPeriod(Dataset<Row> raw, Period period, Duration horizon) {
        Instant from = period.start().minus(horizon);
        Instant to = period.end().plus(horizon);
        // One scan: the filter on event_date alone comes first, so that Delta prunes to the span's partitions.
        java.time.LocalDate[] dates = partitionsRead(period, horizon);
        Dataset<Row> span = raw.where(
                col(Columns.EVENT_DATE).between(java.sql.Date.valueOf(dates[0]), java.sql.Date.valueOf(dates[1])));
        return new RankedRaw(span.where(between(from, to)).select(BilledColumns.of(raw)), period, partitionsFor(span));
    }

    /**
     * Partitions for the window pass over {@code span}: one per {@link #BYTES_PER_PARTITION} of its
     * files (the size Delta's log records for the partitions read, no file is opened), at least
     * {@code spark.sql.shuffle.partitions}. A month of a busy system sorts in many small partitions
     * instead of spilling a few large ones to disk.
     */
    private static int partitionsFor(Dataset<Row> span) {
        long bytes = span.queryExecution().optimizedPlan().stats().sizeInBytes().longValue();
        int configured = span.sparkSession().sessionState().conf().numShufflePartitions();
        return (int) Math.max(configured, Math.min(10_000, (bytes + BYTES_PER_PARTITION - 1) / BYTES_PER_PARTITION));
    }

    /**
     * The first and last {@code event_date} partition {@link #forPeriod} reads for {@code period}
     * with {@code horizon}: what verifying the period needs of raw's files.
     */
    public static java.time.LocalDate[] partitionsRead(Period period, Duration horizon) {
        return new java.time.LocalDate[] {
            utcDate(period.start().minus(horizon)),
            utcDate(period.end().plus(horizon).minusNanos(1000))
        };
    }

    /**
     * The records of {@code period} that its results read (its events, and its records of conflicted
     * identities), each with {@link #EVENT}, {@link #CONFLICTED} and {@link #COUNTS_CONFLICT}; with a
     * null period, every record, without {@link #COUNTS_CONFLICT}. One window pass per identity in
     * ingest order, over every record of the snapshot (a first copy outside the period still decides).
     */
    Dataset<Row> records(Period period) {
        return records(period, null);
    }

    /**
     * As {@link #records(Period)}, each with {@link Columns#DISTINCT_VALUE} per {@code aggregation}'s
     * catalog (an amended event's from its amend's attributes); null values without one.
     */
    Dataset<Row> records(Period period, UsageAggregation aggregation) {
        return records(period, false, aggregation);
    }

    private Dataset<Row> records(Period period, boolean full, UsageAggregation aggregation) {
        checkBound(period);
        Dataset<Row> ranked = ranked(period, full, aggregation);
        if (full && period != null) {
            Column inPeriod = inPeriod(period);
            ranked = ranked.where(col(EVENT).and(inPeriod.or(carried(period, aggregation))))
                    .withColumn(CARRIED, org.apache.spark.sql.functions.not(inPeriod));
        } else if (period == null) {
            ranked = ranked.withColumn(CARRIED, lit(false));
        }
        java.util.List<Correction> applied = resolved(period, aggregation).stream()
                .filter(correction -> correction.outcome() == Correction.Outcome.APPLIED)
                .toList();
        // A correction is an event of its own identity, never billed; a carried sample is read, not an event.
        Column usage =
                col(EVENT).and(col(Columns.ACTION).isNull()).and(org.apache.spark.sql.functions.not(col(CARRIED)));
        Column sample = col(EVENT).and(col(Columns.ACTION).isNull());
        if (applied.isEmpty()) {
            return ranked.withColumn(EVENT, usage).withColumn(CORRECTED, lit(false));
        }
        Column winner = col(WINNER + Columns.ACTION);
        Column amended = sample.and(winner.equalTo(lit(io.meterlake.validation.EventParser.AMEND)));
        Column notVoided = coalesce(winner.notEqual(lit(io.meterlake.validation.EventParser.VOID)), lit(true));
        Column[] kept = java.util.Arrays.stream(ranked.columns())
                .map(name -> switch (name) {
                    case EVENT -> usage.and(notVoided).as(EVENT);
                    case CARRIED -> col(CARRIED).and(notVoided).as(CARRIED);
                    case Columns.QUANTITY ->
                        when(amended, col(WINNER + Columns.QUANTITY))
                                .otherwise(col(Columns.QUANTITY))
                                .as(Columns.QUANTITY);
                    case Columns.UNIT ->
                        when(amended, col(WINNER + Columns.UNIT))
                                .otherwise(col(Columns.UNIT))
                                .as(Columns.UNIT);
                    case Columns.DISTINCT_VALUE ->
                        when(amended, distinctValue(aggregation, col(WINNER + Columns.ATTRIBUTES)))
                                .otherwise(col(Columns.DISTINCT_VALUE))
                                .as(Columns.DISTINCT_VALUE);
                    default -> col(name);
                })
                .toArray(Column[]::new);
        java.util.List<Column> columns = new java.util.ArrayList<>(java.util.Arrays.asList(kept));
        columns.add(usage.and(winner.isNotNull()).as(CORRECTED));
        // The applied corrections are few beside the events: broadcast, so the events are not shuffled again.
        return ranked.join(
                        broadcast(CorrectionOutcomes.winners(input.sparkSession(), applied)),
                        col(Columns.SOURCE)
                                .equalTo(col(WINNER + Columns.SOURCE))
                                .and(col(Columns.EVENT_ID).equalTo(col(WINNER + Columns.EVENT_ID)))
                                .and(sample),
                        "left_outer")
                .select(columns.toArray(Column[]::new));
    }

    private void checkBound(Period period) {
        if (bound != null && !bound.equals(period)) {
            throw new IllegalArgumentException("ranked for " + bound + ", asked for " + period);
        }
    }

    /**
     * The corrections whose event time lies in {@code period} (every correction for a null period), each
     * with its outcome, ordered by source and event id. Resolved at the first call (a scan of the
     * {@code action} column; when it finds any, one ranking pass over the corrections and their
     * targets) and kept.
     */
    public java.util.List<Correction> corrections(Period period) {
        return corrections(period, null);
    }

    /**
     * As {@link #corrections(Period)}, resolved with the samples before the period that {@code aggregation}'s
     * {@code TIME_WEIGHTED} metrics carry into it (so that records(period, aggregation) resolves once).
     */
    public java.util.List<Correction> corrections(Period period, UsageAggregation aggregation) {
        return period == null
                ? resolved(null, aggregation)
                : resolved(period, aggregation).stream()
                        .filter(correction -> !correction.eventTime().isBefore(period.start()))
                        .toList();
    }

    /**
     * The corrections of {@code period} and of the samples it carries in ({@link UsageAggregation#carried}),
     * resolved once per period and lookback.
     */
    private java.util.List<Correction> resolved(Period period, UsageAggregation aggregation) {
        checkBound(period);
        java.time.Duration lookback = aggregation == null ? java.time.Duration.ZERO : aggregation.longestHold();
        return corrections.computeIfAbsent(
                (period == null ? "" : period) + "|" + lookback, key -> resolve(period, aggregation));
    }

    private java.util.List<Correction> resolve(Period period, UsageAggregation aggregation) {
        Column scope = period == null ? lit(true) : inPeriod(period).or(carried(period, aggregation));
        Dataset<Row> any = input.where(col(Columns.ACTION).isNotNull().and(scope));
        // Usually none: one look that reads no file (raw keeps statistics on action) and stops at the first.
        if (any.isEmpty()) {
            return java.util.List.of();
        }
        java.util.List<Row> keys = any.select(col(Columns.SOURCE), col(Columns.EVENT_ID), col(Columns.TARGET_EVENT_ID))
                .collectAsList();
        java.util.Set<Row> wanted = new java.util.HashSet<>();
        for (Row key : keys) {
            wanted.add(org.apache.spark.sql.RowFactory.create(key.getString(0), key.getString(1)));
            wanted.add(org.apache.spark.sql.RowFactory.create(key.getString(0), key.getString(2)));
        }
        org.apache.spark.sql.types.StructType identity = new org.apache.spark.sql.types.StructType()
                .add(Columns.SOURCE, org.apache.spark.sql.types.DataTypes.StringType, false)
                .add(Columns.EVENT_ID, org.apache.spark.sql.types.DataTypes.StringType, false);
        Dataset<Row> identities = input.sparkSession().createDataFrame(new java.util.ArrayList<>(wanted), identity);
        // The first record of each identity involved: the corrections and their targets, few rows.
        java.util.List<Row> rows = ranked(period, true, null)
                .where(col(EVENT))
                .join(
                        broadcast(identities),
                        scala.collection.JavaConverters.asScalaBuffer(
                                        java.util.List.of(Columns.SOURCE, Columns.EVENT_ID))
                                .toSeq(),
                        "left_semi")
                .withColumn(IN_PERIOD, scope)
                .collectAsList();
        return CorrectionOutcomes.decide(rows);
    }

    /**
     * The window pass: the records of the span, each with {@link #EVENT} and {@link #CONFLICTED}; for a
     * period, only its records that its results read (its events and its records of conflicted
     * identities) with {@link #COUNTS_CONFLICT}, unless {@code everyRecord}.
     */
    private Dataset<Row> ranked(Period period, boolean everyRecord, UsageAggregation aggregation) {
        // What the window shuffles and sorts, made small first: the ingest order as one struct (its
        // hashes as 32 bytes, not 64 hex characters) and the content hash as bytes.
        java.util.List<String> names = kept(everyRecord);
        java.util.List<Column> keyedColumns = new java.util.ArrayList<>();
        for (String name : names) {
            keyedColumns.add(
                    switch (name) {
                        case Columns.INGEST_ORDER -> IngestOrder.key().as(Columns.INGEST_ORDER);
                        case REPLAYED -> col(Columns.REPLAYED_FROM).isNotNull().as(REPLAYED);
                        case Columns.DISTINCT_VALUE ->
                            distinctValue(aggregation, col(Columns.ATTRIBUTES)).as(Columns.DISTINCT_VALUE);
                        case Columns.SERIES ->
                            (aggregation == null
                                            ? lit(null).cast(org.apache.spark.sql.types.DataTypes.StringType)
                                            : aggregation.series(
                                                    col(Columns.TENANT_ID),
                                                    col(Columns.APP_ID),
                                                    col(Columns.ATTRIBUTES)))
                                    .as(Columns.SERIES);
                        default -> col(name);
                    });
        }
        keyedColumns.add(unhex(col(Columns.CONTENT_SHA256)).as(CONTENT));
        Dataset<Row> keyed = input.select(keyedColumns.toArray(Column[]::new));
        // The identity's 64-bit hash leads the partitioning so that the sort compares longs, not shared
        // string prefixes ("forge-", "evt-"); it refines nothing, as it is a function of the identity.
        Column[] identityKey = {
            xxhash64(col(Columns.SOURCE), col(Columns.EVENT_ID)), col(Columns.SOURCE), col(Columns.EVENT_ID)
        };
        if (partitions > 0) {
            // The window's own shuffle, into as many partitions as the span needs (the same keys: no second one).
            keyed = keyed.repartition(partitions, identityKey);
        }
        WindowSpec identity = Window.partitionBy(identityKey).orderBy(col(Columns.INGEST_ORDER));
        WindowSpec wholeIdentity = identity.rowsBetween(Window.unboundedPreceding(), Window.unboundedFollowing());
        Column conflicted =
                min(col(CONTENT)).over(wholeIdentity).notEqual(max(col(CONTENT)).over(wholeIdentity));
        Column event = row_number().over(identity).equalTo(1);
        if (period == null || everyRecord) {
            return keyed.select(columns(names, event.as(EVENT), conflicted.as(CONFLICTED)));
        }
        Column inPeriod = inPeriod(period);
        // The identity's first record in the period: the only one with one in-period record up to it
        // (a count in the running frame row_number uses, cheaper than a minimum over the whole identity).
        Column firstInPeriod = inPeriod.and(count(when(inPeriod, lit(1)))
                .over(identity.rowsBetween(Window.unboundedPreceding(), Window.currentRow()))
                .equalTo(1));
        // With the samples before the period that a time-weighted metric carries into it: read, never events.
        return keyed.select(
                        columns(names, event.as(EVENT), conflicted.as(CONFLICTED), firstInPeriod.as(COUNTS_CONFLICT)))
                .where(inPeriod.and(col(EVENT).or(col(CONFLICTED)))
                        .or(carried(period, aggregation).and(col(EVENT))))
                .withColumn(CARRIED, org.apache.spark.sql.functions.not(inPeriod))
                .withColumn(CONFLICTED, col(CONFLICTED).and(inPeriod))
                .withColumn(COUNTS_CONFLICT, col(CONFLICTED).and(col(COUNTS_CONFLICT)));
    }

    /**
     * What a ranked record keeps (what the window shuffles, so no more than needed): the fields a
     * correction is checked against its target with only in the corrections' pass ({@code full}).
     */
    private static java.util.List<String> kept(boolean full) {
        java.util.List<String> names = new java.util.ArrayList<>(java.util.List.of(
                Columns.SOURCE,
                Columns.EVENT_ID,
                Columns.EVENT_TIME,
                Columns.SUBSCRIPTION_ID,
                Columns.ENTITLEMENT_ID,
                Columns.BILLING_ACCOUNT_ID,
                Columns.PLAN,
                Columns.METRIC,
                Columns.UNIT,
                Columns.QUANTITY,
                Columns.ACTION,
                Columns.INGEST_ORDER,
                REPLAYED,
                Columns.DISTINCT_VALUE,
                Columns.SERIES));
        if (full) {
            names.addAll(
                    java.util.List.of(Columns.TENANT_ID, Columns.APP_ID, Columns.TARGET_EVENT_ID, Columns.ATTRIBUTES));
        }
        return names;
    }

    /** {@code names}, then {@code flags}. */
    private static Column[] columns(java.util.List<String> names, Column... flags) {
        java.util.List<Column> columns =
                new java.util.ArrayList<>(names.stream().map(name -> col(name)).toList());
        columns.addAll(java.util.List.of(flags));
        return columns.toArray(Column[]::new);
    }

    private static java.time.LocalDate utcDate(Instant instant) {
        return instant.atOffset(java.time.ZoneOffset.UTC).toLocalDate();
    }

    private static Column between(Instant from, Instant to) {
        return col(Columns.EVENT_TIME)
                .geq(lit(Timestamp.from(from)))
                .and(col(Columns.EVENT_TIME).lt(lit(Timestamp.from(to))));
    }

    /** The events (first record of each identity) whose UTC event time lies in {@code period}. */
    public Dataset<Row> events(Period period) {
        return events(period, null);
    }

    /** As {@link #events(Period)}, with {@link Columns#DISTINCT_VALUE} per {@code aggregation}'s catalog. */
    public Dataset<Row> events(Period period, UsageAggregation aggregation) {
        return records(period, aggregation)
                .where(col(EVENT).or(col(CARRIED)))
                .drop(EVENT, CONFLICTED, COUNTS_CONFLICT, REPLAYED, CORRECTED);
    }

    /**
     * As {@link #events(Period, UsageAggregation)}, with each event's tenant_id and app_id (what a
     * correction of it must repeat).
     */
    public Dataset<Row> eventsWithTenant(Period period, UsageAggregation aggregation) {
        return records(period, true, aggregation)
                .where(col(EVENT).or(col(CARRIED)))
                .drop(EVENT, CONFLICTED, REPLAYED, CORRECTED, Columns.ATTRIBUTES);
    }

    /** {@link UsageAggregation#carried} of {@code period}, or false without an aggregation. */
    private static Column carried(Period period, UsageAggregation aggregation) {
        return aggregation == null ? lit(false) : aggregation.carried(period);
    }

    /** {@link UsageAggregation#distinctValue} of {@code attributes}, or a null value without an aggregation. */
    private static Column distinctValue(UsageAggregation aggregation, Column attributes) {
        return aggregation == null
                ? lit(null).cast(org.apache.spark.sql.types.DataTypes.StringType)
                : aggregation.distinctValue(attributes);
    }

    /**
     * Every record (first or not) of an identity received with different contents: of every period
     * for {@link #of}, of its period for {@link #forPeriod}.
     */
    public Dataset<Row> conflictedRecords() {
        return records(bound)
                .where(col(CONFLICTED))
                .drop(
                        EVENT,
                        CONFLICTED,
                        COUNTS_CONFLICT,
                        REPLAYED,
                        CORRECTED,
                        CARRIED,
                        Columns.SERIES,
                        Columns.DISTINCT_VALUE);
    }

    /** Conflicted identities with at least one record in {@code period}. */
    public long conflictedIdentities(Period period) {
        return records(period).where(col(COUNTS_CONFLICT)).count();
    }

    /** Events whose UTC event time lies in the period. */
    public static Column inPeriod(Period period) {
        return between(period.start(), period.end());
    }
}
