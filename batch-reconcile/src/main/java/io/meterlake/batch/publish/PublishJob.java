package io.meterlake.batch.publish;

import io.meterlake.batch.BatchErrors;
import io.meterlake.batch.reconcile.ReconcileJob;
import io.meterlake.batch.reconcile.ReconcileResult;
import io.meterlake.batch.reconcile.StreamWatermark;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.model.BillingLine;
import io.meterlake.model.CorrectionLine;
import io.meterlake.period.Period;
import io.meterlake.schema.Tables;
import io.meterlake.signing.CanonicalRendering;
import io.meterlake.signing.Signing;
import io.meterlake.table.Lease;
import io.meterlake.table.Warehouse;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code publish}: reconciles the period (at a given raw version, or the current one) and signs
 * exactly the lines that run wrote to {@code usage_aggregates_authoritative}, as a new revision of
 * {@code billing_periods} and {@code billing_period_lines} (both append-only), unless they equal the
 * latest revision's lines. So the authoritative table, the reconciliation report and the signed
 * lines always come from one run, at one raw version; reconciling again at that version writes
 * nothing.
 *
 * <p>A period that has not ended is never published, whatever the mode: its lines would be signed
 * and kept forever in append-only tables while usage still arrives. {@link PublishMode#FORCE}
 * skips only the wait for the grace period and the stream's watermark.
 *
 * <p>Order of writes: the lines, then the header; a revision exists once its header does. Each append
 * is idempotent (Delta transaction ids per period and revision), so a publish repeated after a crash
 * completes the revision instead of writing it twice; lines an interrupted attempt left under another
 * content hash are never read (see {@link BillingPeriods#lines}). Two publishers racing for one
 * revision cannot both write it: a publish holds the warehouse's {@code publish} {@link Lease}, so a
 * second one is refused at once (exit 75, naming the first), and should two ever race anyway, the
 * loser's header append is skipped or conflicts and it exits 75 saying which revision the other wrote.
 */
public final class PublishJob {
    private static final Logger LOG = LoggerFactory.getLogger(PublishJob.class);
    private final SparkSession spark;
    private final MeterlakeConfig config;
    private final Clock clock;
    private final Warehouse warehouse;
    private final BillingPeriods periods;

    /** {@code clock}: only for readiness and {@code published_at}, never for the lines. */
    public PublishJob(SparkSession spark, MeterlakeConfig config, Clock clock) {
        this.spark = spark;
        this.config = config;
        this.clock = clock;
        this.warehouse = new Warehouse(spark, config.warehouse());
        this.periods = new BillingPeriods(warehouse);
    }

    /** Refuses (exit 2) a period that has not ended at {@code now}, whatever the mode. */
    public static void requireEnded(Period period, Instant now) {
        if (now.isBefore(period.end())) {
            throw BatchErrors.notEnded(period, now);
        }
    }

    /** Whether {@code period} may be published now. */
    public Readiness readiness(Period period, Duration grace) {
        return Readiness.of(period, grace, clock.instant(), StreamWatermark.latest(warehouse));
    }

    /**
     * Publishes {@code period} if it has ended and is ready (or {@code mode} says not to wait for the
     * grace and the stream, which the header records) and its lines changed since the latest revision.
     *
     * @param asOfVersion the raw version to reconcile and sign at (the nightly job passes the version
     *                    its reconcile step read); empty for the current one
     */
    public PublishResult publish(
            Period period, PrivateKey key, Duration grace, PublishMode mode, OptionalLong asOfVersion) {
        return publish(period, key, grace, mode, asOfVersion, false);
    }

    /**
     * As {@link #publish(Period, PrivateKey, Duration, PublishMode, OptionalLong)}; {@code allowEmpty} signs a
     * first revision even when {@link PublishDoubts} doubts it (no line, or the period begins before raw's data).
     */
    public PublishResult publish(
            Period period,
            PrivateKey key,
            Duration grace,
            PublishMode mode,
            OptionalLong asOfVersion,
            boolean allowEmpty) {
        requireEnded(period, clock.instant());
        Readiness readiness = readiness(period, grace);
        if (!readiness.ready() && mode != PublishMode.FORCE) {
            throw BatchErrors.notReadyToPublish(period, readiness.waitingFor());
        }
        // One publisher per warehouse at a time: revisions of every period form one signed sequence.
        try (Lease lease =
                warehouse.lease("publish", "publish of " + period, clock).keepRenewed()) {
            return publishHolding(period, key, readiness, asOfVersion, allowEmpty);
        } catch (RuntimeException e) {
            if (isConcurrentCommit(e)) {
                throw BatchErrors.concurrentPublish(
                        period,
                        periods.latest(period)
                                .map(r -> " (the latest revision is now " + r.revision() + ")")
                                .orElse(""));
            }
            throw e;
        }
    }

    /** A header linked after the warehouse's latest decision ({@link DecisionChain}), its link signed with {@code key}. */
    private BillingPeriod chained(
            Period period,
            int revision,
            long rawVersion,
            long lineCount,
            String contentSha256,
            String signature,
            String keyId,
            Instant publishedAt,
            OptionalInt supersedes,
            boolean forced,
            PrivateKey key) {
        Optional<java.time.Duration> horizon = Optional.of(config.dedupHorizon());
        io.meterlake.signing.FieldRendering.Link link = new DecisionChain(warehouse).next();
        byte[] rendering = BillingPeriod.chainRendering(
                period.toString(),
                revision,
                rawVersion,
                lineCount,
                contentSha256,
                signature,
                keyId,
                publishedAt,
                supersedes,
                forced,
                link.sequence(),
                link.previousSha256(),
                horizon,
                link.rawWitness());
        return new BillingPeriod(
                period,
                revision,
                rawVersion,
                lineCount,
                contentSha256,
                signature,
                keyId,
                publishedAt,
                supersedes,
                forced,
                Optional.of(new BillingPeriod.Chain(
                        link.sequence(),
                        link.previousSha256(),
                        Signing.sha256Hex(rendering),
                        Signing.sign(key, rendering),
                        link.rawWitness())),
                horizon);
    }

    /** A Delta optimistic-concurrency conflict anywhere in the cause chain. */
    private static boolean isConcurrentCommit(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof io.delta.exceptions.DeltaConcurrentModificationException) {
                return true;
            }
        }
        return false;
    }

    private PublishResult publishHolding(
            Period period, PrivateKey key, Readiness readiness, OptionalLong asOfVersion, boolean allowEmpty) {
        Closing closing = new Closing(spark, warehouse, config.approvers());
        Optional<PeriodLock> lock = closing.lock(period);
        if (lock.isPresent()) {
            // Final: what changed it since is carried by the next open period as correction lines.
            BillingPeriod locked =
                    periods.require(period, OptionalInt.of(lock.get().revision()));
            return new PublishResult(locked, false, periods.lines(locked), periods.corrections(locked), null, lock);
        }
        String keyId = Signing.keyId(key);
        // What reconcile wrote at this raw version, or a reconcile now: either way the authoritative table
        // holds exactly the lines signed below.
        long pinned = ReconcileJob.pinRaw(warehouse, asOfVersion);
        ReconcileJob reconcile = new ReconcileJob(spark, config);
        ReconcileJob.RecordedLines reconciled = reconcile
                .recorded(period, pinned)
                .orElseGet(() -> {
                    ReconcileResult run = reconcile.run(period, OptionalLong.of(pinned));
                    return new ReconcileJob.RecordedLines(run.runId(), run.rawTableVersion(), run.lines());
                });
        long rawVersion = reconciled.rawTableVersion();
        List<BillingLine> lines = reconciled.lines();
        List<CorrectionLine> corrections = new CarriedCorrections(warehouse, periods, closing, config.catalog())
                .derive(period, rawVersion, Long.MAX_VALUE);
        byte[] content = CanonicalRendering.render(period.toString(), lines, corrections);
        String contentSha256 = Signing.sha256Hex(content);

        Optional<BillingPeriod> latest = periods.latest(period);
        if (latest.isEmpty() && !allowEmpty) {
            List<String> doubts = PublishDoubts.of(
                    warehouse,
                    period,
                    rawVersion,
                    lines.size() + corrections.size(),
                    clock.instant(),
                    config.maxEventAge());
            if (!doubts.isEmpty()) {
                throw BatchErrors.doubtfulFirstRevision(period, doubts);
            }
        }
        if (latest.isPresent() && latest.get().contentSha256().equals(contentSha256)) {
            return new PublishResult(latest.get(), false, lines, corrections, reconciled.runId(), Optional.empty());
        }
        int revision = latest.map(r -> r.revision() + 1).orElse(1);
        BillingPeriod header = chained(
                period,
                revision,
                rawVersion,
                lines.size() + corrections.size(),
                contentSha256,
                Signing.sign(key, content),
                keyId,
                clock.instant().truncatedTo(ChronoUnit.MILLIS),
                latest.map(r -> OptionalInt.of(r.revision())).orElse(OptionalInt.empty()),
                !readiness.ready(),
                key);

        write(header, lines, corrections);

        BillingPeriod stored = periods.require(period, OptionalInt.of(revision));
        if (!stored.contentSha256().equals(contentSha256)) {
            throw BatchErrors.concurrentRevision(period, revision);
        }
        LOG.info(
                "published {} revision {} over raw_usage_events v{}: {} lines, {} correction lines, content sha256 {},"
                        + " signed by key {}",
                period,
                revision,
                stored.rawTableVersion(),
                lines.size(),
                corrections.size(),
                stored.contentSha256(),
                stored.keyId());
        return new PublishResult(stored, true, lines, corrections, reconciled.runId(), Optional.empty());
    }

    /**
     * A row of billing_period_lines of {@code header}'s revision: the line's key (subscription, account, plan,
     * metric, unit), its quantity and event count (a correction's may be negative), billed for {@code servicePeriod}.
     */
    private static Row lineRow(
            BillingPeriod header,
            List<String> key,
            java.math.BigDecimal quantity,
            long eventCount,
            String servicePeriod,
            String chargeClass) {
        List<Object> values =
                new ArrayList<>(List.of(header.period().toString(), header.revision(), header.contentSha256()));
        values.addAll(key);
        values.addAll(List.of(quantity, eventCount, servicePeriod, chargeClass));
        return RowFactory.create(values.toArray());
    }

    /** Appends the revision's lines, then its header (a retry after a crash writes each once). */
    private void write(BillingPeriod header, List<BillingLine> lines, List<CorrectionLine> corrections) {
        Period period = header.period();
        int revision = header.revision();
        String contentSha256 = header.contentSha256();
        List<Row> rows = new ArrayList<>();
        for (BillingLine line : lines) {
            rows.add(lineRow(
                    header,
                    List.of(line.subscriptionId(), line.billingAccountId(), line.plan(), line.metric(), line.unit()),
                    line.quantity(),
                    line.eventCount(),
                    period.toString(),
                    CorrectionLine.USAGE));
        }
        for (CorrectionLine line : corrections) {
            rows.add(lineRow(
                    header,
                    List.of(line.subscriptionId(), line.billingAccountId(), line.plan(), line.metric(), line.unit()),
                    line.quantity(),
                    line.eventCount(),
                    line.servicePeriod(),
                    CorrectionLine.CORRECTION));
        }
        warehouse.appendIdempotent(
                spark.createDataFrame(rows, Tables.BILLING_PERIOD_LINE),
                Tables.BILLING_PERIOD_LINES,
                "meterlake-publish-lines-" + period + "-" + contentSha256,
                revision);
        warehouse.appendIdempotent(
                spark.createDataFrame(List.of(header.toRow()), Tables.BILLING_PERIOD),
                Tables.BILLING_PERIODS,
                "meterlake-publish-" + period,
                revision);
    }
}
