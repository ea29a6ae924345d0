package io.meterlake.cli;

import io.meterlake.batch.ingest.IngestReport;
import io.meterlake.error.ExitCodes;
import io.meterlake.workload.Truth;
import io.meterlake.workload.WorkloadGenerator;
import io.meterlake.workload.WorkloadSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code meterlake demo}: the whole flow on the embedded default, with nothing to install: generate a
 * workload into {@code ./demo}, load its entitlements, ingest it into the warehouse, and check the
 * ingest summary against the generator's truth.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the whole flow on local Spark, with nothing to install.", "",
            "Generates a workload into ./demo, loads its entitlements, ingests it into the warehouse and",
            "compares the result with the generator's truth (exit 1 if they differ)."})
final class DemoCommand implements Callable<Integer> {
    @ParentCommand
    MeterlakeCommand root;

    @Option(names = "--events", defaultValue = "10000", description = "Records to generate (default: ${DEFAULT-VALUE}).")
    long events;

    @Mixin
    FormatOption format;

    @Override
    public Integer call() {
        Path dir = Path.of("demo");
        Path events = dir.resolve("events.jsonl");
        Path entitlements = dir.resolve("entitlements.csv");
        Path truthFile = dir.resolve("truth.json");
        Instant now = root.clock().instant();
        WorkloadSpec spec = new WorkloadSpec(this.events, 42, 5, WorkloadGenerator.defaultStart(now),
                WorkloadGenerator.defaultDays(now), 0.05, 0.01, 0.02, 0.03);

        step("1/3 generate " + this.events + " events into " + dir.toAbsolutePath());
        Truth truth = GenerateCommand.generate(spec, root, events, entitlements, truthFile);

        step("2/3 entitlements load " + entitlements);
        EntitlementsCommand.load(root, entitlements);

        step("3/3 ingest " + events + " into " + root.config().warehouse());
        List<IngestReport> reports = IngestCommand.ingest(root, List.of(events.toString()));
        IngestCommand.print(root, reports, format.json());

        List<String> problems = mismatches(truth, IngestReport.total(reports));
        if (problems.isEmpty() && !format.json()) {
            root.out().println();
            root.out().println("demo: the ingest matches the generator's truth: " + truth.records() + " records, "
                    + truth.accepted() + " accepted, " + (truth.records() - truth.accepted())
                    + " quarantined across " + truth.quarantined().size() + " reasons.");
        } else {
            root.err().println("demo: the ingest does not match the generator's truth: " + String.join("; ", problems));
        }
        root.out().flush();
        root.err().flush();
        return exitCode(problems);
    }

    private void step(String text) {
        root.err().println("demo: " + text);
        root.err().flush();
    }

    static List<String> mismatches(Truth truth, IngestReport report) {
        List<String> problems = new ArrayList<>();
        if (report.records() != truth.records()) {
            problems.add("records " + report.records() + " != expected " + truth.records());
        }
        if (report.accepted() != truth.accepted()) {
            problems.add("accepted " + report.accepted() + " != expected " + truth.accepted());
        }
        if (!report.quarantined().equals(truth.quarantined())) {
            problems.add("quarantined " + report.quarantined() + " != expected " + truth.quarantined());
        }
        return problems;
    }

    static int exitCode(List<String> problems) {
        return problems.isEmpty() ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
