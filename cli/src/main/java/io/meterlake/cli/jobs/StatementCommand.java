package io.meterlake.cli.jobs;

import io.meterlake.batch.statement.Statement;
import io.meterlake.batch.statement.StatementJob;
import io.meterlake.cli.options.CliErrors;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.output.Output;
import io.meterlake.period.Period;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code meterlake periods statement}: see {@link Statement}. */
@Command(
        name = "statement",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Write a billing account's statement of a published period as one HTML page.",
            "",
            "Self-contained (inline CSS and SVG, no script, nothing fetched): the account's lines and the",
            "correction lines the revision carries for it, exactly as signed; the period's state (draft,",
            "approved, locked) and the signature fingerprints; a chart of each line in its aggregation's",
            "terms, its billed value marked (days that add up to a sum or count, the highest or latest day,",
            "distinct values per day beside the period's, every bucket of a percentile, level x time per",
            "day), recomputed from raw at the revision's version. The same revision gives the same bytes.",
            "--out F.html: the one account of --billing-account. --out-dir D: one page per account",
            "(D/<period>-<account>.html), or the one of --billing-account."
        })
public final class StatementCommand extends BatchCommand {
    @Mixin
    PeriodOption period;

    @Option(names = "--revision", paramLabel = "<n>", description = "The revision (default: the latest).")
    Integer revision;

    @Option(
            names = "--billing-account",
            paramLabel = "<id>",
            description = "The account (default with --out-dir: every one).")
    String account;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Option(names = "--out", paramLabel = "<file.html>", description = "Write the account's page here.")
        Path file;

        @Option(
                names = "--out-dir",
                paramLabel = "<dir>",
                description = "Write one page per account into this directory.")
        Path dir;
    }

    @Mixin
    FormatOption format;

    public StatementCommand(Supplier<ConfigOptions> outerOptions, Clock clock) {
        super(outerOptions, clock);
    }

    @Override
    public Integer call() {
        Period billingPeriod = period.value();
        if (target.file != null && account == null) {
            throw CliErrors.outWithoutAccount();
        }
        MeterlakeConfig config = existingWarehouse();
        progress("reading revision " + (revision == null ? "(latest)" : revision) + " of " + billingPeriod
                + " and its charts from raw_usage_events in " + config.warehouse());
        List<Statement> statements = new StatementJob(spark(config), config)
                .statements(
                        billingPeriod,
                        revision == null ? OptionalInt.empty() : OptionalInt.of(revision),
                        Optional.ofNullable(account));
        List<Map<String, Object>> written = new ArrayList<>();
        for (Statement statement : statements) {
            Path file = target.file != null
                    ? target.file
                    : target.dir.resolve(billingPeriod + "-"
                            + statement.billingAccountId().replaceAll("[^A-Za-z0-9._-]", "_") + ".html");
            write(file, statement.html());
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("billing_account_id", statement.billingAccountId());
            row.put("period", statement.header().period().toString());
            row.put("revision", statement.header().revision());
            row.put("status", statement.state());
            row.put("lines", statement.lines().size());
            row.put("correction_lines", statement.corrections().size());
            row.put("file", file.toString());
            written.add(row);
        }
        if (format.json()) {
            Output.json(out(), written);
        } else {
            List<List<String>> rows = new ArrayList<>();
            written.forEach(
                    row -> rows.add(row.values().stream().map(String::valueOf).toList()));
            Output.table(
                    out(),
                    List.of("billing account", "period", "revision", "status", "lines", "corrections", "file"),
                    rows);
        }
        out().flush();
        return ExitCodes.OK;
    }

    private static void write(Path file, byte[] html) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(file, html);
        } catch (IOException e) {
            throw CliErrors.statementUnwritable(file, e.getMessage());
        }
    }
}
