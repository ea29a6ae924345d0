package io.meterlake.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

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
            all.filter(Files::isRegularFile).map(ROOT::relativize).filter(path -> {
                String p = path.toString().replace('\\', '/');
                return !p.contains("/target/") && !p.startsWith(".") && !p.contains("/.")
                        && (p.contains("/src/main/") || p.startsWith("notebooks/") || p.startsWith("conf/")
                                || p.startsWith("airflow-dags/") && !p.startsWith("airflow-dags/tests/"));
            }).forEach(files::add);
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
    void aPeriodsStateIsDecidedOnlyByPeriodState() {
        assertThat(shipped()).hasSizeGreaterThan(100);
        // SQL that reads approvals or locks decides a state: only PeriodState's view does.
        assertThat(filesMatching(Pattern.compile("(?i)\\b(from|join)\\s+billing_(approvals|period_locks)\\b")))
                .containsExactly("common/src/main/java/io/meterlake/period/PeriodState.java");
        // No second enumeration of the states.
        assertThat(filesMatching(Pattern.compile("\\bDRAFT\\s*,\\s*APPROVED\\b")))
                .containsExactly("common/src/main/java/io/meterlake/period/PeriodState.java");
    }
}
