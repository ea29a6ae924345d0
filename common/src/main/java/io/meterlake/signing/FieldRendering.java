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
     * field, under {@code v2} (so the headers before horizons keep their hashes); one that names raw's latest
     * commit when it was published ({@code rawWitness}) renders it as two more fields, under {@code v3}.
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
            java.time.Duration dedupHorizon,
            RawWitness rawWitness) {
        String form = rawWitness != null ? "v3" : dedupHorizon != null ? "v2" : "v1";
        FieldRendering rendering = of("meterlake-billing-period-header " + form)
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
        if (dedupHorizon != null || rawWitness != null) {
            rendering.field("dedup_horizon_seconds", dedupHorizon == null ? null : dedupHorizon.toSeconds());
        }
        return rawWitness == null
                ? rendering.bytes()
                : rawWitness.render(rendering).bytes();
    }

    /**
     * Raw's latest commit when a decision was taken: its version and the SHA-256 of its commit file. A
     * decision that names it witnesses every raw commit up to it: deleting or rewriting one is detected.
     */
    public record RawWitness(long version, String commitSha256) {
        FieldRendering render(FieldRendering rendering) {
            return rendering.field("raw_witness_version", version).field("raw_witness_sha256", commitSha256);
        }
    }

    /**
     * A decision's place in the warehouse's one chain of decisions (publishes, approvals, locks, replays):
     * its {@code sequence}, the hash of the decision before it (null for the first) and raw's latest commit.
     */
    public record Link(long sequence, String previousSha256, RawWitness rawWitness) {
        FieldRendering render(FieldRendering rendering) {
            rendering.field("sequence", sequence).field("previous_sha256", previousSha256);
            return rawWitness == null
                    ? rendering.field("raw_witness_version", null).field("raw_witness_sha256", null)
                    : rawWitness.render(rendering);
        }
    }

    /**
     * What an approval signs: the revision it approves (content and header hash), the two keys and the time;
     * a chained approval ({@code link}) renders its link after the time, under {@code v2}.
     */
    public static byte[] approval(
            String period,
            int revision,
            String contentSha256,
            String headerSha256,
            String publisherKeyId,
            String approverKeyId,
            java.time.Instant approvedAt,
            Link link) {
        FieldRendering rendering = of("meterlake-billing-period-approval " + (link == null ? "v1" : "v2"))
                .field("period", period)
                .field("revision", revision)
                .field("content_sha256", contentSha256)
                .field("header_sha256", headerSha256)
                .field("publisher_key_id", publisherKeyId)
                .field("approver_key_id", approverKeyId)
                .field("approved_at", approvedAt);
        return (link == null ? rendering : link.render(rendering)).bytes();
    }

    /** What a lock signs: the revision it makes final, the approval it rests on, who locks, when, and its link. */
    public static byte[] lock(
            String period,
            int revision,
            String contentSha256,
            String approverKeyId,
            String keyId,
            java.time.Instant lockedAt,
            Link link) {
        return link.render(of("meterlake-billing-period-lock v1")
                        .field("period", period)
                        .field("revision", revision)
                        .field("content_sha256", contentSha256)
                        .field("approver_key_id", approverKeyId)
                        .field("key_id", keyId)
                        .field("locked_at", lockedAt))
                .bytes();
    }

    /**
     * What a quarantine replay's resolutions hash to as one decision: the run, how many resolutions and the
     * SHA-256 of their canonical rows (sorted), and its link.
     */
    public static byte[] resolutions(String runId, long count, String rowsSha256, Link link) {
        return link.render(of("meterlake-quarantine-resolutions v1")
                        .field("replay_run_id", runId)
                        .field("resolutions", count)
                        .field("rows_sha256", rowsSha256))
                .bytes();
    }
}
