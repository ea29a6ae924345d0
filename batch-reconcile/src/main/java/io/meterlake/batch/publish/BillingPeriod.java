package io.meterlake.batch.publish;

import static io.meterlake.schema.Columns.CONTENT_SHA256;
import static io.meterlake.schema.Columns.FORCED;
import static io.meterlake.schema.Columns.KEY_ID;
import static io.meterlake.schema.Columns.LINE_COUNT;
import static io.meterlake.schema.Columns.PERIOD;
import static io.meterlake.schema.Columns.PUBLISHED_AT;
import static io.meterlake.schema.Columns.RAW_TABLE_VERSION;
import static io.meterlake.schema.Columns.REVISION;
import static io.meterlake.schema.Columns.SIGNATURE;
import static io.meterlake.schema.Columns.SUPERSEDES;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Objects;
import java.util.OptionalInt;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The header of one published revision of a billing period (a row of {@code billing_periods}).
 *
 * @param contentSha256 SHA-256 of the canonical rendering of the revision's lines
 * @param signature     Base64 Ed25519 signature over that rendering
 * @param supersedes    the revision this one replaces; empty for revision 1
 * @param publishedAt   when it was published, to the millisecond (what Trino's Delta reader keeps of a timestamp)
 * @param forced        published with {@code --force} before the period was ready
 * @param chain         where the header stands in the warehouse's one sequence of publishes; empty
 *                      for revisions published before headers were chained
 * @param dedupHorizon  the horizon the lines were computed with (verify recomputes with it); empty for
 *                      revisions computed over the whole raw table, before horizons
 */
public record BillingPeriod(
        io.meterlake.period.Period period,
        int revision,
        long rawTableVersion,
        long lineCount,
        String contentSha256,
        String signature,
        String keyId,
        Instant publishedAt,
        OptionalInt supersedes,
        boolean forced,
        java.util.Optional<Chain> chain,
        java.util.Optional<java.time.Duration> dedupHorizon) {

    /**
     * A header's link in the chain of every publish of the warehouse, of any period: its
     * {@code sequence} (1, 2, 3, ... with no gaps), the {@code header_sha256} of the publish before
     * it (null for the first), its own {@code header_sha256} (over {@link #chainRendering}) and a
     * signature over that rendering. No revision can vanish from the middle unnoticed: the next one
     * names its hash, and the sequence has a gap. The latest needs an outside witness: the receipt.
     * Approvals, locks and replays are links of the same chain ({@link DecisionChain}).
     *
     * @param rawWitness raw's latest commit when the revision was published; null in headers from before it
     */
    public record Chain(
            long sequence,
            String previousHeaderSha256,
            String headerSha256,
            String headerSignature,
            io.meterlake.signing.FieldRendering.RawWitness rawWitness) {}

    public BillingPeriod {
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(contentSha256, "contentSha256");
        Objects.requireNonNull(signature, "signature");
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(publishedAt, "publishedAt");
        Objects.requireNonNull(supersedes, "supersedes");
        Objects.requireNonNull(chain, "chain");
        Objects.requireNonNull(dedupHorizon, "dedupHorizon");
    }

    /** What the period's state reads of this header ({@link io.meterlake.period.PeriodState}). */
    public io.meterlake.period.PeriodState.Revision forState() {
        return new io.meterlake.period.PeriodState.Revision(revision, contentSha256, keyId);
    }

    /** A row of {@link io.meterlake.schema.Tables#BILLING_PERIOD}. */
    public Row toRow() {
        return RowFactory.create(
                period.toString(),
                revision,
                rawTableVersion,
                lineCount,
                contentSha256,
                signature,
                keyId,
                Timestamp.from(publishedAt),
                supersedes.isPresent() ? supersedes.getAsInt() : null,
                forced,
                chain.map(c -> (Object) c.sequence()).orElse(null),
                chain.map(Chain::previousHeaderSha256).orElse(null),
                chain.map(Chain::headerSha256).orElse(null),
                chain.map(Chain::headerSignature).orElse(null),
                dedupHorizon.map(h -> (Object) h.toSeconds()).orElse(null),
                chain.map(Chain::rawWitness).map(w -> (Object) w.version()).orElse(null),
                chain.map(Chain::rawWitness)
                        .map(io.meterlake.signing.FieldRendering.RawWitness::commitSha256)
                        .orElse(null));
    }

    /** The byte-stable text a header's hash and header signature cover ({@link io.meterlake.signing.FieldRendering#header}). */
    public static byte[] chainRendering(
            String period,
            int revision,
            long rawTableVersion,
            long lineCount,
            String contentSha256,
            String signature,
            String keyId,
            Instant publishedAt,
            OptionalInt supersedes,
            boolean forced,
            long sequence,
            String previousHeaderSha256,
            java.util.Optional<java.time.Duration> dedupHorizon,
            io.meterlake.signing.FieldRendering.RawWitness rawWitness) {
        return io.meterlake.signing.FieldRendering.header(
                period,
                revision,
                sequence,
                previousHeaderSha256,
                rawTableVersion,
                lineCount,
                contentSha256,
                signature,
                keyId,
                publishedAt,
                supersedes.isPresent() ? supersedes.getAsInt() : null,
                forced,
                dedupHorizon.orElse(null),
                rawWitness);
    }

    /** This header's {@link #chainRendering}; only for a chained header. */
    public byte[] chainRendering() {
        Chain link = chain.orElseThrow(
                () -> new IllegalStateException("revision " + revision + " of " + period + " is not chained"));
        return chainRendering(
                period.toString(),
                revision,
                rawTableVersion,
                lineCount,
                contentSha256,
                signature,
                keyId,
                publishedAt,
                supersedes,
                forced,
                link.sequence(),
                link.previousHeaderSha256(),
                dedupHorizon,
                link.rawWitness());
    }

    public static BillingPeriod fromRow(Row row) {
        return new BillingPeriod(
                io.meterlake.period.Period.parse(row.getAs(PERIOD)),
                row.<Integer>getAs(REVISION),
                row.<Long>getAs(RAW_TABLE_VERSION),
                row.<Long>getAs(LINE_COUNT),
                row.getAs(CONTENT_SHA256),
                row.getAs(SIGNATURE),
                row.getAs(KEY_ID),
                row.<Timestamp>getAs(PUBLISHED_AT).toInstant(),
                row.isNullAt(row.fieldIndex(SUPERSEDES))
                        ? OptionalInt.empty()
                        : OptionalInt.of(row.<Integer>getAs(SUPERSEDES)),
                row.<Boolean>getAs(FORCED),
                chain(row),
                dedupHorizon(row));
    }

    private static java.util.Optional<java.time.Duration> dedupHorizon(Row row) {
        String column = io.meterlake.schema.Columns.DEDUP_HORIZON_SECONDS;
        if (!java.util.Arrays.asList(row.schema().fieldNames()).contains(column)
                || row.isNullAt(row.fieldIndex(column))) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(java.time.Duration.ofSeconds(row.<Long>getAs(column)));
    }

    private static java.util.Optional<Chain> chain(Row row) {
        if (!java.util.Arrays.asList(row.schema().fieldNames()).contains(io.meterlake.schema.Columns.SEQUENCE)
                || row.isNullAt(row.fieldIndex(io.meterlake.schema.Columns.SEQUENCE))) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Chain(
                row.<Long>getAs(io.meterlake.schema.Columns.SEQUENCE),
                row.getAs(io.meterlake.schema.Columns.PREVIOUS_HEADER_SHA256),
                row.getAs(io.meterlake.schema.Columns.HEADER_SHA256),
                row.getAs(io.meterlake.schema.Columns.HEADER_SIGNATURE),
                DecisionChain.witness(row)));
    }
}
