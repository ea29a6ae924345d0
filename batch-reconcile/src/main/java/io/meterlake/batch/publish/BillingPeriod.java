package io.meterlake.batch.publish;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Objects;
import java.util.OptionalInt;

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

/**
 * The header of one published revision of a billing period (a row of {@code billing_periods}).
 *
 * @param contentSha256 SHA-256 of the canonical rendering of the revision's lines
 * @param signature     Base64 Ed25519 signature over that rendering
 * @param supersedes    the revision this one replaces; empty for revision 1
 * @param publishedAt   when it was published, to the millisecond (what Trino's Delta reader keeps of a timestamp)
 * @param forced        published with {@code --force} before the period was ready
 */
public record BillingPeriod(String period, int revision, long rawTableVersion, long lineCount, String contentSha256,
        String signature, String keyId, Instant publishedAt, OptionalInt supersedes, boolean forced) {

    public BillingPeriod {
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(contentSha256, "contentSha256");
        Objects.requireNonNull(signature, "signature");
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(publishedAt, "publishedAt");
        Objects.requireNonNull(supersedes, "supersedes");
    }

    /** A row of {@link io.meterlake.schema.Tables#BILLING_PERIOD}. */
    public Row toRow() {
        return RowFactory.create(period, revision, rawTableVersion, lineCount, contentSha256, signature, keyId,
                Timestamp.from(publishedAt), supersedes.isPresent() ? supersedes.getAsInt() : null, forced);
    }

    public static BillingPeriod fromRow(Row row) {
        return new BillingPeriod(row.getAs(PERIOD), row.<Integer>getAs(REVISION), row.<Long>getAs(RAW_TABLE_VERSION),
                row.<Long>getAs(LINE_COUNT), row.getAs(CONTENT_SHA256), row.getAs(SIGNATURE), row.getAs(KEY_ID),
                row.<Timestamp>getAs(PUBLISHED_AT).toInstant(),
                row.isNullAt(row.fieldIndex(SUPERSEDES)) ? OptionalInt.empty()
                        : OptionalInt.of(row.<Integer>getAs(SUPERSEDES)),
                row.<Boolean>getAs(FORCED));
    }
}
