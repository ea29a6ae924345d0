package io.meterlake.cli;

import io.meterlake.attribution.EntitlementsCsv;
import io.meterlake.cli.options.CliErrors;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.error.ExitCodes;
import io.meterlake.model.Entitlement;
import io.meterlake.output.Output;
import io.meterlake.period.Period;
import io.meterlake.streaming.source.EventProducer;
import io.meterlake.workload.Truth;
import io.meterlake.workload.TruthJson;
import io.meterlake.workload.WorkloadGenerator;
import io.meterlake.workload.WorkloadSpec;
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
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code meterlake events generate}: a synthetic workload with its independently computed truth. */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Write a synthetic workload with its entitlements and expected totals.",
            "",
            "The expected totals are computed without Spark. The workload has duplicates, conflicting duplicates,",
            "late events, period and plan-change boundaries, non-UTC offsets and every invalid class."
        })
final class GenerateCommand implements Callable<Integer> {
    /** The root command, wherever this one sits (under {@code events}/{@code trino}, or its old top-level alias). */
    MeterlakeCommand root;

    @Mixin
    ConfigOptions options;

    @Option(names = "--events", defaultValue = "10000", description = "Records to write (default: ${DEFAULT-VALUE}).")
    long events;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--tenants", defaultValue = "5", description = "Tenants (default: ${DEFAULT-VALUE}).")
    int tenants;

    @Option(
            names = "--period",
            paramLabel = "YYYY-MM",
            description = "The span as one UTC month (default: the latest month that ended at least 2h ago).")
    String period;

    @Option(
            names = "--start",
            paramLabel = "<ISO time>",
            description = "Instead of --period: start of the span, ISO-8601 with offset (default: the period's start).")
    String start;

    @Option(names = "--days", description = "With --start: length of the span in days (default: the period's length).")
    Integer days;

    @Option(
            names = "--duplicate-rate",
            defaultValue = "0.05",
            description = "Share of exact duplicates (default: ${DEFAULT-VALUE}).")
    double duplicateRate;

    @Option(
            names = "--conflict-rate",
            defaultValue = "0.01",
            description = "Share of conflicting duplicates: same id, other quantity (default: ${DEFAULT-VALUE}).")
    double conflictRate;

    @Option(
            names = "--late-rate",
            defaultValue = "0.02",
            description = "Share of events 1-3 days behind the others (default: ${DEFAULT-VALUE}).")
    double lateRate;

    @Option(
            names = "--invalid-rate",
            defaultValue = "0.03",
            description = "Share of invalid records (default: ${DEFAULT-VALUE}).")
    double invalidRate;

    @Option(
            names = "--correction-rate",
            defaultValue = "0",
            description = "Share of corrections of earlier events: voids (some before their target), amends, and"
                    + " ones that cannot apply (default: ${DEFAULT-VALUE}).")
    double correctionRate;

    @Option(
            names = "--out",
            paramLabel = "<F.jsonl>",
            description = "Write the events to this file, one JSON object per line.")
    Path out;

    @Option(
            names = "--bootstrap-servers",
            paramLabel = "<host:port>",
            description = "Send the events to Kafka instead, one record each, keyed by tenant_id.")
    String bootstrapServers;

    @Option(names = "--topic", description = "With --bootstrap-servers: the topic (default: the kafka.topic setting).")
    String topic;

    @Option(
            names = "--entitlements-out",
            required = true,
            paramLabel = "<F.csv>",
            description = "Entitlements CSV for 'entitlements load'.")
    Path entitlementsOut;

    @Option(
            names = "--truth-out",
            required = true,
            paramLabel = "<F.json>",
            description = "Expected counts and totals.")
    Path truthOut;

    @Option(
            names = "--late-entitlements",
            defaultValue = "0",
            paramLabel = "<K>",
            description = {
                "The last K tenants' entitlements arrive after their events (default: ${DEFAULT-VALUE}):",
                "load --early-entitlements-out first and their events are quarantined UNATTRIBUTED; load",
                "--entitlements-out and 'quarantine replay' bills them. The truth's lines are the state after the",
                "replay; its before_late_entitlements says what the ingest against the early ones gives."
            })
    int lateEntitlements;

    @Option(
            names = "--early-entitlements-out",
            paramLabel = "<F.csv>",
            description = "With --late-entitlements: the entitlements known when the events arrive.")
    Path earlyEntitlementsOut;

    @Mixin
    FormatOption format;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        root = MeterlakeCommand.of(spec);
        if ((out == null) == (bootstrapServers == null)) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(),
                    "give exactly one destination for the events: --out <file> or --bootstrap-servers <host:port>");
        }
        if (period != null && (start != null || days != null)) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "give the span either as --period or as --start and --days, not both");
        }
        if ((lateEntitlements > 0) != (earlyEntitlementsOut != null)) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(),
                    "--late-entitlements K (K > 0) and --early-entitlements-out <F.csv> go together");
        }
        Period month = span(period, root.clock().instant());
        WorkloadSpec spec = new WorkloadSpec(
                events,
                seed,
                tenants,
                start == null ? month.start() : parseStart(start),
                days == null ? month.days() : days,
                duplicateRate,
                conflictRate,
                lateRate,
                invalidRate,
                lateEntitlements,
                correctionRate);
        Truth truth = out != null
                ? generate(spec, root, out, entitlementsOut, truthOut, earlyEntitlementsOut)
                : generate(
                        spec,
                        root,
                        bootstrapServers,
                        topic != null ? topic : root.config().kafka().topic(),
                        entitlementsOut,
                        truthOut,
                        earlyEntitlementsOut);
        if (format.json()) {
            Output.json(root.out(), TruthJson.toJson(truth));
        } else {
            printSummary(root, spec, truth);
        }
        return ExitCodes.OK;
    }

    /** Writes the events to {@code out}, plus the entitlements and the truth. */
    static Truth generate(WorkloadSpec spec, MeterlakeCommand root, Path out, Path entitlementsOut, Path truthOut) {
        return generate(spec, root, out, entitlementsOut, truthOut, null);
    }

    private static Truth generate(
            WorkloadSpec spec,
            MeterlakeCommand root,
            Path out,
            Path entitlementsOut,
            Path truthOut,
            Path earlyEntitlementsOut) {
        createParents(out);
        try (BufferedWriter writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            return generate(
                    spec,
                    root,
                    line -> {
                        try {
                            writer.write(line);
                            writer.write('\n');
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    },
                    entitlementsOut,
                    truthOut,
                    earlyEntitlementsOut);
        } catch (IOException | UncheckedIOException e) {
            throw CliErrors.cannotWrite(out, e.getMessage());
        }
    }

    /** Sends the events to Kafka (fails within seconds if it is unreachable), plus the entitlements and the truth. */
    static Truth generate(
            WorkloadSpec spec,
            MeterlakeCommand root,
            String bootstrapServers,
            String topic,
            Path entitlementsOut,
            Path truthOut) {
        return generate(spec, root, bootstrapServers, topic, entitlementsOut, truthOut, null);
    }

    /** As above; with {@code earlyEntitlementsOut} (non-null) also the entitlements known before the late ones. */
    static Truth generate(
            WorkloadSpec spec,
            MeterlakeCommand root,
            String bootstrapServers,
            String topic,
            Path entitlementsOut,
            Path truthOut,
            Path earlyEntitlementsOut) {
        try (EventProducer producer = EventProducer.open(bootstrapServers, topic)) {
            Truth truth = generate(spec, root, producer::send, entitlementsOut, truthOut, earlyEntitlementsOut);
            producer.flush();
            return truth;
        }
    }

    private static Truth generate(
            WorkloadSpec spec,
            MeterlakeCommand root,
            Consumer<String> events,
            Path entitlementsOut,
            Path truthOut,
            Path earlyEntitlementsOut) {
        WorkloadGenerator generator =
                new WorkloadGenerator(spec, root.config(), root.clock().instant());
        createParents(entitlementsOut, truthOut);
        ProduceCommand.Progress progress = new ProduceCommand.Progress(root, "generate");
        Truth truth = generator.generate(line -> {
            events.accept(line);
            progress.tick();
        });
        writeEntitlements(generator.entitlements(), entitlementsOut);
        if (earlyEntitlementsOut != null) {
            createParents(earlyEntitlementsOut);
            writeEntitlements(generator.earlyEntitlements(), earlyEntitlementsOut);
        }
        TruthJson.write(truth, truthOut);
        return truth;
    }

    private static void writeEntitlements(List<Entitlement> entitlements, Path file) {
        List<String> csv = new ArrayList<>();
        csv.add(String.join(",", EntitlementsCsv.HEADER));
        entitlements.stream().map(Entitlement::toCsv).forEach(csv::add);
        try {
            Files.write(file, csv, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw CliErrors.cannotWrite(file, e.getMessage());
        }
    }

    private static void printSummary(MeterlakeCommand root, WorkloadSpec spec, Truth truth) {
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("span", spec.start() + " .. " + spec.end());
        rows.put("records", Long.toString(truth.records()));
        rows.put("accepted (incl. duplicates)", Long.toString(truth.accepted()));
        rows.put("exact duplicates", Long.toString(truth.duplicates()));
        rows.put("conflicting duplicates", Long.toString(truth.conflicts()));
        truth.quarantined().forEach((reason, n) -> rows.put("quarantined " + reason, Long.toString(n)));
        if (truth.beforeLateEntitlements() != null) {
            rows.put(
                    "accepted before the late entitlements",
                    Long.toString(truth.beforeLateEntitlements().accepted()));
            rows.put(
                    "UNATTRIBUTED before the late entitlements",
                    Long.toString(truth.beforeLateEntitlements().quarantined().getOrDefault("UNATTRIBUTED", 0L)));
        }
        rows.put("expected billing lines", Long.toString(truth.lines().size()));
        Output.table(
                root.out(),
                List.of("generated", "value"),
                rows.entrySet().stream()
                        .map(e -> List.of(e.getKey(), e.getValue()))
                        .toList());
    }

    private static void createParents(Path... files) {
        for (Path file : files) {
            Path parent = file.toAbsolutePath().getParent();
            try {
                Files.createDirectories(parent);
            } catch (IOException e) {
                throw CliErrors.cannotCreateDirectory(parent);
            }
        }
    }

    /** The month {@code text} names, or the generator's default month at {@code now}. */
    static Period span(String text, Instant now) {
        if (text == null) {
            return Period.parse(WorkloadGenerator.defaultMonth(now).toString());
        }
        Period period = Period.parse(text);
        if (!period.isMonth()) {
            throw CliErrors.dayNotMonth(
                    text, WorkloadGenerator.defaultMonth(now).toString());
        }
        return period;
    }

    private static Instant parseStart(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw CliErrors.notAnInstant("--start", text);
        }
    }
}
