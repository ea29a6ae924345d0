package io.meterlake.pipeline;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.unhex;

import io.meterlake.schema.Columns;
import java.util.Arrays;
import org.apache.spark.sql.Column;

/**
 * The order in which records were received, one definition for both uses: the deduplication keeps
 * the first record of an identity, and {@code LATEST} takes, among equal event times, the last.
 *
 * <p>Ingest order is the ingest time, then the Kafka partition and offset, then the file (its
 * SHA-256) and line, each missing part sorting last; the payload hash breaks any remaining tie, so
 * no choice ever depends on Spark's partitioning. The SHA-256 columns compare as their 32 bytes
 * (lowercase hex and its bytes sort alike, and bytes are half the size).
 */
public final class IngestOrder {
    /** 33 bytes of 0xFF: after every 32-byte hash, as a missing file hash sorts. */
    private static final byte[] AFTER_EVERY_HASH = new byte[33];

    static {
        Arrays.fill(AFTER_EVERY_HASH, (byte) 0xFF);
    }

    private IngestOrder() {}

    /**
     * The order of {@link #key()} values as collected ({@code Row}s of the struct): Spark's own order
     * of that struct (times, then numbers, then bytes unsigned), for choices made on the driver.
     */
    public static final java.util.Comparator<org.apache.spark.sql.Row> ORDER = (a, b) -> {
        int c = a.getTimestamp(0).compareTo(b.getTimestamp(0));
        if (c == 0) {
            c = Integer.compare(a.getInt(1), b.getInt(1));
        }
        if (c == 0) {
            c = Long.compare(a.getLong(2), b.getLong(2));
        }
        if (c == 0) {
            c = Arrays.compareUnsigned((byte[]) a.get(3), (byte[]) b.get(3));
        }
        if (c == 0) {
            c = Long.compare(a.getLong(4), b.getLong(4));
        }
        return c != 0 ? c : Arrays.compareUnsigned((byte[]) a.get(5), (byte[]) b.get(5));
    };

    /**
     * Ingest order as one comparable value ({@link Columns#INGEST_ORDER}): a struct without nulls,
     * missing parts replaced by values that sort last. The dedup's window orders by it, first
     * received first; {@code LATEST} takes the maximum.
     */
    public static Column key() {
        return struct(
                col(Columns.INGESTED_AT),
                coalesce(col(Columns.KAFKA_PARTITION), lit(Integer.MAX_VALUE)),
                coalesce(col(Columns.KAFKA_OFFSET), lit(Long.MAX_VALUE)),
                coalesce(unhex(col(Columns.FILE_SHA256)), lit(AFTER_EVERY_HASH)),
                coalesce(col(Columns.LINE_NUMBER), lit(Long.MAX_VALUE)),
                unhex(col(Columns.PAYLOAD_SHA256)));
    }
}
