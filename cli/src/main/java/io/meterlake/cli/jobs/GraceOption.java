package io.meterlake.cli.jobs;

import io.meterlake.config.MeterlakeConfig;
import io.meterlake.period.Durations;
import java.time.Duration;
import picocli.CommandLine.Option;

/** {@code --grace}: how long after a period's end late events may still arrive before it is published. */
public final class GraceOption {
    @Option(
            names = "--grace",
            paramLabel = "<duration>",
            description =
                    "Wait this long after the period's end, e.g. 48h or PT48H (default: the publish.grace setting, 48h).")
    String text;

    /** The grace given, else the configured one. */
    public Duration value(MeterlakeConfig config) {
        return text == null ? config.publishGrace() : Durations.parse("--grace", text);
    }
}
