package io.meterlake.batch.publish;

import io.meterlake.batch.BatchErrors;
import io.meterlake.batch.recompute.RankedRaw;
import io.meterlake.batch.recompute.Recompute;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.model.BillingLine;
import io.meterlake.model.CorrectionLine;
import io.meterlake.period.Period;
import io.meterlake.schema.Tables;
import io.meterlake.signing.CanonicalRendering;
import io.meterlake.signing.Signing;
import io.meterlake.table.DeltaFailures;
import io.meterlake.table.StorageAudit;
import io.meterlake.table.TableHistory;
import io.meterlake.table.Warehouse;
import io.meterlake.validation.Quantities;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.function.BiFunction;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code verify}: a published revision holds when (1) its stored lines render to the content hash
 * in its header, (2) the header's signature verifies over that rendering with the given public key,
 * (3) {@code raw_usage_events} has only ever been appended to, (4) its data files at the recorded version
 * are those its log committed (present, same size), and (5) recomputing the period from it at that
 * version gives the same lines. Every mismatch is named; nothing is written. Also (8) each correction
 * line re-derives from raw at the revision's version and the locked revision's, and (9) the period's
 * approvals and lock hold (see {@link Closing#problems}).
 */
public final class VerifyJob {
    private static final Logger LOG = LoggerFactory.getLogger(VerifyJob.class);
    private final SparkSession spark;
    private final MeterlakeConfig config;
    private final Warehouse warehouse;
    private final BillingPeriods periods;
    private final BiFunction<Warehouse, BillingPeriod, List<String>> storageCheck;

    public VerifyJob(SparkSession spark, MeterlakeConfig config) {
        // The raw files the revision's recompute reads: its period and horizon (all, before horizons).
        this(
                spark,
                config,
                (warehouse, header) -> new StorageAudit(warehouse)
                        .filesNotAsCommitted(
                                Tables.RAW_USAGE_EVENTS,
                                header.rawTableVersion(),
                                header.dedupHorizon()
                                        .map(horizon -> RankedRaw.partitionsRead(header.period(), horizon))));
    }

    /** {@code storageCheck}: the raw data files a revision reads that are not as committed (tests pass a fake). */
    VerifyJob(
            SparkSession spark,
            MeterlakeConfig config,
            BiFunction<Warehouse, BillingPeriod, List<String>> storageCheck) {
        this.spark = spark;
        this.config = config;
        this.warehouse = new Warehouse(spark, config.warehouse());
        this.periods = new BillingPeriods(warehouse);
        this.storageCheck = storageCheck;
    }

    public Verification verify(Period period, OptionalInt revision, PublicKey key) {
        return verify(period, revision, key, List.of());
    }

    /**
     * As {@link #verify(Period, OptionalInt, PublicKey)}, and (7) the chain of decisions holds at least what
     * each receipt (from {@code publish --receipt} or {@code lock --receipt}, already checked) proves.
     */
    public Verification verify(Period period, OptionalInt revision, PublicKey key, List<Receipt.Proof> receipts) {
        try {
            return verifyReadable(period, revision, key, receipts);
        } catch (RuntimeException e) {
            java.util.Optional<String> gap = DeltaFailures.logGap(e);
            if (gap.isPresent()) {
                throw BatchErrors.periodLogGap(gap.get());
            }
            throw e;
        }
    }

    private Verification verifyReadable(
            Period period, OptionalInt revision, PublicKey key, List<Receipt.Proof> receipts) {
        BillingPeriod header = periods.require(period, revision);
        String name = "revision " + header.revision() + " of " + period;
        List<String> mismatches = new ArrayList<>();

        List<BillingLine> stored = periods.lines(header);
        List<CorrectionLine> storedCorrections = periods.corrections(header);
        byte[] content = CanonicalRendering.render(period.toString(), stored, storedCorrections);
        String storedSha256 = Signing.sha256Hex(content);
        if (stored.size() + storedCorrections.size() != header.lineCount()) {
            mismatches.add(name + " has " + (stored.size() + storedCorrections.size())
                    + " stored lines, its header says " + header.lineCount());
        }
        if (!storedSha256.equals(header.contentSha256())) {
            mismatches.add("the stored lines of " + name + " hash to " + storedSha256 + ", the signed header says "
                    + header.contentSha256() + ": a stored line was changed, added or removed");
        }
        String givenKeyId = Signing.keyId(key);
        if (!givenKeyId.equals(header.keyId())) {
            mismatches.add(name + " was signed by key " + header.keyId() + ", the public key given is " + givenKeyId);
        } else if (!Signing.verify(key, content, header.signature())) {
            mismatches.add("the signature of " + name + " does not verify over its stored lines");
        }

        DecisionChain chain = new DecisionChain(warehouse);
        mismatches.addAll(chain.problems(key));
        receipts.forEach(proof -> mismatches.addAll(lessThan(chain, proof)));
        mismatches.addAll(rawProblems(header, name));
        String recomputedSha256 = null;
        try {
            // With the horizon the revision was computed with: the same bounded read, the same bytes.
            RankedRaw ranked = new BillingPeriods(warehouse).ranked(header);
            List<BillingLine> recomputed = Recompute.collect(new Recompute(config.catalog()).lines(ranked, period));
            recomputedSha256 = Signing.sha256Hex(CanonicalRendering.render(period.toString(), recomputed));
            mismatches.addAll(differences(stored, recomputed, header.rawTableVersion()));
        } catch (Exception e) { // Spark rethrows a missing file as a checked SparkException
            mismatches.add("raw_usage_events cannot be read at version " + header.rawTableVersion()
                    + ", which " + name + " was computed from (" + firstLine(e)
                    + "): the raw table was changed, or vacuumed below what verification needs");
        }
        Closing closing = new Closing(spark, warehouse, config.approvers());
        try {
            // Locks taken before this revision's publish decide which locked periods it carried.
            long sequence = header.chain().map(BillingPeriod.Chain::sequence).orElse(Long.MAX_VALUE);
            List<CorrectionLine> derived = new CarriedCorrections(warehouse, periods, closing, config.catalog())
                    .derive(period, header.rawTableVersion(), sequence);
            mismatches.addAll(correctionDifferences(storedCorrections, derived, header.rawTableVersion()));
        } catch (Exception e) {
            mismatches.add("the correction lines of " + name + " cannot be re-derived from raw_usage_events v"
                    + header.rawTableVersion() + " (" + firstLine(e) + ")");
        }
        mismatches.addAll(closing.problems(period));
        if (mismatches.isEmpty()) {
            LOG.info("verified {} revision {}: {} lines as signed", period, header.revision(), stored.size());
        } else {
            LOG.warn(
                    "verify of {} revision {} found {} mismatches, the first: {}",
                    period,
                    header.revision(),
                    mismatches.size(),
                    mismatches.get(0));
        }
        return new Verification(
                header,
                stored.size(),
                storedSha256,
                recomputedSha256,
                mismatches,
                storedCorrections.size(),
                closing.status(period));
    }

    /**
     * What is wrong with raw_usage_events for {@code header}: a change that was not an append since, a data file
     * of its version gone or changed, or a check that could not run (which cannot hold either).
     */
    private List<String> rawProblems(BillingPeriod header, String name) {
        List<String> problems = new ArrayList<>();
        try {
            problems.addAll(TableHistory.nonAppendChanges(warehouse, Tables.RAW_USAGE_EVENTS));
        } catch (RuntimeException e) {
            problems.add("the history of raw_usage_events cannot be read: "
                    + DeltaFailures.logGap(e)
                            .map(gap -> "its Delta log has a gap (" + gap + "): a commit was removed")
                            .orElse(firstLine(e)));
        }
        try {
            problems.addAll(storageCheck.apply(warehouse, header));
        } catch (RuntimeException e) {
            // Only a version gone from the log may pass as such (the recompute below names it too); any
            // other failure means the check did not run, and what did not run cannot hold.
            problems.add(
                    DeltaFailures.isVersionUnreadable(e)
                            ? "raw_usage_events version " + header.rawTableVersion() + ", which " + name
                                    + " was computed from, is no longer readable (" + firstLine(e) + ")"
                            : "the storage check of raw_usage_events at version " + header.rawTableVersion()
                                    + " could not run (" + firstLine(e) + "), so its data files are unchecked");
        }
        return problems;
    }

    /** Correction lines stored that raw does not give now, and the reverse. */
    static List<String> correctionDifferences(
            List<CorrectionLine> stored, List<CorrectionLine> derived, long rawVersion) {
        List<String> differences = new ArrayList<>();
        for (CorrectionLine line : stored) {
            if (!derived.contains(line)) {
                differences.add("correction line " + line.servicePeriod() + " / "
                        + line.key().replace('\t', '/') + ": stored "
                        + Quantities.render(line.quantity()) + " (" + line.eventCount() + " events), but raw v"
                        + rawVersion
                        + " against the locked revision gives "
                        + derived.stream()
                                .filter(d -> d.key().equals(line.key())
                                        && d.servicePeriod().equals(line.servicePeriod()))
                                .findFirst()
                                .map(d -> Quantities.render(d.quantity()) + " (" + d.eventCount() + " events)")
                                .orElse("none"));
            }
        }
        for (CorrectionLine line : derived) {
            if (stored.stream()
                    .noneMatch(
                            s -> s.key().equals(line.key()) && s.servicePeriod().equals(line.servicePeriod()))) {
                differences.add("correction line " + line.servicePeriod() + " / "
                        + line.key().replace('\t', '/')
                        + ": not stored, but raw v" + rawVersion + " against the locked revision gives "
                        + Quantities.render(line.quantity()) + " (" + line.eventCount() + " events)");
            }
        }
        return differences;
    }

    /** (7) What a receipt proves and the chain of decisions no longer holds. */
    private static List<String> lessThan(DecisionChain chain, Receipt.Proof proof) {
        String proven = proof.name() + " at sequence " + proof.sequence() + " (sha256 " + proof.sha256() + ")";
        java.util.Optional<DecisionChain.Decision> held = chain.at(proof.sequence());
        if (held.isEmpty()) {
            return List.of("the tables hold less than the receipt proves: the receipt proves " + proven
                    + ", the chain of decisions holds no decision at that sequence: decisions were removed");
        }
        if (!held.get().sha256().equals(proof.sha256())) {
            return List.of("sequence " + proof.sequence() + " of the chain of decisions is "
                    + held.get().name() + ", not the receipt's " + proven + ": the tables were rewritten");
        }
        return List.of();
    }

    /** Line-by-line differences between what is stored and what raw gives now. */
    static List<String> differences(List<BillingLine> stored, List<BillingLine> recomputed, long rawVersion) {
        Map<String, BillingLine> storedByKey = byKey(stored);
        Map<String, BillingLine> recomputedByKey = byKey(recomputed);
        List<String> differences = new ArrayList<>();
        for (Map.Entry<String, BillingLine> entry : storedByKey.entrySet()) {
            BillingLine again = recomputedByKey.get(entry.getKey());
            BillingLine line = entry.getValue();
            if (again == null) {
                differences.add("line " + entry.getKey() + ": stored " + amount(line) + ", but raw v" + rawVersion
                        + " has no such usage");
            } else if (!again.equals(line)) {
                differences.add("line " + entry.getKey() + ": stored " + amount(line) + ", recomputed from raw v"
                        + rawVersion + " " + amount(again));
            }
        }
        for (Map.Entry<String, BillingLine> entry : recomputedByKey.entrySet()) {
            if (!storedByKey.containsKey(entry.getKey())) {
                differences.add("line " + entry.getKey() + ": not stored, but recomputed from raw v" + rawVersion
                        + " as " + amount(entry.getValue()));
            }
        }
        return differences;
    }

    private static Map<String, BillingLine> byKey(List<BillingLine> lines) {
        Map<String, BillingLine> byKey = new TreeMap<>();
        for (BillingLine line : lines) {
            byKey.put(
                    line.subscriptionId() + " / " + line.billingAccountId() + " / " + line.plan() + " / "
                            + line.metric() + " ["
                            + line.unit() + "]",
                    line);
        }
        return byKey;
    }

    private static String amount(BillingLine line) {
        return Quantities.render(line.quantity()) + " (" + line.eventCount() + " events)";
    }

    private static String firstLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        String text = root.getClass().getSimpleName() + ": " + root.getMessage();
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
