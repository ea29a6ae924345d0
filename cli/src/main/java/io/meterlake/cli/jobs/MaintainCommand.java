package io.meterlake.cli.jobs;

import io.meterlake.batch.maintain.MaintainJob;
import io.meterlake.batch.maintain.TableMaintenance;
import io.meterlake.cli.options.CliErrors;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.output.Output;
import io.meterlake.period.Durations;
import io.meterlake.table.Warehouse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code meterlake maintain}: see {@link MaintainJob}. */
@Command(
        name = "maintain",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Compact small files (Delta OPTIMIZE) and delete unreferenced ones (VACUUM) in every table.",
            "",
            "The stream writes a few files per table and micro-batch; compaction rewrites them into large ones,",
            "and VACUUM deletes files that no version within the retention refers to. Table contents never change.",
            "",
            "Retention rule: verify re-reads raw_usage_events at the version each published period was signed",
            "over, so VACUUM must keep every raw file removed since the oldest such version was committed.",
            "maintain refuses a --retain shorter than (now - that commit time + 1 day) and names the period",
            "and the minimum; raw also keeps its Delta log for ten years (delta.logRetentionDuration). While",
            "the stream runs, keep --retain well above its trigger interval (the default is Delta's own)."
        })
public final class MaintainCommand extends BatchCommand {
    @Option(
            names = "--retain",
            paramLabel = "<duration>",
            defaultValue = "P7D",
            description =
                    "VACUUM keeps files removed less than this long ago (30d, 12h, P7D; default: ${DEFAULT-VALUE}).")
    String retain;

    @Mixin
    FormatOption format;

    public MaintainCommand(Supplier<ConfigOptions> outerOptions, Clock clock) {
        super(outerOptions, clock);
    }

    @Override
    public Integer call() {
        Duration retention = Durations.parse("--retain", retain);
        if (retention.isNegative()) {
            throw CliErrors.negativeRetention(retain);
        }
        MeterlakeConfig config = config();
        Warehouse warehouse = new Warehouse(spark(config), config.warehouse());
        // The wall clock, not the command's clock: VACUUM measures its retention against the wall clock,
        // so the rule that bounds it must too. Nothing maintain does changes a table's contents.
        List<TableMaintenance> results =
                new MaintainJob(spark(config), warehouse).run(retention, Instant.now(), this::progress);
        if (format.json()) {
            List<Map<String, Object>> json = new ArrayList<>();
            for (TableMaintenance result : results) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("table", result.table());
                row.put("files_before", result.filesBefore());
                row.put("files_after", result.filesAfter());
                row.put("retention", result.retention().toString());
                row.put("files_deleted", result.filesDeleted());
                json.add(row);
            }
            Output.json(out(), json);
        } else {
            List<List<String>> rows = new ArrayList<>();
            for (TableMaintenance result : results) {
                rows.add(List.of(
                        result.table(),
                        Long.toString(result.filesBefore()),
                        Long.toString(result.filesAfter()),
                        Durations.render(result.retention()),
                        Long.toString(result.filesDeleted())));
            }
            Output.table(out(), List.of("table", "files before", "files after", "retention", "files deleted"), rows);
        }
        return ExitCodes.OK;
    }
}
