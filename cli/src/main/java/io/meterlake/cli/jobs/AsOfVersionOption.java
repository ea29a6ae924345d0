package io.meterlake.cli.jobs;

import java.util.OptionalLong;
import picocli.CommandLine.Option;

/** {@code --as-of-version N}: the raw version a batch command reads, shared by reconcile and publish. */
public final class AsOfVersionOption {
    @Option(
            names = "--as-of-version",
            paramLabel = "<N>",
            description = "Read raw_usage_events at this Delta version (default: the current one).")
    Long version;

    public OptionalLong value() {
        return version == null ? OptionalLong.empty() : OptionalLong.of(version);
    }
}
