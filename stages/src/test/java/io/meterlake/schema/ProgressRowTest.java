package io.meterlake.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Instant;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** Both queries' progress rows land in the columns {@link Tables#PROGRESS} names. */
class ProgressRowTest {
    private static final Instant AT = Instant.parse("2026-12-31T23:59:59.123Z");

    private static Object at(Row row, String column) {
        return row.get(Tables.PROGRESS.fieldIndex(column));
    }

    @Test
    void rawAndProvisionalRowsFillTheirColumns() {
        Row raw =
                ProgressRow.raw(7, AT, 10, 8, 2, 1500, AT.minusSeconds(60), AT).toRow();
        assertThat(raw.length()).isEqualTo(Tables.PROGRESS.size());
        assertThat(at(raw, Columns.QUERY)).isEqualTo(Columns.RAW_QUERY);
        assertThat(at(raw, Columns.BATCH_ID)).isEqualTo(7L);
        assertThat(at(raw, Columns.RECORDED_AT)).isEqualTo(Timestamp.from(AT));
        assertThat(at(raw, Columns.RECORDS_IN)).isEqualTo(10L);
        assertThat(at(raw, Columns.ACCEPTED)).isEqualTo(8L);
        assertThat(at(raw, Columns.QUARANTINED)).isEqualTo(2L);
        assertThat(at(raw, Columns.ROWS_OUT)).as("rows written to raw").isEqualTo(8L);
        assertThat(at(raw, Columns.WATERMARK)).isNull();
        assertThat(at(raw, Columns.LATE_DROPPED)).isNull();
        assertThat(at(raw, Columns.DURATION_MS)).isEqualTo(1500L);
        assertThat(at(raw, Columns.MIN_EVENT_TIME)).isEqualTo(Timestamp.from(AT.minusSeconds(60)));

        Row provisional = ProgressRow.provisional(8, AT, AT.minusSeconds(600), 8, 1, 3, 900, null, null)
                .toRow();
        assertThat(at(provisional, Columns.QUERY)).isEqualTo(Columns.PROVISIONAL_QUERY);
        assertThat(at(provisional, Columns.WATERMARK)).isEqualTo(Timestamp.from(AT.minusSeconds(600)));
        assertThat(at(provisional, Columns.RECORDS_IN)).isEqualTo(8L);
        assertThat(at(provisional, Columns.LATE_DROPPED)).isEqualTo(1L);
        assertThat(at(provisional, Columns.ROWS_OUT)).as("windows merged").isEqualTo(3L);
        assertThat(at(provisional, Columns.ACCEPTED)).isNull();
        assertThat(at(provisional, Columns.MAX_EVENT_TIME)).isNull();
    }
}
