package io.meterlake.table;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;

/**
 * What one data file's Delta statistics say of a timestamp column: its greatest value (to the millisecond,
 * as Delta keeps it), that it holds only nulls, or nothing known (no statistics).
 *
 * @param file    the data file, with its statistics as listed (to read it when they do not settle it)
 * @param maximum the column's greatest value as the statistics give it; empty when unknown or all null
 * @param allNull the file holds no value of the column
 */
record FileStatistics(ScanFile file, Optional<Instant> maximum, boolean allNull) {
    /** Delta truncates timestamp statistics to milliseconds: a file's true maximum is below this much above. */
    private static final Duration TRUNCATION = Duration.ofMillis(1);

    static FileStatistics of(ScanFile file, String column) {
        JsonNode stats = file.stats();
        if (stats == null) {
            return new FileStatistics(file, Optional.empty(), false);
        }
        JsonNode max = stats.path("maxValues").path(column);
        if (max.isTextual()) {
            try {
                return new FileStatistics(
                        file, Optional.of(OffsetDateTime.parse(max.asText()).toInstant()), false);
            } catch (java.time.DateTimeException e) {
                return new FileStatistics(file, Optional.empty(), false);
            }
        }
        JsonNode nulls = stats.path("nullCount").path(column);
        JsonNode records = stats.path("numRecords");
        boolean allNull = nulls.isNumber() && records.isNumber() && nulls.asLong() == records.asLong();
        return new FileStatistics(file, Optional.empty(), allNull);
    }

    /**
     * A file's rows and the nulls of {@code column} among them (every row when {@code column} is null: a
     * column the table does not have), from its statistics; empty when they do not say.
     */
    static Optional<DeltaReads.Count> count(ScanFile file, String column) {
        JsonNode stats = file.stats();
        if (stats == null) {
            return Optional.empty();
        }
        JsonNode records = stats.path("numRecords");
        JsonNode nulls = column == null ? records : stats.path("nullCount").path(column);
        return records.isNumber() && nulls.isNumber()
                ? Optional.of(new DeltaReads.Count(records.asLong(), nulls.asLong()))
                : Optional.empty();
    }

    /** The greatest value of the timestamp column among {@code rows} (read from the files that may hold it). */
    static Optional<Instant> greatest(java.util.stream.Stream<org.apache.spark.sql.Row> rows, String column) {
        return rows.filter(row -> !row.isNullAt(row.fieldIndex(column)))
                .map(row -> row.<java.sql.Timestamp>getAs(column).toInstant())
                .max(Instant::compareTo);
    }

    /**
     * The files that may hold the column's greatest value: those without usable statistics, and those whose
     * maximum is within the truncation of the greatest maximum.
     */
    static List<FileStatistics> mayHoldTheGreatest(List<FileStatistics> files) {
        Optional<Instant> greatest =
                files.stream().flatMap(file -> file.maximum().stream()).max(Instant::compareTo);
        return files.stream()
                .filter(file -> !file.allNull())
                .filter(file -> file.maximum().isEmpty()
                        || file.maximum().get().plus(TRUNCATION).isAfter(greatest.get()))
                .toList();
    }
}
