package io.meterlake.table;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A table's Delta history, read for what {@code verify} must see: any change that was not an append. It reads
 * each commit's {@code commitInfo} from {@code _delta_log/<version>.json} itself (what Delta's
 * {@code DESCRIBE HISTORY} shows), without a Spark query.
 */
public final class TableHistory {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.util.regex.Pattern COMMIT = java.util.regex.Pattern.compile("\\d{20}\\.json");

    private TableHistory() {}

    /**
     * Commits that changed {@code table} other than by appending (as far back as its log reaches): the
     * evidence tables (raw, and the decisions: periods, approvals, locks, resolutions) are append-only, so a
     * deleted, updated or overwritten row is tampering even when Delta recorded it. Creating, adding
     * columns, compaction and vacuum do not change data and pass; a commit without its commit information
     * is named (it cannot be shown to be an append), and so is a gap in the log (a commit file deleted).
     */
    public static List<String> nonAppendChanges(Warehouse warehouse, String table) {
        List<String> changes = new ArrayList<>();
        Path log = new Path(warehouse.path(table), "_delta_log");
        try {
            FileSystem fs = log.getFileSystem(warehouse.spark().sessionState().newHadoopConf());
            TreeMap<Long, Path> commits = commits(fs, log);
            if (!commits.isEmpty() && commits.lastKey() - commits.firstKey() + 1 != commits.size()) {
                changes.add("the history of " + table + " cannot be read: its Delta log has a gap ("
                        + DeltaFailures.missing(commits.keySet().stream()
                                .mapToLong(Long::longValue)
                                .toArray()) + "): a commit was removed");
            }
            for (var commit : commits.entrySet()) {
                JsonNode info = commitInfo(fs, commit.getValue());
                String change = change(info);
                if (change != null) {
                    changes.add(table + " is not append-only: version " + commit.getKey() + " is a " + change);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the history of " + warehouse.path(table), e);
        }
        return changes;
    }

    /**
     * The operation metrics of the newest of {@code table}'s last {@code lookBack} commits that ran
     * {@code operation} (e.g. "VACUUM END"); empty when none did.
     */
    public static java.util.Optional<java.util.Map<String, String>> latestMetrics(
            Warehouse warehouse, String table, String operation, int lookBack) {
        Path log = new Path(warehouse.path(table), "_delta_log");
        try {
            FileSystem fs = log.getFileSystem(warehouse.spark().sessionState().newHadoopConf());
            int seen = 0;
            for (Path commit : commits(fs, log).descendingMap().values()) {
                if (seen++ == lookBack) {
                    break;
                }
                JsonNode info = commitInfo(fs, commit);
                if (info != null && info.path("operation").asText("").equals(operation)) {
                    java.util.Map<String, String> metrics = new java.util.LinkedHashMap<>();
                    info.path("operationMetrics")
                            .fields()
                            .forEachRemaining(
                                    e -> metrics.put(e.getKey(), e.getValue().asText()));
                    return java.util.Optional.of(metrics);
                }
            }
            return java.util.Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the history of " + warehouse.path(table), e);
        }
    }

    /** The commit files of a log by version. */
    private static TreeMap<Long, Path> commits(FileSystem fs, Path log) throws IOException {
        TreeMap<Long, Path> commits = new TreeMap<>();
        for (FileStatus file : fs.listStatus(log)) {
            String name = file.getPath().getName();
            if (COMMIT.matcher(name).matches()) {
                commits.put(Long.parseLong(name.substring(0, 20)), file.getPath());
            }
        }
        return commits;
    }

    /** What a commit did when it was not an append or a harmless change (null when it was). */
    private static String change(JsonNode info) {
        if (info == null) {
            return "commit without commit information";
        }
        String operation = info.path("operation").asText("");
        JsonNode parameters = info.path("operationParameters");
        String mode = parameters.path("mode").asText("");
        String properties = parameters.path("properties").asText("");
        boolean append = operation.equals("WRITE") && mode.equals("Append")
                || operation.equals("STREAMING UPDATE")
                        && parameters.path("outputMode").asText("").equals("Append");
        boolean harmless = operation.equals("CREATE TABLE")
                || operation.equals("ADD COLUMNS")
                || operation.equals("OPTIMIZE")
                || operation.startsWith("VACUUM")
                || operation.equals("SET TBLPROPERTIES") && !properties.contains("delta.appendOnly");
        if (append || harmless) {
            return null;
        }
        return operation + (properties.isEmpty() ? "" : " " + properties) + " (at "
                + Instant.ofEpochMilli(info.path("timestamp").asLong()) + ")";
    }

    private static JsonNode commitInfo(FileSystem fs, Path commit) throws IOException {
        try (BufferedReader lines =
                new BufferedReader(new InputStreamReader(fs.open(commit), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.startsWith("{\"commitInfo\"")) {
                    return JSON.readTree(line).get("commitInfo");
                }
            }
        }
        return null;
    }
}
