package io.meterlake.cli.jobs;

import io.meterlake.period.Period;
import picocli.CommandLine.Option;

/** {@code --period}: the billing period a batch command works on. */
public final class PeriodOption {
    @Option(
            names = "--period",
            required = true,
            paramLabel = "YYYY-MM|YYYY-MM-DD",
            description = "The billing period: a UTC month (2026-10), or a UTC day (2026-10-15) for short cycles.")
    String text;

    /** The period; a usage error (exit 2) naming both forms if the text is neither. */
    public Period value() {
        return Period.parse(text);
    }
}
