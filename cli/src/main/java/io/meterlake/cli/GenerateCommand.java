package io.meterlake.cli;

import io.meterlake.error.ExitCodes;
import io.meterlake.error.MeterlakeException;
import io.meterlake.model.Entitlement;
import io.meterlake.workload.Truth;
import io.meterlake.workload.TruthJson;
import io.meterlake.workload.WorkloadGenerator;
import io.meterlake.workload.WorkloadSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code meterlake generate}: a synthetic workload with its independently computed truth. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a synthetic workload with its entitlements and expected totals.", "",
            "The expected totals are computed without Spark. The workload has duplicates, conflicting duplicates,",
            "late events, period and plan-change boundaries, non-UTC offsets and every invalid class."})
final class GenerateCommand implements Callable<Integer> {
    @ParentCommand
    MeterlakeCommand root;

    @Option(names = "--events", defaultValue = "10000", description = "Records to write (default: ${DEFAULT-VALUE}).")
    long events;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--tenants", defaultValue = "5", description = "Tenants (default: ${DEFAULT-VALUE}).")
    int tenants;

    @Option(names = "--start", paramLabel = "<ISO time>",
            description = "Start of the span, ISO-8601 with offset (default: the first day of the previous UTC month).")
    String start;

    @Option(names = "--days", description = "Length of the span in days (default: the length of that month).")
    Integer days;

    @Option(names = "--duplicate-rate", defaultValue = "0.05", description = "Share of exact duplicates (default: ${DEFAULT-VALUE}).")
    double duplicateRate;

    @Option(names = "--conflict-rate", defaultValue = "0.01",
            description = "Share of conflicting duplicates: same id, other quantity (default: ${DEFAULT-VALUE}).")
    double conflictRate;

    @Option(names = "--late-rate", defaultValue = "0.02",
            description = "Share of events 1-3 days behind the others (default: ${DEFAULT-VALUE}).")
    double lateRate;

    @Option(names = "--invalid-rate", defaultValue = "0.03", description = "Share of invalid records (default: ${DEFAULT-VALUE}).")
    double invalidRate;

    @Option(names = "--out", required = true, paramLabel = "<F.jsonl>", description = "Events, one JSON object per line.")
    Path out;

    @Option(names = "--entitlements-out", required = true, paramLabel = "<F.csv>",
            description = "Entitlements CSV for 'entitlements load'.")
    Path entitlementsOut;

    @Option(names = "--truth-out", required = true, paramLabel = "<F.json>", description = "Expected counts and totals.")
    Path truthOut;

    @Mixin
    FormatOption format;

    @Override
    public Integer call() {
        Instant now = root.clock().instant();
        WorkloadSpec spec = new WorkloadSpec(events, seed, tenants, start == null ? WorkloadGenerator.defaultStart(now)
                : parseStart(start), days == null ? WorkloadGenerator.defaultDays(now) : days, duplicateRate,
                conflictRate, lateRate, invalidRate);
        Truth truth = generate(spec, root, out, entitlementsOut, truthOut);
        if (format.json()) {
            Output.json(root.out(), TruthJson.toJson(truth));
        } else {
            printSummary(root, spec, truth);
        }
        return ExitCodes.OK;
    }

    /** Writes the three files; reports progress on stderr for large workloads. */
    static Truth generate(WorkloadSpec spec, MeterlakeCommand root, Path out, Path entitlementsOut, Path truthOut) {
        WorkloadGenerator generator = new WorkloadGenerator(spec, root.config(), root.clock().instant());
        createParents(out, entitlementsOut, truthOut);
        Truth truth;
        long step = Math.max(100_000, spec.events() / 10);
        try (BufferedWriter writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            long[] written = {0};
            truth = generator.generate(line -> {
                try {
                    writer.write(line);
                    writer.write('\n');
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                if (++written[0] % step == 0) {
                    root.err().println("generate: " + written[0] + " of " + spec.events() + " records written");
                    root.err().flush();
                }
            });
            List<String> csv = new ArrayList<>();
            csv.add("entitlement_id,subscription_id,billing_account_id,tenant_id,app_id,plan,valid_from,valid_to");
            generator.entitlements().stream().map(Entitlement::toCsv).forEach(csv::add);
            Files.write(entitlementsOut, csv, StandardCharsets.UTF_8);
        } catch (IOException | UncheckedIOException e) {
            throw MeterlakeException.badInput("cannot write the workload (" + e.getMessage() + ")",
                    "check that the output paths are writable");
        }
        TruthJson.write(truth, truthOut);
        return truth;
    }

    private static void printSummary(MeterlakeCommand root, WorkloadSpec spec, Truth truth) {
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("span", spec.start() + " .. " + spec.end());
        rows.put("records", Long.toString(truth.records()));
        rows.put("accepted (incl. duplicates)", Long.toString(truth.accepted()));
        rows.put("exact duplicates", Long.toString(truth.duplicates()));
        rows.put("conflicting duplicates", Long.toString(truth.conflicts()));
        truth.quarantined().forEach((reason, n) -> rows.put("quarantined " + reason, Long.toString(n)));
        rows.put("expected billing lines", Long.toString(truth.lines().size()));
        Output.table(root.out(), List.of("generated", "value"),
                rows.entrySet().stream().map(e -> List.of(e.getKey(), e.getValue())).toList());
    }

    private static void createParents(Path... files) {
        for (Path file : files) {
            Path parent = file.toAbsolutePath().getParent();
            try {
                Files.createDirectories(parent);
            } catch (IOException e) {
                throw MeterlakeException.badInput("cannot create directory " + parent, "check the path");
            }
        }
    }

    private static Instant parseStart(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw MeterlakeException.badInput("--start '" + text + "' is not ISO-8601 with an offset",
                    "write it like 2026-10-01T00:00:00Z");
        }
    }
}
