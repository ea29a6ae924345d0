package io.meterlake.cli;

import io.meterlake.batch.ingest.FileIngestJob;
import io.meterlake.batch.ingest.IngestReport;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.error.ExitCodes;
import io.meterlake.output.Output;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code meterlake events ingest}: backfill JSONL files through the stream's stages. */
@Command(
        name = "ingest",
        mixinStandardHelpOptions = true,
        description = {
            "Ingest JSONL files of usage events (backfill).",
            "",
            "Valid records go to raw_usage_events, invalid ones to quarantined_events with a reason code, through",
            "the same parse, validate, normalize and attribute stages as the stream. A file is identified by its",
            "content: ingesting the same bytes again writes nothing; a run repeated after a crash completes it with",
            "the ingest time and entitlements of the first attempt. Records end at LF (a CR before it is dropped)",
            "and are read as bytes: a line that is not UTF-8 is quarantined as INVALID_ENCODING with its bytes."
        })
final class IngestCommand implements Callable<Integer> {
    /** The root command, wherever this one sits (under {@code events}/{@code trino}, or its old top-level alias). */
    MeterlakeCommand root;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @Parameters(arity = "1..*", paramLabel = "<file.jsonl>", description = "Files to ingest (local paths or URIs).")
    List<String> files;

    @Mixin
    FormatOption format;

    @Override
    public Integer call() {
        root = MeterlakeCommand.of(spec);
        for (String file : files) {
            if (!file.contains("://") && !Files.isRegularFile(Path.of(file))) {
                throw io.meterlake.batch.BatchErrors.inputMissing(file);
            }
        }
        List<IngestReport> reports = ingest(root, files);
        print(root, reports, format.json());
        return ExitCodes.OK;
    }

    static List<IngestReport> ingest(MeterlakeCommand root, List<String> files) {
        SparkSession spark = root.spark("meterlake-ingest");
        FileIngestJob job = new FileIngestJob(spark, root.config(), root.clock());
        List<IngestReport> reports = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            String label = "ingest " + (i + 1) + "/" + files.size() + " " + files.get(i);
            root.err().println(label + " ...");
            root.err().flush();
            try (SparkProgress ignored = SparkProgress.start(spark, root.err(), label)) {
                reports.add(job.ingest(files.get(i)));
            }
        }
        return reports;
    }

    static void print(MeterlakeCommand root, List<IngestReport> reports, boolean json) {
        IngestReport total = IngestReport.total(reports);
        if (json) {
            Output.json(root.out(), json(reports));
            return;
        }
        List<List<String>> rows = new ArrayList<>();
        for (IngestReport report : reports) {
            // A file ingested before adds nothing; what the tables hold for it is shown in parentheses.
            rows.add(List.of(
                    report.file(),
                    report.alreadyIngested() ? "already ingested" : "ingested",
                    Long.toString(report.records()),
                    report.alreadyIngested()
                            ? "0 (" + report.accepted() + " stored)"
                            : Long.toString(report.accepted()),
                    report.alreadyIngested()
                            ? "0 (" + report.quarantinedTotal() + " stored)"
                            : Long.toString(report.quarantinedTotal())));
        }
        Output.table(root.out(), List.of("file", "status", "records", "accepted", "quarantined"), rows);
        if (!total.quarantined().isEmpty()) {
            root.out().println();
            root.out().println("stored for these files:");
            List<List<String>> reasons = new ArrayList<>();
            total.quarantined()
                    .forEach((reason, n) -> reasons.add(
                            List.of(reason, Long.toString(n), total.examples().getOrDefault(reason, ""))));
            Output.table(root.out(), List.of("quarantine reason", "records", "for example"), reasons);
            root.out()
                    .println("each record with its detail: meterlake quarantine list --reason "
                            + total.quarantined().firstKey());
        }
        root.out().flush();
    }

    /**
     * The {@code --format json} object: {@code records} (the files' records), {@code accepted} and
     * {@code quarantined} (what this run added: nothing for a file ingested before), {@code stored}
     * (what the tables hold for these files), and the same per file under {@code files}.
     */
    static Map<String, Object> json(List<IngestReport> reports) {
        Map<String, Object> result = counts(
                IngestReport.total(reports.stream().map(IngestCommand::added).toList()));
        result.put("stored", stored(IngestReport.total(reports)));
        List<Map<String, Object>> perFile = new ArrayList<>();
        for (IngestReport report : reports) {
            Map<String, Object> file = new LinkedHashMap<>();
            file.put("file", report.file());
            file.put("sha256", report.sha256());
            file.put("status", report.alreadyIngested() ? "already-ingested" : "ingested");
            file.putAll(counts(added(report)));
            file.put("stored", stored(report));
            perFile.add(file);
        }
        result.put("files", perFile);
        return result;
    }

    /** What this run wrote for {@code report}'s file: nothing if it had been ingested before. */
    private static IngestReport added(IngestReport report) {
        return report.alreadyIngested()
                ? new IngestReport(report.file(), report.sha256(), true, report.records(), 0, new java.util.TreeMap<>())
                : report;
    }

    private static Map<String, Object> counts(IngestReport report) {
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("records", report.records());
        counts.put("accepted", report.accepted());
        counts.put("quarantined", report.quarantined());
        return counts;
    }

    private static Map<String, Object> stored(IngestReport report) {
        Map<String, Object> stored = new LinkedHashMap<>();
        stored.put("accepted", report.accepted());
        stored.put("quarantined", report.quarantined());
        return stored;
    }
}
