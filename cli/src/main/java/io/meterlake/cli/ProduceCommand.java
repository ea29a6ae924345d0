package io.meterlake.cli;

import io.meterlake.cli.options.CliErrors;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.cli.options.KafkaOptions;
import io.meterlake.error.ExitCodes;
import io.meterlake.output.Output;
import io.meterlake.streaming.source.EventProducer;
import io.meterlake.validation.JsonLines;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code meterlake events produce}: send a JSONL file to Kafka, one record per line. */
@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        description = {
            "Send each line of a JSONL file to Kafka as one record, keyed by tenant_id.",
            "",
            "Lines are separated by LF (a CR before it is dropped) and sent as the bytes they are:",
            "a line that is not JSON, or not UTF-8, is sent without a key, so the stream quarantines it."
        })
final class ProduceCommand implements Callable<Integer> {
    /** The root command, wherever this one sits (under {@code events}/{@code trino}, or its old top-level alias). */
    MeterlakeCommand root;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @Parameters(paramLabel = "<file.jsonl>", description = "The events to send.")
    Path file;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    FormatOption format;

    @Override
    public Integer call() {
        root = MeterlakeCommand.of(spec);
        if (!Files.isRegularFile(file)) {
            throw io.meterlake.batch.BatchErrors.inputMissing(file.toString());
        }
        String servers = kafka.bootstrapServers(root.config());
        String target = kafka.topic(root.config());
        try (EventProducer producer = EventProducer.open(servers, target);
                InputStream in = Files.newInputStream(file)) {
            Progress progress = new Progress(root, "produce");
            long[] line = {0};
            JsonLines.read(in, record -> {
                producer.send(record, ++line[0]);
                progress.tick();
            });
            producer.flush();
            print(root, format.json(), servers, target, producer.sent(), producer.perPartition());
        } catch (IOException | java.io.UncheckedIOException e) {
            throw CliErrors.cannotRead(file, e.getMessage());
        }
        return ExitCodes.OK;
    }

    static void print(
            MeterlakeCommand root,
            boolean json,
            String servers,
            String topic,
            long sent,
            Map<Integer, Long> perPartition) {
        if (json) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("records", sent);
            result.put("topic", topic);
            result.put("bootstrap_servers", servers);
            result.put("partitions", perPartition);
            Output.json(root.out(), result);
            return;
        }
        root.out().println("sent " + sent + " records to topic " + topic + " at " + servers);
        Output.table(
                root.out(),
                List.of("partition", "records"),
                perPartition.entrySet().stream()
                        .map(e -> List.of(Integer.toString(e.getKey()), Long.toString(e.getValue())))
                        .toList());
    }

    /** A line on stderr every 100,000 records, so a long run never looks hung. */
    static final class Progress {
        private final MeterlakeCommand root;
        private final String label;
        private long count;

        Progress(MeterlakeCommand root, String label) {
            this.root = root;
            this.label = label;
        }

        void tick() {
            if (++count % 100_000 == 0) {
                root.err().println(label + ": " + count + " records");
                root.err().flush();
            }
        }
    }
}
