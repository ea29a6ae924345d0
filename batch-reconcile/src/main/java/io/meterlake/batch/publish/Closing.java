package io.meterlake.batch.publish;

import io.meterlake.batch.BatchErrors;
import io.meterlake.period.Period;
import io.meterlake.period.PeriodState;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.signing.CanonicalRendering;
import io.meterlake.signing.FieldRendering;
import io.meterlake.signing.Signing;
import io.meterlake.table.Lease;
import io.meterlake.table.TableRows;
import io.meterlake.table.Warehouse;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closing the books: {@code approve} (four eyes: a key other than the publisher's signs the latest
 * revision) and {@code lock} (the approved revision becomes final), both append-only, both under the
 * warehouse's {@code publish} lease, so they are ordered with every publish. A locked period never
 * gets another revision; what changes it later is carried by the next open period as correction
 * lines (see {@link CarriedCorrections}).
 */
public final class Closing {
    /** The tables a closing's status reads (what a command may {@code prefetch}). */
    public static final List<String> READS =
            List.of(Tables.BILLING_PERIODS, Tables.BILLING_APPROVALS, Tables.BILLING_PERIOD_LOCKS);

    private static final Logger LOG = LoggerFactory.getLogger(Closing.class);
    /**
     * A period's state ({@link PeriodState}, the one definition the finance views share), with the
     * approvals that approve its latest revision and its lock.
     */
    public record Status(BillingPeriod latest, PeriodState state, List<Approval> approvals, Optional<PeriodLock> lock) {
        /** The state of {@code revision} in words: draft, approved, locked, or superseded (an earlier revision). */
        public String of(int revision) {
            return revision != latest.revision() ? "superseded" : state.word();
        }

        /** The key ids that approved the latest revision, comma-separated; empty when none. */
        public String approvedBy() {
            return String.join(
                    ",", approvals.stream().map(Approval::approverKeyId).toList());
        }
    }

    private final SparkSession spark;
    private final Warehouse warehouse;
    private final TableRows tables;
    private final BillingPeriods periods;
    private final List<String> allowedApprovers;

    public Closing(SparkSession spark, Warehouse warehouse, List<String> allowedApprovers) {
        this.spark = spark;
        this.warehouse = warehouse;
        this.tables = warehouse;
        this.periods = new BillingPeriods(warehouse);
        this.allowedApprovers = List.copyOf(allowedApprovers);
    }

    /** Reads only (states, approvals, locks), by {@code tables}: without Spark with {@link io.meterlake.table.DeltaReads}. */
    public Closing(TableRows tables, List<String> allowedApprovers) {
        this.spark = null;
        this.warehouse = null;
        this.tables = tables;
        this.periods = new BillingPeriods(tables);
        this.allowedApprovers = List.copyOf(allowedApprovers);
    }

    /** Every approval of {@code period}, oldest first. */
    public List<Approval> approvals(Period period) {
        if (!tables.exists(Tables.BILLING_APPROVALS)) {
            return List.of();
        }
        return tables.rows(Tables.BILLING_APPROVALS, Map.of(Columns.PERIOD, period.toString())).stream()
                .map(Approval::of)
                .sorted(java.util.Comparator.comparing(Approval::approvedAt).thenComparing(Approval::approverKeyId))
                .toList();
    }

    /** Every lock row, by period (a period has at most one; should there be more, the first counts). */
    public Map<String, PeriodLock> locks() {
        Map<String, PeriodLock> locks = new TreeMap<>();
        for (PeriodLock lock : lockRows(Map.of())) {
            locks.putIfAbsent(lock.period(), lock);
        }
        return locks;
    }

    /** Every lock row of {@code period} (verify names a second one). */
    public List<PeriodLock> lockRows(Period period) {
        return lockRows(Map.of(Columns.PERIOD, period.toString()));
    }

    private List<PeriodLock> lockRows(Map<String, ?> equalTo) {
        if (!tables.exists(Tables.BILLING_PERIOD_LOCKS)) {
            return List.of();
        }
        return tables.rows(Tables.BILLING_PERIOD_LOCKS, equalTo).stream()
                .map(PeriodLock::of)
                .sorted(java.util.Comparator.comparingLong(PeriodLock::sequence))
                .toList();
    }

    public Optional<PeriodLock> lock(Period period) {
        return Optional.ofNullable(locks().get(period.toString()));
    }

    /** The earliest period after {@code period} (of the same kind) that is not locked. */
    public Period nextOpen(Period period) {
        Map<String, PeriodLock> locks = locks();
        Period next = period.next();
        while (locks.containsKey(next.toString())) {
            next = next.next();
        }
        return next;
    }

    /** The state of {@code period}; a usage error if it was never published. */
    public Status status(Period period) {
        BillingPeriod latest = periods.require(period, OptionalInt.empty());
        Optional<PeriodLock> lock = lock(period);
        List<Approval> approvals = approvals(period).stream()
                .filter(a -> PeriodState.approves(a.recorded(), latest.forState(), allowedApprovers))
                .toList();
        return new Status(latest, PeriodState.of(lock.isPresent(), !approvals.isEmpty()), approvals, lock);
    }

    /**
     * Signs the period's latest revision (or {@code revision}, which must be the latest) with
     * {@code approverKey}: refused (exit 2) for the publisher's own key, a key not in
     * {@code approval.approvers}, a revision that is not the latest, stored lines that do not hash to
     * the header. Approving again with the same key writes nothing and returns the approval, not recorded now.
     */
    public Decided<Approval> approve(Period period, OptionalInt revision, PrivateKey approverKey, Clock clock) {
        try (Lease lease =
                warehouse.lease("publish", "approve of " + period, clock).keepRenewed()) {
            BillingPeriod latest = periods.require(period, OptionalInt.empty());
            BillingPeriod header = periods.require(period, revision);
            if (header.revision() != latest.revision()) {
                throw BatchErrors.notLatest(period, header.revision(), latest.revision());
            }
            PublicKey publicKey = io.meterlake.signing.Signing.publicKeyOf(approverKey);
            String approverKeyId = Signing.keyId(publicKey);
            if (approverKeyId.equals(header.keyId())) {
                throw BatchErrors.publisherApproves(period, header.revision(), approverKeyId);
            }
            if (!allowedApprovers.isEmpty() && !allowedApprovers.contains(approverKeyId)) {
                throw BatchErrors.notAnApprover(approverKeyId, allowedApprovers);
            }
            Optional<PeriodLock> lock = lock(period);
            if (lock.isPresent()) {
                throw BatchErrors.alreadyLocked(period, lock.get().revision());
            }
            String stored = Signing.sha256Hex(
                    CanonicalRendering.render(period.toString(), periods.lines(header), periods.corrections(header)));
            if (!stored.equals(header.contentSha256())) {
                throw BatchErrors.storedLinesChanged(period, header.revision(), stored, header.contentSha256());
            }
            Optional<Approval> already = approvals(period).stream()
                    .filter(a -> a.approverKeyId().equals(approverKeyId)
                            && a.problems(header, allowedApprovers).isEmpty())
                    .findFirst();
            if (already.isPresent()) {
                return new Decided<>(already.get(), false);
            }
            Approval approval = new Approval(
                            period.toString(),
                            header.revision(),
                            header.contentSha256(),
                            header.chain()
                                    .map(BillingPeriod.Chain::headerSha256)
                                    .orElse(null),
                            header.keyId(),
                            approverKeyId,
                            Signing.encoded(publicKey),
                            clock.instant().truncatedTo(ChronoUnit.MILLIS),
                            "",
                            new DecisionChain(warehouse).next())
                    .signed(approverKey);
            warehouse.ensureBatchTables();
            warehouse.appendIdempotent(
                    spark.createDataFrame(List.of(approval.toRow()), Tables.BILLING_APPROVAL),
                    Tables.BILLING_APPROVALS,
                    "meterlake-approve-" + period + "-" + approverKeyId + "-" + header.contentSha256(),
                    header.revision());
            LOG.info("approved {} revision {} by key {}", period, header.revision(), approverKeyId);
            return new Decided<>(approval, true);
        }
    }

    /**
     * Locks the period at its latest revision, which must carry a valid approval (exit 2 otherwise), signed
     * with {@code key}: the key that published the revision or, when {@code approval.approvers} lists any,
     * one of theirs. Locking a locked period writes nothing and returns its lock, not recorded now.
     */
    public Decided<PeriodLock> lock(Period period, PrivateKey key, Clock clock) {
        try (Lease lease =
                warehouse.lease("publish", "lock of " + period, clock).keepRenewed()) {
            Status status = status(period);
            if (status.lock().isPresent()) {
                return new Decided<>(status.lock().get(), false);
            }
            if (status.approvals().isEmpty()) {
                throw BatchErrors.notApproved(period, status.latest().revision());
            }
            Optional<Approval> signed = status.approvals().stream()
                    .filter(a -> a.integrityProblems().isEmpty())
                    .findFirst();
            if (signed.isEmpty()) {
                throw BatchErrors.approvalBroken(
                        period, status.approvals().get(0).integrityProblems().get(0));
            }
            PublicKey publicKey = Signing.publicKeyOf(key);
            String keyId = Signing.keyId(publicKey);
            lockKeyProblem(keyId, status.latest()).ifPresent(problem -> {
                throw BatchErrors.notALocker(period, problem);
            });
            FieldRendering.Link link = new DecisionChain(warehouse).next();
            PeriodLock unsigned = new PeriodLock(
                    period.toString(),
                    status.latest().revision(),
                    status.latest().contentSha256(),
                    signed.get().approverKeyId(),
                    link.sequence(),
                    clock.instant().truncatedTo(ChronoUnit.MILLIS),
                    keyId,
                    Signing.encoded(publicKey),
                    "",
                    link);
            PeriodLock lock = new PeriodLock(
                    unsigned.period(),
                    unsigned.revision(),
                    unsigned.contentSha256(),
                    unsigned.approverKeyId(),
                    unsigned.sequence(),
                    unsigned.lockedAt(),
                    keyId,
                    unsigned.publicKey(),
                    Signing.sign(key, unsigned.rendering()),
                    link);
            warehouse.ensureBatchTables();
            warehouse.appendIdempotent(
                    spark.createDataFrame(List.of(lock.toRow()), Tables.BILLING_PERIOD_LOCK),
                    Tables.BILLING_PERIOD_LOCKS,
                    "meterlake-lock-" + period,
                    1);
            LOG.info("locked {} at revision {} (approved by key {})", period, lock.revision(), lock.approverKeyId());
            return new Decided<>(lock(period).orElseThrow(), true);
        }
    }

    /** A decision and whether this call recorded it (false: it was recorded before, and nothing was written). */
    public record Decided<T>(T decision, boolean recorded) {}

    /** Why {@code keyId} may not lock {@code header}'s period (empty when it may). */
    private Optional<String> lockKeyProblem(String keyId, BillingPeriod header) {
        if (keyId.equals(header.keyId()) || allowedApprovers.isEmpty() || allowedApprovers.contains(keyId)) {
            return Optional.empty();
        }
        return Optional.of("key " + keyId + " neither published revision " + header.revision()
                + " nor is in approval.approvers (" + String.join(",", allowedApprovers) + ")");
    }

    /**
     * (8) What verify checks of a period's approvals and lock: every approval signed by a key other than
     * the publisher's (and allowed), over a revision that exists; one lock at most, of an approved
     * revision, with no revision after it.
     */
    public List<String> problems(Period period) {
        List<String> problems = new ArrayList<>();
        List<BillingPeriod> revisions = periods.revisions(period);
        for (Approval approval : approvals(period)) {
            Optional<BillingPeriod> header = revisions.stream()
                    .filter(r -> r.revision() == approval.revision())
                    .findFirst();
            if (header.isEmpty()) {
                problems.add("an approval by key " + approval.approverKeyId() + " names revision " + approval.revision()
                        + " of " + period + ", which does not exist");
            } else {
                problems.addAll(approval.problems(header.get(), allowedApprovers));
            }
        }
        List<PeriodLock> locks = lockRows(period);
        if (locks.size() > 1) {
            problems.add(period + " has " + locks.size() + " lock rows: a period is locked once");
        }
        for (PeriodLock lock : locks.stream().limit(1).toList()) {
            Optional<BillingPeriod> header = revisions.stream()
                    .filter(r -> r.revision() == lock.revision())
                    .findFirst();
            if (header.isEmpty() || !header.get().contentSha256().equals(lock.contentSha256())) {
                problems.add("the lock of " + period + " names revision " + lock.revision() + " with content sha256 "
                        + lock.contentSha256() + ", which was never published");
                continue;
            }
            boolean approved = approvals(period).stream()
                    .anyMatch(a -> a.approvedAt().compareTo(lock.lockedAt()) <= 0
                            && a.problems(header.get(), allowedApprovers).isEmpty());
            lockKeyProblem(lock.keyId(), header.get())
                    .filter(problem -> lock.link() != null)
                    .ifPresent(problem -> problems.add("the lock of " + period + ": " + problem));
            problems.addAll(lock.integrityProblems());
            if (!approved) {
                problems.add("the lock of revision " + lock.revision() + " of " + period
                        + " has no valid approval before it: a period is locked only after its approval");
            }
            revisions.stream()
                    .filter(r -> r.revision() > lock.revision())
                    .forEach(r -> problems.add("revision "
                            + r.revision() + " of " + period + " was published after the period was locked at revision "
                            + lock.revision()));
        }
        return problems;
    }
}
