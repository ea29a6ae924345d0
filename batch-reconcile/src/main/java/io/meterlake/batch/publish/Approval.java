package io.meterlake.batch.publish;

import io.meterlake.period.PeriodState;
import io.meterlake.schema.Columns;
import io.meterlake.signing.Signing;
import java.security.PublicKey;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * One approval: {@code signature} by the approver's key over {@link #rendering()}.
 *
 * @param headerSha256 the approved header's chain hash; null for a revision from before the chain
 * @param link         its place in the chain of decisions; null for an approval from before it
 */
public record Approval(
        String period,
        int revision,
        String contentSha256,
        String headerSha256,
        String publisherKeyId,
        String approverKeyId,
        String approverPublicKey,
        Instant approvedAt,
        String signature,
        io.meterlake.signing.FieldRendering.Link link) {

    /** The byte-stable text an approval signs ({@link io.meterlake.signing.FieldRendering#approval}). */
    public byte[] rendering() {
        return io.meterlake.signing.FieldRendering.approval(
                period, revision, contentSha256, headerSha256, publisherKeyId, approverKeyId, approvedAt, link);
    }

    Row toRow() {
        return RowFactory.create(
                period,
                revision,
                contentSha256,
                headerSha256,
                publisherKeyId,
                approverKeyId,
                approverPublicKey,
                Timestamp.from(approvedAt),
                signature,
                link == null ? null : link.sequence(),
                link == null ? null : link.previousSha256(),
                link == null || link.rawWitness() == null
                        ? null
                        : link.rawWitness().version(),
                link == null || link.rawWitness() == null
                        ? null
                        : link.rawWitness().commitSha256());
    }

    /** This approval with its signature ({@code approverKey}'s, over {@link #rendering()}). */
    Approval signed(java.security.PrivateKey approverKey) {
        return new Approval(
                period,
                revision,
                contentSha256,
                headerSha256,
                publisherKeyId,
                approverKeyId,
                approverPublicKey,
                approvedAt,
                Signing.sign(approverKey, rendering()),
                link);
    }

    static Approval of(Row row) {
        return new Approval(
                row.getAs(Columns.PERIOD),
                row.<Integer>getAs(Columns.REVISION),
                row.getAs(Columns.CONTENT_SHA256),
                row.getAs(Columns.HEADER_SHA256),
                row.getAs(Columns.PUBLISHER_KEY_ID),
                row.getAs(Columns.APPROVER_KEY_ID),
                row.getAs(Columns.APPROVER_PUBLIC_KEY),
                row.<Timestamp>getAs(Columns.APPROVED_AT).toInstant(),
                row.getAs(Columns.SIGNATURE),
                DecisionChain.hasLink(row)
                        ? new io.meterlake.signing.FieldRendering.Link(
                                row.<Long>getAs(Columns.SEQUENCE),
                                row.getAs(Columns.PREVIOUS_SHA256),
                                DecisionChain.witness(row))
                        : null);
    }

    /** What the period's state reads of this approval ({@link PeriodState}). */
    PeriodState.RecordedApproval recorded() {
        return new PeriodState.RecordedApproval(revision, contentSha256, publisherKeyId, approverKeyId);
    }

    /**
     * Why this approval does not hold for {@code header} (empty when it holds): the state's policy
     * ({@link PeriodState#policyProblems}) and its integrity ({@link #integrityProblems}).
     */
    public List<String> problems(BillingPeriod header, List<String> allowedApprovers) {
        List<String> problems = new ArrayList<>();
        for (String problem : PeriodState.policyProblems(recorded(), header.forState(), allowedApprovers)) {
            problems.add(name() + ": " + problem);
        }
        problems.addAll(integrityProblems());
        return problems;
    }

    /** Whether its public key is the key it names and its signature verifies (empty when both hold). */
    public List<String> integrityProblems() {
        Optional<PublicKey> key = Signing.publicKey(approverPublicKey);
        if (key.isEmpty() || !Signing.keyId(key.get()).equals(approverKeyId)) {
            return List.of(name() + ": its public key is not the key " + approverKeyId);
        }
        if (!Signing.verify(key.get(), rendering(), signature)) {
            return List.of(name() + ": its signature does not verify");
        }
        return List.of();
    }

    private String name() {
        return "the approval of revision " + revision + " of " + period + " by key " + approverKeyId;
    }
}
