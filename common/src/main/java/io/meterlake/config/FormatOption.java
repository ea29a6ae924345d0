package io.meterlake.config;

import picocli.CommandLine.Option;

/** {@code --format}: readable tables for people, JSON for machines. */
public final class FormatOption {
    public enum Format { table, json }

    @Option(names = "--format", defaultValue = "table", paramLabel = "table|json",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Format format;

    public boolean json() {
        return format == Format.json;
    }
}
