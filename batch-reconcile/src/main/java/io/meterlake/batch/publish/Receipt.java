package io.meterlake.batch.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meterlake.batch.BatchErrors;
import io.meterlake.signing.Signing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What {@code publish} hands whoever consumes a period: the new header, chain link included, as
 * signed JSON. Kept outside the warehouse (the nightly DAG keeps one per run), it is the witness a
 * table cannot remove: {@code verify --receipt} fails when the table holds less than it proves (the
 * revision gone, the chain shorter). Its signature is the header signature, so it verifies with the
 * period's public key alone.
 */
public final class Receipt {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Receipt() {}

    /** What a receipt proves: the chain of decisions holds a decision at {@code sequence} hashing to {@code sha256}. */
    public record Proof(long sequence, String sha256, String name) {}

    /**
     * A lock's receipt: every field of the lock, its link and its signature, so it verifies alone (with
     * the lock's key, which must be the key verify is given or an allowed approver's).
     */
    public static void write(Path file, PeriodLock lock) {
        ObjectNode node = JSON.createObjectNode()
                .put("receipt", "meterlake-period-lock-receipt v1")
                .put("period", lock.period())
                .put("revision", lock.revision())
                .put("content_sha256", lock.contentSha256())
                .put("approver_key_id", lock.approverKeyId())
                .put("sequence", lock.sequence())
                .put("previous_sha256", lock.link().previousSha256())
                .put("locked_at", lock.lockedAt().toString())
                .put("key_id", lock.keyId())
                .put("public_key", lock.publicKey())
                .put("signature", lock.signature())
                .put("sha256", Signing.sha256Hex(lock.rendering()));
        if (lock.link().rawWitness() != null) {
            node.put("raw_witness_version", lock.link().rawWitness().version())
                    .put("raw_witness_sha256", lock.link().rawWitness().commitSha256());
        }
        save(file, node);
    }

    public static void write(Path file, BillingPeriod header) {
        BillingPeriod.Chain link = header.chain().orElseThrow();
        ObjectNode node = JSON.createObjectNode()
                .put("receipt", "meterlake-billing-period-receipt v1")
                .put("period", header.period().toString())
                .put("revision", header.revision())
                .put("sequence", link.sequence())
                .put("previous_header_sha256", link.previousHeaderSha256())
                .put("raw_table_version", header.rawTableVersion())
                .put("line_count", header.lineCount())
                .put("content_sha256", header.contentSha256())
                .put("signature", header.signature())
                .put("key_id", header.keyId())
                .put("published_at", header.publishedAt().toString())
                .put("forced", header.forced())
                .put("header_sha256", link.headerSha256())
                .put("header_signature", link.headerSignature());
        header.dedupHorizon().ifPresent(horizon -> node.put("dedup_horizon_seconds", horizon.toSeconds()));
        if (link.rawWitness() != null) {
            node.put("raw_witness_version", link.rawWitness().version())
                    .put("raw_witness_sha256", link.rawWitness().commitSha256());
        }
        if (header.supersedes().isPresent()) {
            node.put("supersedes", header.supersedes().getAsInt());
        } else {
            node.putNull("supersedes");
        }
        save(file, node);
    }

    private static void save(Path file, ObjectNode node) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, JSON.writeValueAsString(node) + "\n");
        } catch (IOException e) {
            throw BatchErrors.receiptUnwritable(file, e.getMessage());
        }
    }

    /**
     * Reads a receipt (of a publish or a lock) and checks it is what was signed with {@code key} (a lock's:
     * or with an allowed approver's key); else exit 2 naming why.
     */
    public static Proof read(Path file, PublicKey key, java.util.List<String> approvers) {
        JsonNode node;
        try {
            node = JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw BatchErrors.receiptUnreadable(file, e.getMessage());
        }
        if (node.path("receipt").asText().equals("meterlake-period-lock-receipt v1")) {
            return lock(file, node, key, approvers);
        }
        BillingPeriod header = header(file, node, key);
        return new Proof(
                header.chain().orElseThrow().sequence(),
                header.chain().orElseThrow().headerSha256(),
                "the publish of revision " + header.revision() + " of " + header.period());
    }

    private static Proof lock(Path file, JsonNode node, PublicKey key, java.util.List<String> approvers) {
        PeriodLock lock;
        try {
            lock = new PeriodLock(
                    node.get("period").textValue(),
                    node.get("revision").intValue(),
                    node.get("content_sha256").textValue(),
                    node.get("approver_key_id").textValue(),
                    node.get("sequence").longValue(),
                    Instant.parse(node.get("locked_at").textValue()),
                    node.get("key_id").textValue(),
                    node.get("public_key").textValue(),
                    node.get("signature").textValue(),
                    new io.meterlake.signing.FieldRendering.Link(
                            node.get("sequence").longValue(),
                            node.get("previous_sha256").textValue(),
                            node.hasNonNull("raw_witness_version")
                                    ? new io.meterlake.signing.FieldRendering.RawWitness(
                                            node.get("raw_witness_version").longValue(),
                                            node.get("raw_witness_sha256").textValue())
                                    : null));
        } catch (RuntimeException e) {
            throw BatchErrors.notAReceipt(file);
        }
        boolean trusted = lock.keyId().equals(Signing.keyId(key)) || approvers.contains(lock.keyId());
        if (!trusted || !lock.integrityProblems().isEmpty()) {
            throw BatchErrors.receiptDoesNotVerify(file, Signing.keyId(key));
        }
        return new Proof(
                lock.sequence(),
                Signing.sha256Hex(lock.rendering()),
                "the lock of " + lock.period() + " at revision " + lock.revision());
    }

    /** The header a publish receipt holds, checked against {@code key}. */
    public static BillingPeriod header(Path file, PublicKey key) {
        try {
            return header(file, JSON.readTree(Files.readString(file)), key);
        } catch (IOException e) {
            throw BatchErrors.receiptUnreadable(file, e.getMessage());
        }
    }

    private static BillingPeriod header(Path file, JsonNode node, PublicKey key) {
        BillingPeriod header;
        try {
            header = new BillingPeriod(
                    io.meterlake.period.Period.parse(node.get("period").textValue()),
                    node.get("revision").intValue(),
                    node.get("raw_table_version").longValue(),
                    node.get("line_count").longValue(),
                    node.get("content_sha256").textValue(),
                    node.get("signature").textValue(),
                    node.get("key_id").textValue(),
                    Instant.parse(node.get("published_at").textValue()),
                    node.get("supersedes").isNull()
                            ? OptionalInt.empty()
                            : OptionalInt.of(node.get("supersedes").intValue()),
                    node.get("forced").booleanValue(),
                    Optional.of(new BillingPeriod.Chain(
                            node.get("sequence").longValue(),
                            node.get("previous_header_sha256").textValue(),
                            node.get("header_sha256").textValue(),
                            node.get("header_signature").textValue(),
                            node.hasNonNull("raw_witness_version")
                                    ? new io.meterlake.signing.FieldRendering.RawWitness(
                                            node.get("raw_witness_version").longValue(),
                                            node.get("raw_witness_sha256").textValue())
                                    : null)),
                    node.hasNonNull("dedup_horizon_seconds")
                            ? Optional.of(java.time.Duration.ofSeconds(
                                    node.get("dedup_horizon_seconds").longValue()))
                            : Optional.empty());
        } catch (RuntimeException e) {
            throw BatchErrors.notAReceipt(file);
        }
        byte[] rendering = header.chainRendering();
        BillingPeriod.Chain link = header.chain().orElseThrow();
        if (!Signing.sha256Hex(rendering).equals(link.headerSha256())
                || !Signing.verify(key, rendering, link.headerSignature())) {
            throw BatchErrors.receiptDoesNotVerify(file, Signing.keyId(key));
        }
        return header;
    }
}
