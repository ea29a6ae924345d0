package io.meterlake.batch.publish;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha2;

import io.meterlake.schema.Columns;
import io.meterlake.schema.Tables;
import io.meterlake.signing.FieldRendering;
import io.meterlake.signing.FieldRendering.Link;
import io.meterlake.signing.FieldRendering.RawWitness;
import io.meterlake.signing.Signing;
import io.meterlake.table.StorageAudit;
import io.meterlake.table.TableHistory;
import io.meterlake.table.Warehouse;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The warehouse's one chain of decisions. Every publish ({@code billing_periods}), approval
 * ({@code billing_approvals}), lock ({@code billing_period_locks}) and quarantine replay append
 * ({@code quarantine_resolutions}, one link for all rows of an append) takes the next sequence, names the
 * hash of the decision before it, and names raw's latest commit then (its {@link RawWitness witness}). They
 * are written under the warehouse's {@code publish} lease, so the sequence has one writer.
 *
 * <p>What {@link #problems} finds: a sequence missing or repeated (a decision deleted from the middle), a
 * decision that does not name its predecessor's hash (deleted, reordered or edited), a decision whose
 * signature or recorded hash does not hold (edited), a witnessed raw commit that is gone or changed (raw
 * history deleted after a signed version), a decision table changed other than by appending, and a decision
 * row outside the chain once the chain holds that kind (written around the CLI). The chain's last decision
 * has no successor to name it: deleting it is seen only by its receipt ({@link Receipt}).
 */
public final class DecisionChain {
    /**
     * One decision of the chain: its place, what it is in words, the hash it names as its predecessor's, its
     * own hash, raw's commit it witnesses (null if none), and what is wrong with it on its own.
     */
    public record Decision(
            long sequence,
            String name,
            String previousSha256,
            String sha256,
            RawWitness witness,
            List<String> problems) {}

    private final Warehouse warehouse;

    public DecisionChain(Warehouse warehouse) {
        this.warehouse = warehouse;
    }

    /**
     * Every chained decision, in sequence order; a header signed by {@code publisherKey} (when given) has its
     * header signature checked, every approval and lock its own.
     */
    public List<Decision> decisions(Optional<PublicKey> publisherKey) {
        List<Decision> decisions = new ArrayList<>();
        for (BillingPeriod header : new BillingPeriods(warehouse).chain()) {
            decisions.add(publish(header, publisherKey));
        }
        for (Approval approval : approvals()) {
            if (approval.link() != null) {
                decisions.add(new Decision(
                        approval.link().sequence(),
                        "the approval of revision " + approval.revision() + " of " + approval.period() + " by key "
                                + approval.approverKeyId(),
                        approval.link().previousSha256(),
                        Signing.sha256Hex(approval.rendering()),
                        approval.link().rawWitness(),
                        approval.integrityProblems()));
            }
        }
        for (PeriodLock lock : locks()) {
            if (lock.link() != null) {
                decisions.add(new Decision(
                        lock.sequence(),
                        "the lock of " + lock.period() + " at revision " + lock.revision(),
                        lock.link().previousSha256(),
                        Signing.sha256Hex(lock.rendering()),
                        lock.link().rawWitness(),
                        lock.integrityProblems()));
            }
        }
        decisions.addAll(replays(publisherKey.isPresent()));
        decisions.sort(Comparator.comparingLong(Decision::sequence));
        return decisions;
    }

    /** The link a new decision takes now (hold the {@code publish} lease): the next sequence, the latest's hash, raw's latest commit. */
    public Link next() {
        List<Decision> decisions = decisions(Optional.empty());
        List<String> broken = continuityProblems(decisions);
        if (!broken.isEmpty()) {
            throw io.meterlake.batch.BatchErrors.chainBroken(broken.get(0), broken.size());
        }
        Decision last = decisions.isEmpty() ? null : decisions.get(decisions.size() - 1);
        return new Link(
                last == null ? 1 : last.sequence() + 1, last == null ? null : last.sha256(), witnessNow(warehouse));
    }

    /** The decision at {@code sequence}, if the chain holds one. */
    public Optional<Decision> at(long sequence) {
        return decisions(Optional.empty()).stream()
                .filter(d -> d.sequence() == sequence)
                .findFirst();
    }

    /** What is wrong with the chain (see the class comment); empty when it holds. */
    public List<String> problems(PublicKey publisherKey) {
        List<Decision> decisions = decisions(Optional.of(publisherKey));
        List<String> problems = new ArrayList<>(continuityProblems(decisions));
        StorageAudit audit = new StorageAudit(warehouse);
        for (Decision decision : decisions) {
            problems.addAll(decision.problems());
            if (decision.witness() != null) {
                problems.addAll(witnessProblems(
                        audit, decision.witness(), decision.name() + " (sequence " + decision.sequence() + ")"));
            }
        }
        problems.addAll(outsideTheChain());
        for (String table : new String[] {
            Tables.BILLING_PERIODS, Tables.BILLING_APPROVALS, Tables.BILLING_PERIOD_LOCKS, Tables.QUARANTINE_RESOLUTIONS
        }) {
            if (warehouse.exists(table)) {
                problems.addAll(TableHistory.nonAppendChanges(warehouse, table));
            }
        }
        return problems;
    }

    /** Sequences 1, 2, ... without gap or repeat, each decision naming its predecessor's hash. */
    private static List<String> continuityProblems(List<Decision> decisions) {
        List<String> problems = new ArrayList<>();
        long expected = 1;
        String previous = null;
        for (Decision decision : decisions) {
            String name = decision.name() + " (sequence " + decision.sequence() + ")";
            if (decision.sequence() < expected) {
                problems.add("sequence " + decision.sequence() + " appears more than once in the chain of decisions: "
                        + name);
            } else if (decision.sequence() > expected) {
                problems.add("the chain of decisions has no decision at sequence " + expected
                        + (decision.sequence() - 1 > expected ? " to " + (decision.sequence() - 1) : "")
                        + ": a publish, approval, lock or replay was removed");
            } else if (!Objects.equals(decision.previousSha256(), previous)) {
                problems.add(name + " follows the decision with sha256 " + decision.previousSha256()
                        + ", but the decision before it has " + previous + ": the chain was altered");
            }
            expected = Math.max(expected, decision.sequence() + 1);
            previous = decision.sha256();
        }
        return problems;
    }

    /** Raw's latest commit now: its version and the hash of its commit file (null when raw does not exist). */
    public static RawWitness witnessNow(Warehouse warehouse) {
        if (!warehouse.exists(Tables.RAW_USAGE_EVENTS)) {
            return null;
        }
        long version = warehouse.version(Tables.RAW_USAGE_EVENTS);
        return new StorageAudit(warehouse)
                .commitSha256(Tables.RAW_USAGE_EVENTS, version)
                .map(sha256 -> new RawWitness(version, sha256))
                .orElse(null);
    }

    /** The witness a row records (null when it records none, or its table predates witnesses). */
    static RawWitness witness(Row row) {
        if (!java.util.Arrays.asList(row.schema().fieldNames()).contains(Columns.RAW_WITNESS_VERSION)
                || row.isNullAt(row.fieldIndex(Columns.RAW_WITNESS_VERSION))) {
            return null;
        }
        return new RawWitness(row.<Long>getAs(Columns.RAW_WITNESS_VERSION), row.getAs(Columns.RAW_WITNESS_SHA256));
    }

    /** Whether an approval or resolution row is a link of the chain. */
    static boolean hasLink(Row row) {
        return java.util.Arrays.asList(row.schema().fieldNames()).contains(Columns.SEQUENCE)
                && !row.isNullAt(row.fieldIndex(Columns.SEQUENCE));
    }

    /**
     * The canonical digest of resolution rows (their columns of {@link Tables#RESOLUTION} before the link):
     * how many, and the SHA-256 of their rows' hashes in order. What a replay's link hashes.
     */
    public static RowsDigest digest(Dataset<Row> rows) {
        List<String> hashes = rowHashes(rows)
                .select("h")
                .orderBy("h")
                .as(org.apache.spark.sql.Encoders.STRING())
                .collectAsList();
        return RowsDigest.of(hashes);
    }

    /** A count and a hash of rows (see {@link #digest}). */
    public record RowsDigest(long count, String sha256) {
        /** The digest of rows whose hashes, sorted, are {@code sortedHashes}. */
        public static RowsDigest of(List<String> sortedHashes) {
            return new RowsDigest(
                    sortedHashes.size(),
                    Signing.sha256Hex(
                            String.join("\n", sortedHashes).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
    }

    /** The hash a replay append's link has: over its run, its rows' digest and its link. */
    public static String replaySha256(String runId, RowsDigest digest, Link link) {
        return Signing.sha256Hex(FieldRendering.resolutions(runId, digest.count(), digest.sha256(), link));
    }

    private static Dataset<Row> rowHashes(Dataset<Row> rows) {
        List<Column> fields = new ArrayList<>();
        for (String field : Tables.RESOLUTION.fieldNames()) {
            if (field.equals(Columns.SEQUENCE)) {
                break; // the link's columns come last
            }
            Column value = Tables.RESOLUTION.apply(field).dataType() instanceof org.apache.spark.sql.types.TimestampType
                    ? org.apache
                            .spark
                            .sql
                            .functions
                            .expr("unix_micros(" + field + ")")
                            .cast("string")
                    : col(field).cast("string");
            fields.add(coalesce(value, lit("\u0000")));
        }
        return rows.withColumn("h", sha2(concat_ws("\u0001", fields.toArray(Column[]::new)), 256));
    }

    private Decision publish(BillingPeriod header, Optional<PublicKey> publisherKey) {
        BillingPeriod.Chain link = header.chain().orElseThrow();
        String name = "the publish of revision " + header.revision() + " of " + header.period();
        List<String> problems = new ArrayList<>();
        byte[] rendering = header.chainRendering();
        String sha256 = Signing.sha256Hex(rendering);
        if (!sha256.equals(link.headerSha256())) {
            problems.add("the header of " + name + " hashes to " + sha256 + ", it records " + link.headerSha256()
                    + ": a header field was changed");
        } else if (publisherKey.isPresent()
                && header.keyId().equals(Signing.keyId(publisherKey.get()))
                && !Signing.verify(publisherKey.get(), rendering, link.headerSignature())) {
            problems.add("the header signature of " + name + " does not verify");
        }
        return new Decision(
                link.sequence(), name, link.previousHeaderSha256(), link.headerSha256(), link.rawWitness(), problems);
    }

    /**
     * One decision per append of resolutions, with the hash its writer recorded; {@code rehash} (verify)
     * computes it again from the rows as stored and names a difference (a row changed, added or removed).
     * Without, only the link's columns are read: a new decision's cost does not grow with the resolutions.
     */
    private List<Decision> replays(boolean rehash) {
        if (!warehouse.exists(Tables.QUARANTINE_RESOLUTIONS)) {
            return List.of();
        }
        Dataset<Row> chained = warehouse
                .read(Tables.QUARANTINE_RESOLUTIONS)
                .where(col(Columns.SEQUENCE).isNotNull());
        Map<Long, String> rehashed = new TreeMap<>();
        if (rehash) {
            Map<Long, List<String>> hashes = new TreeMap<>();
            for (Row row :
                    rowHashes(chained).select(col(Columns.SEQUENCE), col("h")).collectAsList()) {
                hashes.computeIfAbsent(row.getLong(0), s -> new ArrayList<>()).add(row.getString(1));
            }
            hashes.forEach((sequence, rows) -> rehashed.put(
                    sequence, RowsDigest.of(rows.stream().sorted().toList()).sha256()));
        }
        List<Decision> decisions = new ArrayList<>();
        for (Row row : chained.select(
                        col(Columns.SEQUENCE),
                        col(Columns.REPLAY_RUN_ID),
                        col(Columns.PREVIOUS_SHA256),
                        col(Columns.RAW_WITNESS_VERSION),
                        col(Columns.RAW_WITNESS_SHA256),
                        col(Columns.RECORD_SHA256),
                        org.apache
                                .spark
                                .sql
                                .functions
                                .count(lit(1))
                                .over(org.apache.spark.sql.expressions.Window.partitionBy(col(Columns.SEQUENCE)))
                                .as("n"))
                .distinct()
                .orderBy(col(Columns.SEQUENCE))
                .collectAsList()) {
            long sequence = row.getLong(0);
            String runId = row.getString(1);
            Link link = new Link(sequence, row.getString(2), witness(row));
            String name = "the resolutions of quarantine replay " + runId;
            String recorded = row.getString(5);
            List<String> problems = new ArrayList<>();
            if (rehash) {
                String again = replaySha256(runId, new RowsDigest(row.getLong(6), rehashed.get(sequence)), link);
                if (!again.equals(recorded)) {
                    problems.add(name + " (sequence " + sequence + ") hash to " + again + ", their link records "
                            + recorded + ": a resolution was changed, added or removed");
                }
            }
            decisions.add(new Decision(sequence, name, link.previousSha256(), recorded, link.rawWitness(), problems));
        }
        return decisions;
    }

    private List<Approval> approvals() {
        if (!warehouse.exists(Tables.BILLING_APPROVALS)) {
            return List.of();
        }
        return warehouse.rows(Tables.BILLING_APPROVALS, Map.of()).stream()
                .map(Approval::of)
                .toList();
    }

    private List<PeriodLock> locks() {
        if (!warehouse.exists(Tables.BILLING_PERIOD_LOCKS)) {
            return List.of();
        }
        return warehouse.rows(Tables.BILLING_PERIOD_LOCKS, Map.of()).stream()
                .map(PeriodLock::of)
                .toList();
    }

    /** Approvals and locks without a link, in a warehouse whose chain holds approvals or locks: written around the CLI. */
    private List<String> outsideTheChain() {
        List<String> problems = new ArrayList<>();
        boolean chainedApprovals = approvals().stream().anyMatch(a -> a.link() != null);
        for (Approval approval : approvals()) {
            if (chainedApprovals && approval.link() == null) {
                problems.add("the approval of revision " + approval.revision() + " of " + approval.period() + " by key "
                        + approval.approverKeyId()
                        + " is not in the chain of decisions: it was written around 'periods approve'");
            }
        }
        boolean chainedLocks = locks().stream().anyMatch(l -> l.link() != null);
        for (PeriodLock lock : locks()) {
            if (chainedLocks && lock.link() == null) {
                problems.add("the lock of " + lock.period() + " at revision " + lock.revision()
                        + " is not in the chain of decisions: it was written around 'periods lock'");
            }
        }
        return problems;
    }

    private static List<String> witnessProblems(StorageAudit audit, RawWitness witness, String name) {
        Optional<String> now = audit.commitSha256(Tables.RAW_USAGE_EVENTS, witness.version());
        if (now.isEmpty()) {
            return List.of("raw_usage_events commit " + witness.version() + ", which " + name
                    + " witnessed, is gone: raw commits were deleted after it was taken");
        }
        if (!now.get().equals(witness.commitSha256())) {
            return List.of("raw_usage_events commit " + witness.version() + " hashes to " + now.get() + ", but " + name
                    + " witnessed " + witness.commitSha256() + ": raw's history was rewritten");
        }
        return List.of();
    }
}
