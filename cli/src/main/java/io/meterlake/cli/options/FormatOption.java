package io.meterlake.cli.options;

import java.util.Iterator;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --format}, the one output option of every command: readable tables for people, JSON for
 * machines and, for the commands that list rows ({@link WithCsv}), CSV for spreadsheets.
 */
public final class FormatOption {
    /** Every output format a command prints. */
    public enum Format {
        table,
        json,
        csv
    }

    @Option(
            names = "--format",
            defaultValue = "table",
            paramLabel = "table|json",
            converter = TableOrJson.class,
            completionCandidates = TableOrJson.class,
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Format format;

    public boolean json() {
        return format == Format.json;
    }

    /** {@code --format} of the commands that also print CSV. */
    public static final class WithCsv {
        @Option(
                names = "--format",
                defaultValue = "table",
                paramLabel = "table|json|csv",
                description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
        Format format;

        public Format format() {
            return format;
        }

        public boolean json() {
            return format == Format.json;
        }
    }

    /** table or json: csv is named as a format this command does not print. */
    static final class TableOrJson implements ITypeConverter<Format>, Iterable<String> {
        private static final List<String> NAMES = List.of(Format.table.name(), Format.json.name());

        @Override
        public Format convert(String value) {
            if (NAMES.contains(value)) {
                return Format.valueOf(value);
            }
            throw new TypeConversionException("expected one of " + NAMES + " but was '" + value + "'"
                    + (value.equals(Format.csv.name()) ? " (this command prints no csv)" : ""));
        }

        @Override
        public Iterator<String> iterator() {
            return NAMES.iterator();
        }
    }
}
