package io.meterlake.bench;

import io.meterlake.config.FormatOption;
import io.meterlake.model.BillingLine;
import io.meterlake.stack.MeterlakeHome;
import io.meterlake.validation.Quantities;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;

/** What every benchmark shares: where results go, the output format, progress lines, and the arithmetic. */
abstract class Benchmark implements Callable<Integer> {
    @Option(names = "--results-dir", paramLabel = "<dir>",
            description = "Where the JSON results go (default: bench/results of the installation).")
    Path resultsDir;

    @Mixin
    FormatOption format;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    void progress(String text) {
        spec.commandLine().getErr().println("bench " + spec.name() + ": " + text);
        spec.commandLine().getErr().flush();
    }

    Path resultsDir() {
        return Optional.ofNullable(resultsDir).orElse(MeterlakeHome.path().resolve("bench").resolve("results"));
    }

    /** A billing line as one comparable string, quantity rendered with its 9 fraction digits. */
    static String key(BillingLine line) {
        return String.join(" ", line.subscriptionId(), line.billingAccountId(), line.metric(), line.unit(),
                Quantities.render(line.quantity()), Long.toString(line.eventCount()));
    }

    /** How fast Meterlake is relative to a pipeline that took {@code other}: other's time ÷ Meterlake's. */
    static double ratio(Duration other, Duration ours) {
        return Math.round(seconds(other) / seconds(ours) * 1000) / 1000.0;
    }

    static double seconds(Duration duration) {
        return Math.max(duration.toNanos(), 1) / 1e9;
    }
}
