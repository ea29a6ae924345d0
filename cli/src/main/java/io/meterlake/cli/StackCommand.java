package io.meterlake.cli;

import io.meterlake.cli.options.CommandLineErrors;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.output.Output;
import io.meterlake.stack.LocalGateway;
import io.meterlake.stack.LocalKafka;
import io.meterlake.stack.LocalS3;
import io.meterlake.stack.LocalTenantGateway;
import io.meterlake.stack.LocalTrino;
import io.meterlake.stack.MeterlakeHome;
import io.meterlake.storage.Storage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code meterlake stack}: the real local services (a Kafka broker) that the stream and the demo use. */
@Command(
        name = "stack",
        mixinStandardHelpOptions = true,
        description = {
            "Start, stop and inspect the local services (Kafka; Trino, S3, the HTTP gateway on request).",
            "",
            "All on 127.0.0.1: a single-node Kafka broker (KRaft); with 'start --with-s3' an S3-compatible server",
            "(S3Proxy) for s3a:// warehouses; with 'start --with-trino' a Trino server over the warehouse's Delta",
            "tables, and the tenant users' front door to it (plain queries only); with 'start --with-gateway' the",
            "HTTP ingestion gateway ('meterlake gateway')."
        },
        subcommands = {StackStartCommand.class, StackCommand.Stop.class, StackCommand.Status.class})
final class StackCommand implements Runnable {
    /** The bucket 'start --with-s3' creates when the warehouse is not in S3. */
    static final String DEFAULT_BUCKET = "meterlake";

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
        return new LocalTrino(
                Path.of(config.stack().dir()),
                MeterlakeHome.trinoServer(),
                MeterlakeHome.trinoTemplates(),
                config.stack().trinoPort());
    }

    /** The tenant users' front door to that Trino ({@code stack.tenant-sql-port}). */
    static LocalTenantGateway tenantGateway(MeterlakeConfig config) {
        return new LocalTenantGateway(
                Path.of(config.stack().dir()),
                config.stack().tenantSqlPort(),
                config.stack().trinoPort());
    }

    static LocalGateway gateway(MeterlakeConfig config) {
        return new LocalGateway(Path.of(config.stack().dir()), config.gateway());
    }

    static LocalS3 s3(MeterlakeConfig config) {
        return new LocalS3(
                Path.of(config.stack().dir()),
                MeterlakeHome.s3ProxyJar(),
                config.stack().s3Port());
    }

    /**
     * How Trino reaches the configured S3: the endpoint settings, and the keys the Hadoop credential
     * providers hold (none: Trino uses the AWS chain of its own environment).
     */
    static LocalTrino.ObjectStore objectStore(MeterlakeConfig config) throws IOException {
        Configuration hadoop = Storage.hadoopConfiguration(config);
        char[] access = hadoop.getPassword(Storage.ACCESS_KEY);
        char[] secret = hadoop.getPassword(Storage.SECRET_KEY);
        Optional<LocalS3.Credentials> credentials = access == null || secret == null
                ? Optional.empty()
                : Optional.of(new LocalS3.Credentials(new String(access), new String(secret)));
        return new LocalTrino.ObjectStore(
                config.s3().endpoint(), config.s3().region(), config.s3().pathStyleAccess(), credentials);
    }

    /** Starts Trino over the configured warehouse (local or s3a://). */
    static boolean startTrino(LocalTrino trino, MeterlakeConfig config) throws IOException {
        return trino.start(
                config.warehouse(),
                Storage.isS3(config.warehouse()) ? Optional.of(objectStore(config)) : Optional.empty());
    }

    LocalKafka kafka() {
        MeterlakeConfig.Stack stack = root.config().stack();
        return new LocalKafka(
                Path.of(stack.dir()), MeterlakeHome.kafkaLib(), stack.kafkaPort(), stack.kafkaControllerPort());
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop the local services.")
    static final class Stop implements Callable<Integer> {
        @ParentCommand
        StackCommand stack;

        @Mixin
        ConfigOptions options;

        @Override
        public Integer call() {
            boolean ingestStopped = gateway(stack.root.config()).stop();
            boolean gatewayStopped = tenantGateway(stack.root.config()).stop();
            boolean trinoStopped = stack.trino().stop();
            boolean s3Stopped = s3(stack.root.config()).stop();
            boolean stopped = stack.kafka().stop();
            if (ingestStopped) {
                stack.root.out().println("gateway stopped");
            }
            if (gatewayStopped) {
                stack.root.out().println("tenant front door stopped");
            }
            if (trinoStopped) {
                stack.root.out().println("trino stopped");
            }
            if (s3Stopped) {
                stack.root.out().println("s3 stopped");
            }
            stack.root.out().println(stopped ? "kafka stopped" : "kafka was not running");
            stack.root.out().flush();
            return ExitCodes.OK;
        }
    }

    @Command(
            name = "status",
            mixinStandardHelpOptions = true,
            description = "Say which local services run where (exit 1 if one is not running).")
    static final class Status implements Callable<Integer> {
        @ParentCommand
        StackCommand stack;

        @Mixin
        ConfigOptions options;

        @Mixin
        FormatOption format;

        /** One service's line: its status, where it listens, its process and its data. */
        private record Service(String name, String status, String address, String pid, String data) {
            static Service of(String name, Optional<ProcessHandle> process, String address, Path data) {
                return new Service(
                        name, process.isPresent() ? "running" : "stopped", address, pid(process), data.toString());
            }

            static String pid(Optional<ProcessHandle> process) {
                return process.map(p -> Long.toString(p.pid())).orElse("-");
            }
        }

        @Override
        public Integer call() {
            MeterlakeConfig config = stack.root.config();
            LocalKafka kafka = stack.kafka();
            boolean running = kafka.process().isPresent() && kafka.listening();
            String state = running ? "running" : kafka.process().isPresent() ? "starting or unhealthy" : "stopped";
            LocalTrino trino = stack.trino();
            LocalTenantGateway tenantSql = tenantGateway(config);
            LocalGateway ingest = gateway(config);
            LocalS3 s3 = s3(config);
            List<Service> services = List.of(
                    new Service(
                            "kafka",
                            state,
                            kafka.bootstrapServers(),
                            Service.pid(kafka.process()),
                            kafka.dir().toString()),
                    Service.of("trino", trino.process(), "127.0.0.1:" + trino.port(), trino.dir()),
                    Service.of("tenant-sql", tenantSql.process(), "127.0.0.1:" + tenantSql.port(), trino.dir()),
                    Service.of(
                            "gateway",
                            ingest.process(),
                            ingest.url(),
                            ingest.log().getParent()),
                    Service.of("s3", s3.process(), s3.endpoint(), s3.dir()));
            if (format.json()) {
                Map<String, Object> json = new java.util.LinkedHashMap<>();
                services.forEach(service -> json.put(
                        service.name(),
                        Map.of(
                                "status",
                                service.status(),
                                "address",
                                service.address(),
                                "pid",
                                service.pid(),
                                "data",
                                service.data())));
                Output.json(stack.root.out(), json);
            } else {
                Output.table(
                        stack.root.out(),
                        List.of("service", "status", "address", "pid", "data"),
                        services.stream()
                                .map(service -> List.of(
                                        service.name(),
                                        service.status(),
                                        service.address(),
                                        service.pid(),
                                        service.data()))
                                .toList());
            }
            // Trino, S3 and the gateway are optional ('start --with-trino', '--with-s3', '--with-gateway'); Kafka is
            // the stack.
            return running ? ExitCodes.OK : ExitCodes.FAILED;
        }
    }
}
