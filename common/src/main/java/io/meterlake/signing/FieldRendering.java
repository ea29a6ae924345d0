package io.meterlake.signing;

import java.nio.charset.StandardCharsets;

/**
 * The byte-stable text of a signed record that is not a list of lines: a form line (such as
 * {@code meterlake-billing-period-header v1}), then one {@code name=value} line per field in a fixed
 * order, UTF-8, LF line ends; an absent value renders as nothing after the {@code =}. A period's
 * header (its chain hash and header signature) and an approval are signed in this form; a period's
 * lines in {@link CanonicalRendering}'s. The bytes of every form ever signed never change: old
 * revisions and approvals keep verifying ({@code FieldRenderingTest} pins them).
 */
public final class FieldRendering {
    private final StringBuilder text = new StringBuilder(512);

    private FieldRendering(String form) {
        text.append(form).append('\n');
    }

    /** A rendering under the form line {@code form}. */
    public static FieldRendering of(String form) {
        return new FieldRendering(form);
    }

    /** The next field; {@code value}'s {@code toString()}, nothing for null. */
    public FieldRendering field(String name, Object value) {
        text.append(name)
                .append('=')
                .append(value == null ? "" : value.toString())
                .append('\n');
        return this;
    }

    public byte[] bytes() {
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * What a period's header signs: every field of the header but its own hash and signature, under
     * {@code meterlake-billing-period-header v1}; a header with a dedup horizon renders it as one more
     * field, under {@code v2} (so the headers before horizons keep their hashes).
     */
    public static byte[] header(
            String period,
            int revision,
            long sequence,
            String previousHeaderSha256,
            long rawTableVersion,
            long lineCount,
            String contentSha256,
            String signature,
            String keyId,
            java.time.Instant publishedAt,
            Integer supersedes,
            boolean forced,
            java.time.Duration dedupHorizon) {
        FieldRendering rendering = of("meterlake-billing-period-header " + (dedupHorizon != null ? "v2" : "v1"))
                .field("period", period)
                .field("revision", revision)
                .field("sequence", sequence)
                .field("previous_header_sha256", previousHeaderSha256)
                .field("raw_table_version", rawTableVersion)
                .field("line_count", lineCount)
                .field("content_sha256", contentSha256)
                .field("signature", signature)
                .field("key_id", keyId)
                .field("published_at", publishedAt)
                .field("supersedes", supersedes)
                .field("forced", forced);
        return (dedupHorizon == null ? rendering : rendering.field("dedup_horizon_seconds", dedupHorizon.toSeconds()))
                .bytes();
    }

    /** What an approval signs: the revision it approves (content and header hash), the two keys and the time. */
    public static byte[] approval(
            String period,
            int revision,
            String contentSha256,
            String headerSha256,
            String publisherKeyId,
            String approverKeyId,
            java.time.Instant approvedAt) {
        return of("meterlake-billing-period-approval v1")
                .field("period", period)
                .field("revision", revision)
                .field("content_sha256", contentSha256)
                .field("header_sha256", headerSha256)
                .field("publisher_key_id", publisherKeyId)
                .field("approver_key_id", approverKeyId)
                .field("approved_at", approvedAt)
                .bytes();
    }
}
