package io.meterlake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Meanings that two parts must share are written once; this test fails when a second form appears in
 * the code people run (main sources of every module, the notebooks, the DAGs, the configuration).
 */
class OneMeaningTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    /** Every file of the code people run, relative to the repository root. */
    private static List<Path> shipped() {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> all = Files.walk(ROOT)) {
            all.filter(Files::isRegularFile)
                    .map(ROOT::relativize)
                    .filter(path -> {
                        String p = path.toString().replace('\\', '/');
                        return !p.contains("/target/")
                                && !p.startsWith(".")
                                && !p.contains("/.")
                                && (p.contains("/src/main/")
                                        || p.startsWith("notebooks/")
                                        || p.startsWith("conf/")
                                        || p.startsWith("airflow-dags/") && !p.startsWith("airflow-dags/tests/"));
                    })
                    .forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    private static List<String> filesMatching(Pattern pattern) {
        List<String> found = new ArrayList<>();
        for (Path file : shipped()) {
            try {
                if (pattern.matcher(Files.readString(ROOT.resolve(file))).find()) {
                    found.add(file.toString().replace('\\', '/'));
                }
            } catch (java.nio.charset.MalformedInputException binary) {
                // not text
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return found;
    }

    @Test
    void aMissingTablesErrorIsWrittenOnceWithItsFix() {
        // The fix hints of "no entitlements" and "no raw events": only WarehouseErrors words them.
        assertThat(filesMatching(Pattern.compile("load one first with 'meterlake entitlements load")))
                .containsExactly("stages/src/main/java/io/meterlake/table/WarehouseErrors.java");
        assertThat(filesMatching(Pattern.compile("ingest events first \\('meterlake events ingest")))
                .containsExactly("stages/src/main/java/io/meterlake/table/WarehouseErrors.java");
        assertThat(io.meterlake.table.WarehouseErrors.noEntitlements("w", "the file's records")
                        .getMessage())
                .isEqualTo(
                        "the warehouse w has no entitlements table to attribute the file's records with: load one first with 'meterlake entitlements load <file.csv>'");
        assertThat(io.meterlake.table.WarehouseErrors.noRawEvents("w").exitCode())
                .isEqualTo(2);
    }

    @Test
    void aPeriodsStateIsDecidedOnlyByPeriodState() {
        assertThat(shipped()).hasSizeGreaterThan(100);
        // SQL that reads approvals or locks decides a state: only PeriodState's view does.
        assertThat(filesMatching(Pattern.compile("(?i)\\b(from|join)\\s+billing_(approvals|period_locks)\\b")))
                .containsExactly("common/src/main/java/io/meterlake/period/PeriodState.java");
        // No second enumeration of the states.
        assertThat(filesMatching(Pattern.compile("\\bDRAFT\\s*,\\s*APPROVED\\b")))
                .containsExactly("common/src/main/java/io/meterlake/period/PeriodState.java");
    }

    @Test
    void theWindowIsDefinedOnlyByUsageWindow() {
        String usageWindow = "stages/src/main/java/io/meterlake/schema/UsageWindow.java";
        // Spark's window function (the grain) and the window struct's fields (the key's start and end).
        assertThat(filesMatching(Pattern.compile("functions\\.window\\(|sql\\.functions\\.window;")))
                .containsExactly(usageWindow);
        assertThat(filesMatching(Pattern.compile("WINDOW \\+ \"\\.(start|end)\"")))
                .containsExactly(usageWindow);
    }

    @Test
    void aProgressRowIsMadeOnlyByProgressRow() {
        // Both queries' writers build their row through ProgressRow, in the one column order.
        assertThat(filesMatching(Pattern.compile("createDataFrame\\([^;]*Tables\\.PROGRESS\\)")))
                .containsExactlyInAnyOrder(
                        "streaming/src/main/java/io/meterlake/streaming/sink/RawBatchWriter.java",
                        "streaming/src/main/java/io/meterlake/streaming/sink/ProgressRecorder.java");
        assertThat(filesMatching(Pattern.compile("ProgressRow\\.(raw|provisional)\\(")))
                .containsExactlyInAnyOrder(
                        "streaming/src/main/java/io/meterlake/streaming/sink/RawBatchWriter.java",
                        "streaming/src/main/java/io/meterlake/streaming/sink/ProgressRecorder.java");
    }

    @Test
    void theS3LayoutListsEveryTable() throws Exception {
        // docs/operations.md draws the warehouse's layout: every table of Tables, by its name.
        String doc = Files.readString(ROOT.resolve("docs/operations.md"));
        String layout = doc.substring(
                doc.indexOf("s3a://<bucket>/<prefix>/"), doc.indexOf("```", doc.indexOf("s3a://<bucket>/<prefix>/")));
        List<String> tables = new ArrayList<>();
        for (java.lang.reflect.Field field : io.meterlake.schema.Tables.class.getFields()) {
            if (field.getType() == String.class && java.lang.reflect.Modifier.isStatic(field.getModifiers())) {
                tables.add((String) field.get(null));
            }
        }
        assertThat(tables).hasSizeGreaterThanOrEqualTo(12);
        assertThat(tables).allSatisfy(table -> assertThat(layout).contains(" " + table + "/"));
    }
}
