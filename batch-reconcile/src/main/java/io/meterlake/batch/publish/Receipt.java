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
        if (header.supersedes().isPresent()) {
            node.put("supersedes", header.supersedes().getAsInt());
        } else {
            node.putNull("supersedes");
        }
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

    /** Reads a receipt and checks it is what a publish signed with {@code key}; else exit 2 naming why. */
    public static BillingPeriod read(Path file, PublicKey key) {
        JsonNode node;
        try {
            node = JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw BatchErrors.receiptUnreadable(file, e.getMessage());
        }
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
                                    node.get("header_signature").textValue())),
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
