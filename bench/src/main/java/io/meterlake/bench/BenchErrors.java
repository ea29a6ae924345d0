package io.meterlake.bench;

import io.meterlake.error.MeterlakeException;
import java.nio.file.Path;

/**
 * Every message of the benchmarks, with its fix, in one place (as Delta keeps its messages in
 * {@code DeltaErrors}): options out of range, results a benchmark needs from another.
 */
final class BenchErrors {
    private BenchErrors() {}

    /** An option (or a combination) that cannot run; {@code example} shows one that can. */
    static MeterlakeException badOptions(String problem, String example) {
        return MeterlakeException.badInput(problem, example);
    }

    /** A command a benchmark runs exited with an error: its last error line. */
    static MeterlakeException commandFailed(String command, String err) {
        String[] lines = err.strip().split("\n");
        return MeterlakeException.checkFailed(
                "bin/meterlake " + command + " failed during the benchmark: " + lines[lines.length - 1]);
    }

    static MeterlakeException noStreamResults(Path resultsDir) {
        return MeterlakeException.badInput(
                "no stream results in " + resultsDir + " to take the rate from",
                "run 'meterlake bench stream' first, or pass --rate <events/s>");
    }

    static MeterlakeException noStreamRow(Path results) {
        return MeterlakeException.badInput(
                results + " has no 'Meterlake stream' row",
                "run 'meterlake bench stream' again, or pass --rate <events/s>");
    }
}
