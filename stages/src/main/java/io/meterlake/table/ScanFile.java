package io.meterlake.table;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.delta.kernel.Scan;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.internal.InternalScanFileUtils;
import io.delta.kernel.utils.CloseableIterator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One data file of a table version as Delta Kernel lists it, with its statistics parsed and its partition values:
 * what {@link DeltaReads} and {@link LiveTables} decide from, without opening the file, whether it may hold the
 * rows asked for.
 *
 * @param row the Kernel scan file (to read the file)
 * @param key the file's identity: its path, and its deletion vector's when it has one
 * @param stats the file's statistics; null when it has none (it is then always read)
 * @param partitionValues the file's partition values, by column
 */
record ScanFile(io.delta.kernel.data.Row row, String key, JsonNode stats, Map<String, String> partitionValues) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The files of {@code scan}, each once; a file {@code known} already has keeps its parsed statistics. */
    static List<ScanFile> list(Engine engine, Scan scan, Map<String, ScanFile> known, String path) {
        List<ScanFile> files = new ArrayList<>();
        try (CloseableIterator<FilteredColumnarBatch> batches =
                ((io.delta.kernel.internal.ScanImpl) scan).getScanFiles(engine, true)) {
            while (batches.hasNext()) {
                try (CloseableIterator<io.delta.kernel.data.Row> rows =
                        batches.next().getRows()) {
                    while (rows.hasNext()) {
                        io.delta.kernel.data.Row row = rows.next();
                        ScanFile earlier = known.get(key(row));
                        files.add(earlier != null ? earlier : of(row));
                    }
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + path, e);
        }
        return files;
    }

    static String key(io.delta.kernel.data.Row row) {
        var deletionVector = InternalScanFileUtils.getDeletionVectorDescriptorFromRow(row);
        return InternalScanFileUtils.getAddFileStatus(row).getPath()
                + (deletionVector == null ? "" : "#" + deletionVector.getUniqueId());
    }

    static ScanFile of(io.delta.kernel.data.Row row) {
        io.delta.kernel.data.Row add = row.getStruct(InternalScanFileUtils.ADD_FILE_ORDINAL);
        JsonNode stats = null;
        if (!add.isNullAt(InternalScanFileUtils.ADD_FILE_STATS_ORDINAL)) {
            try {
                stats = JSON.readTree(add.getString(InternalScanFileUtils.ADD_FILE_STATS_ORDINAL));
            } catch (IOException e) {
                stats = null; // no statistics: the file is read
            }
        }
        return new ScanFile(row, key(row), stats, InternalScanFileUtils.getPartitionValues(row));
    }

    /** Whether the file's partition values and statistics leave room for a row whose columns equal these values. */
    boolean mayHold(Map<String, ?> equalTo) {
        for (Map.Entry<String, ?> column : equalTo.entrySet()) {
            if (partitionValues.containsKey(column.getKey())
                    && !String.valueOf(column.getValue()).equals(partitionValues.get(column.getKey()))) {
                return false;
            }
        }
        return mayHold(stats, equalTo);
    }

    /** Whether a file's statistics leave room for a row whose columns equal these values. */
    static boolean mayHold(JsonNode stats, Map<String, ?> equalTo) {
        if (stats == null) {
            return true;
        }
        for (Map.Entry<String, ?> column : equalTo.entrySet()) {
            JsonNode min = stats.path("minValues").path(column.getKey());
            JsonNode max = stats.path("maxValues").path(column.getKey());
            Object value = column.getValue();
            if (value instanceof String text && min.isTextual() && max.isTextual()) {
                // Delta cuts long strings: the minimum to a prefix (still at most the true one), the maximum
                // to a prefix followed by a greatest character (still at least the true one).
                if (text.compareTo(min.asText()) < 0 || text.compareTo(max.asText()) > 0) {
                    return false;
                }
            } else if (value instanceof Number number && min.isIntegralNumber() && max.isIntegralNumber()) {
                if (number.longValue() < min.asLong() || number.longValue() > max.asLong()) {
                    return false;
                }
            }
        }
        return true;
    }
}
