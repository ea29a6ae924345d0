package io.meterlake.cli;

import io.meterlake.error.CommandLineErrors;
import io.meterlake.output.Output;

import io.meterlake.config.FormatOption;

import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.stack.LocalKafka;
import io.meterlake.stack.LocalTrino;
import io.meterlake.stack.TrinoRegistry;
import io.meterlake.stack.MeterlakeHome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code meterlake stack}: the real local services (a Kafka broker) that the stream and the demo use. */
@Command(name = "stack", mixinStandardHelpOptions = true,
        description = {"Start, stop and inspect the local services (Kafka; Trino with --with-trino).", "",
            "All on 127.0.0.1: a single-node Kafka broker (KRaft), and with 'start --with-trino' a Trino server",
            "over the warehouse's Delta tables."},
        subcommands = {StackCommand.Start.class, StackCommand.Stop.class, StackCommand.Status.class})
final class StackCommand implements Runnable {
    @ParentCommand
    MeterlakeCommand root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw CommandLineErrors.subcommandRequired(spec);
    }

    LocalTrino trino() {
        return trino(root.config());
    }

    static LocalTrino trino(MeterlakeConfig config) {
        return new LocalTrino(Path.of(config.stack().dir()), MeterlakeHome.trinoServer(),
                MeterlakeHome.trinoTemplates(), config.stack().trinoPort());
    }

    LocalKafka kafka() {
        MeterlakeConfig.Stack stack = root.config().stack();
        return new LocalKafka(Path.of(stack.dir()), MeterlakeHome.kafkaLib(), stack.kafkaPort(),
                stack.kafkaControllerPort());
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = {"Start the Kafka broker (if it is not running) and create the event topic (if absent).",
                "With --with-trino also start Trino (Java 24+: TRINO_JAVA_HOME, or found under /usr/lib/jvm) and",
                "register the warehouse's tables and views in schema billing ('meterlake trino register')."})
    static final class Start implements Callable<Integer> {
        @ParentCommand
        StackCommand stack;

        @picocli.CommandLine.Option(names = "--with-trino", description = "Also start Trino and register the tables.")
        boolean withTrino;

        @Override
        public Integer call() throws Exception {
            MeterlakeConfig config = stack.root.config();
            LocalKafka kafka = stack.kafka();
            stack.root.err().println("stack: starting Kafka on " + kafka.bootstrapServers() + " ...");
            stack.root.err().flush();
            boolean started = kafka.start(config.kafka().topic(), config.kafka().partitions());
            stack.root.out().println("kafka " + (started ? "started" : "already running") + " on "
                    + kafka.bootstrapServers() + ", topic " + config.kafka().topic() + " ready (data in "
                    + kafka.dir() + ")");
            stack.root.out().flush();
            if (withTrino) {
                LocalTrino trino = stack.trino();
                stack.root.err().println("stack: starting Trino on 127.0.0.1:" + trino.port()
                        + " (takes 15-60 s) ...");
                stack.root.err().flush();
                boolean trinoStarted = trino.start(config.warehouse());
                TrinoRegistry.Registration registration = new TrinoRegistry(trino).register(Path.of(config.warehouse()));
                stack.root.out().println("trino " + (trinoStarted ? "started" : "already running") + " on "
                        + trino.jdbcUrl() + ": " + TrinoCommand.describe(registration));
                stack.root.out().flush();
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop the local services.")
    static final class Stop implements Callable<Integer> {
        @ParentCommand
        StackCommand stack;

        @Override
        public Integer call() {
            boolean trinoStopped = stack.trino().stop();
            boolean stopped = stack.kafka().stop();
            if (trinoStopped) {
                stack.root.out().println("trino stopped");
            }
            stack.root.out().println(stopped ? "kafka stopped" : "kafka was not running");
            stack.root.out().flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Say which local services run where (exit 1 if one is not running).")
    static final class Status implements Callable<Integer> {
        @ParentCommand
        StackCommand stack;

        @Mixin
        FormatOption format;

        @Override
        public Integer call() {
            LocalKafka kafka = stack.kafka();
            String pid = kafka.process().map(p -> Long.toString(p.pid())).orElse("-");
            boolean running = kafka.process().isPresent() && kafka.listening();
            String state = running ? "running" : kafka.process().isPresent() ? "starting or unhealthy" : "stopped";
            LocalTrino trino = stack.trino();
            String trinoPid = trino.process().map(p -> Long.toString(p.pid())).orElse("-");
            String trinoState = trino.process().isPresent() ? "running" : "stopped";
            String trinoAddress = "127.0.0.1:" + trino.port();
            if (format.json()) {
                Map<String, Object> services = new java.util.LinkedHashMap<>();
                services.put("kafka", Map.of("status", state, "address", kafka.bootstrapServers(), "pid", pid,
                        "data", kafka.dir().toString()));
                services.put("trino", Map.of("status", trinoState, "address", trinoAddress, "pid", trinoPid,
                        "data", trino.dir().toString()));
                Output.json(stack.root.out(), services);
            } else {
                Output.table(stack.root.out(), List.of("service", "status", "address", "pid", "data"),
                        List.of(List.of("kafka", state, kafka.bootstrapServers(), pid, kafka.dir().toString()),
                                List.of("trino", trinoState, trinoAddress, trinoPid, trino.dir().toString())));
            }
            // Trino is optional ('start --with-trino'); Kafka is the stack.
            return running ? ExitCodes.OK : ExitCodes.FAILED;
        }
    }
}
