package io.meterlake.batch.publish;

import io.meterlake.schema.Columns;
import io.meterlake.signing.FieldRendering;
import io.meterlake.signing.Signing;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The lock of a period (a row of {@code billing_period_locks}): {@code revision} is final. Signed by the
 * key that locked ({@code keyId}, {@code publicKey}) over {@link #rendering()}, and a link of the chain of
 * decisions ({@code link}). A lock from before signatures has neither; its {@code sequence} is then the
 * latest publish's when it was taken.
 *
 * @param sequence the lock's place in the chain of decisions: a publish with a greater sequence came after it
 */
public record PeriodLock(
        String period,
        int revision,
        String contentSha256,
        String approverKeyId,
        long sequence,
        Instant lockedAt,
        String keyId,
        String publicKey,
        String signature,
        FieldRendering.Link link) {

    static PeriodLock of(Row row) {
        return new PeriodLock(
                row.getAs(Columns.PERIOD),
                row.<Integer>getAs(Columns.REVISION),
                row.getAs(Columns.CONTENT_SHA256),
                row.getAs(Columns.APPROVER_KEY_ID),
                row.<Long>getAs(Columns.SEQUENCE),
                row.<Timestamp>getAs(Columns.LOCKED_AT).toInstant(),
                row.getAs(Columns.KEY_ID),
                row.getAs(Columns.PUBLIC_KEY),
                row.getAs(Columns.SIGNATURE),
                row.isNullAt(row.fieldIndex(Columns.SIGNATURE))
                        ? null
                        : new FieldRendering.Link(
                                row.<Long>getAs(Columns.SEQUENCE),
                                row.getAs(Columns.PREVIOUS_SHA256),
                                DecisionChain.witness(row)));
    }

    /** The byte-stable text the lock's signature covers; only for a signed lock. */
    public byte[] rendering() {
        return FieldRendering.lock(period, revision, contentSha256, approverKeyId, keyId, lockedAt, link);
    }

    Row toRow() {
        return RowFactory.create(
                period,
                revision,
                contentSha256,
                approverKeyId,
                sequence,
                Timestamp.from(lockedAt),
                keyId,
                publicKey,
                signature,
                link.previousSha256(),
                link.rawWitness() == null ? null : link.rawWitness().version(),
                link.rawWitness() == null ? null : link.rawWitness().commitSha256());
    }

    /** Whether its public key is the key it names and its signature verifies (empty when both hold). */
    public List<String> integrityProblems() {
        String name = "the lock of " + period + " at revision " + revision;
        if (link == null) {
            return List.of();
        }
        Optional<java.security.PublicKey> key = Signing.publicKey(publicKey);
        if (key.isEmpty() || !Signing.keyId(key.get()).equals(keyId)) {
            return List.of(name + ": its public key is not the key " + keyId);
        }
        if (!Signing.verify(key.get(), rendering(), signature)) {
            return List.of(name + ": its signature does not verify (a field was changed)");
        }
        return List.of();
    }
}
