package io.meterlake.cli;

import io.meterlake.cli.options.ConfigOptions;

import io.meterlake.cli.options.CommandLineErrors;
import io.meterlake.output.Output;

import io.meterlake.cli.options.FormatOption;

import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.stack.LocalGateway;
import io.meterlake.stack.LocalKafka;
import io.meterlake.stack.LocalS3;
import io.meterlake.stack.LocalTenantGateway;
import io.meterlake.storage.Storage;
import org.apache.hadoop.conf.Configuration;
import io.meterlake.stack.LocalTrino;
import io.meterlake.access.TrinoRegistry;
import io.meterlake.stack.MeterlakeHome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code meterlake stack}: the real local services (a Kafka broker) that the stream and the demo use. */
@Command(name = "stack", mixinStandardHelpOptions = true,
        description = {"Start, stop and inspect the local services (Kafka; Trino, S3, the HTTP gateway on request).", "",
            "All on 127.0.0.1: a single-node Kafka broker (KRaft); with 'start --with-s3' an S3-compatible server",
            "(S3Proxy) for s3a:// warehouses; with 'start --with-trino' a Trino server over the warehouse's Delta",
            "tables, and the tenant users' front door to it (plain queries only); with 'start --with-gateway' the",
            "HTTP ingestion gateway ('meterlake gateway')."},
        subcommands = {StackCommand.Start.class, StackCommand.Stop.class, StackCommand.Status.class})
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
        return new LocalTrino(Path.of(config.stack().dir()), MeterlakeHome.trinoServer(),
                MeterlakeHome.trinoTemplates(), config.stack().trinoPort());
    }

    /** The tenant users' front door to that Trino ({@code stack.tenant-sql-port}). */
    static LocalTenantGateway tenantGateway(MeterlakeConfig config) {
        return new LocalTenantGateway(Path.of(config.stack().dir()), config.stack().tenantSqlPort(),
                config.stack().trinoPort());
    }

    static LocalGateway gateway(MeterlakeConfig config) {
        return new LocalGateway(Path.of(config.stack().dir()), config.gateway());
    }

    static LocalS3 s3(MeterlakeConfig config) {
        return new LocalS3(Path.of(config.stack().dir()), MeterlakeHome.s3ProxyJar(), config.stack().s3Port());
    }

    /**
     * How Trino reaches the configured S3: the endpoint settings, and the keys the Hadoop credential
     * providers hold (none: Trino uses the AWS chain of its own environment).
     */
    static LocalTrino.ObjectStore objectStore(MeterlakeConfig config) throws IOException {
        Configuration hadoop = Storage.hadoopConfiguration(config);
        char[] access = hadoop.getPassword(Storage.ACCESS_KEY);
        char[] secret = hadoop.getPassword(Storage.SECRET_KEY);
        Optional<LocalS3.Credentials> credentials = access == null || secret == null ? Optional.empty()
                : Optional.of(new LocalS3.Credentials(new String(access), new String(secret)));
        return new LocalTrino.ObjectStore(config.s3().endpoint(), config.s3().region(), config.s3().pathStyleAccess(),
                credentials);
    }

    /** Starts Trino over the configured warehouse (local or s3a://). */
    static boolean startTrino(LocalTrino trino, MeterlakeConfig config) throws IOException {
        return trino.start(config.warehouse(),
                Storage.isS3(config.warehouse()) ? Optional.of(objectStore(config)) : Optional.empty());
    }

    LocalKafka kafka() {
        MeterlakeConfig.Stack stack = root.config().stack();
        return new LocalKafka(Path.of(stack.dir()), MeterlakeHome.kafkaLib(), stack.kafkaPort(),
                stack.kafkaControllerPort());
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = {"Start the Kafka broker (if it is not running) and create the event topic (if absent).",
                "With --with-s3 also start the S3 server and create the warehouse's bucket (or 'meterlake'), its keys",
                "generated into a Hadoop credential store under stack.dir; S3 starts before Trino.",
                "With --with-trino also start Trino (Java 24+: TRINO_JAVA_HOME, or found under /usr/lib/jvm) and",
                "register the warehouse's tables and views in schema billing ('meterlake trino register'), then",
                "start the tenant front door on stack.tenant-sql-port: tenant users send SQL there, which runs only",
                "plain queries (no EXPLAIN ANALYZE, EXPLAIN, SHOW, DESCRIBE: their figures cover every tenant).",
                "With --with-gateway also start the HTTP ingestion gateway on gateway.host:gateway.port ('meterlake",
                "gateway' in the background, with the same settings; its tokens file must exist)."})
    static final class Start implements Callable<Integer> {
        @ParentCommand
        StackCommand stack;

        @Mixin
        ConfigOptions options;

        @picocli.CommandLine.Option(names = "--with-trino", description = "Also start Trino and register the tables.")
        boolean withTrino;

        @picocli.CommandLine.Option(names = "--with-gateway",
                description = "Also start the HTTP ingestion gateway (POST /v1/events).")
        boolean withGateway;

        @picocli.CommandLine.Option(names = "--with-s3",
                description = "Also start the S3-compatible server and create the warehouse's bucket.")
        boolean withS3;

        @Override
        public Integer call() throws Exception {
            MeterlakeConfig config = stack.root.config();
            if (withS3) {
                LocalS3 s3 = s3(config);
                String bucket = Storage.isS3(config.warehouse()) ? Storage.bucket(config.warehouse()) : DEFAULT_BUCKET;
                stack.root.err().println("stack: starting the S3 server on " + s3.endpoint() + " ...");
                stack.root.err().flush();
                boolean started = s3.start(bucket);
                stack.root.out().println("s3 " + (started ? "started" : "already running") + " on " + s3.endpoint()
                        + ", bucket " + bucket + " ready (use --warehouse s3a://" + bucket + "/warehouse; data in "
                        + s3.dir().resolve("data") + ")");
                if (!config.s3().endpoint().equals(s3.endpoint())) {
                    stack.root.err().println("stack: note: s3.endpoint is " + config.s3().endpoint()
                            + ", not this server; set s3.endpoint=" + s3.endpoint() + " to use it");
                }
                stack.root.out().flush();
            }
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
                boolean trinoStarted = startTrino(trino, config);
                TrinoRegistry.Registration registration = new TrinoRegistry(trino)
                        .register(config.warehouse(), Storage.hadoopConfiguration(config), config.approvers());
                stack.root.out().println("trino " + (trinoStarted ? "started" : "already running") + " on "
                        + trino.jdbcUrl() + ": " + TrinoCommand.describe(registration));
                LocalTenantGateway gateway = tenantGateway(config);
                boolean gatewayStarted = gateway.start();
                stack.root.out().println("tenant front door " + (gatewayStarted ? "started" : "already running")
                        + " on " + gateway.jdbcUrl() + " (tenant users connect here: plain queries only)");
                stack.root.out().flush();
            }
            if (withGateway) {
                // A missing or broken tokens file is this command's error, not a line in the gateway's log.
                io.meterlake.gateway.Tokens tokens = io.meterlake.gateway.Tokens.read(Path.of(config.gateway().tokensFile()));
                LocalGateway gateway = gateway(config);
                boolean gatewayStarted = gateway.start(GatewayCommand.class.getName(), stack.root.options().toArgs());
                stack.root.out().println("gateway " + (gatewayStarted ? "started" : "already running") + " on "
                        + gateway.url() + "/v1/events (" + tokens.size() + (tokens.size() == 1 ? " token" : " tokens")
                        + "; log " + gateway.log() + ")");
                stack.root.out().flush();
            }
            return ExitCodes.OK;
        }
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

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Say which local services run where (exit 1 if one is not running).")
    static final class Status implements Callable<Integer> {
        @ParentCommand
        StackCommand stack;

        @Mixin
        ConfigOptions options;

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
            LocalTenantGateway gateway = tenantGateway(stack.root.config());
            String gatewayPid = gateway.process().map(p -> Long.toString(p.pid())).orElse("-");
            String gatewayState = gateway.process().isPresent() ? "running" : "stopped";
            String gatewayAddress = "127.0.0.1:" + gateway.port();
            LocalGateway ingest = gateway(stack.root.config());
            String ingestPid = ingest.process().map(p -> Long.toString(p.pid())).orElse("-");
            String ingestState = ingest.process().isPresent() ? "running" : "stopped";
            LocalS3 s3 = s3(stack.root.config());
            String s3Pid = s3.process().map(p -> Long.toString(p.pid())).orElse("-");
            String s3State = s3.process().isPresent() ? "running" : "stopped";
            if (format.json()) {
                Map<String, Object> services = new java.util.LinkedHashMap<>();
                services.put("kafka", Map.of("status", state, "address", kafka.bootstrapServers(), "pid", pid,
                        "data", kafka.dir().toString()));
                services.put("trino", Map.of("status", trinoState, "address", trinoAddress, "pid", trinoPid,
                        "data", trino.dir().toString()));
                services.put("tenant-sql", Map.of("status", gatewayState, "address", gatewayAddress, "pid", gatewayPid,
                        "data", trino.dir().toString()));
                services.put("gateway", Map.of("status", ingestState, "address", ingest.url(), "pid", ingestPid,
                        "data", ingest.log().getParent().toString()));
                services.put("s3", Map.of("status", s3State, "address", s3.endpoint(), "pid", s3Pid,
                        "data", s3.dir().toString()));
                Output.json(stack.root.out(), services);
            } else {
                Output.table(stack.root.out(), List.of("service", "status", "address", "pid", "data"),
                        List.of(List.of("kafka", state, kafka.bootstrapServers(), pid, kafka.dir().toString()),
                                List.of("trino", trinoState, trinoAddress, trinoPid, trino.dir().toString()),
                                List.of("tenant-sql", gatewayState, gatewayAddress, gatewayPid, trino.dir().toString()),
                                List.of("gateway", ingestState, ingest.url(), ingestPid, ingest.log().getParent().toString()),
                                List.of("s3", s3State, s3.endpoint(), s3Pid, s3.dir().toString())));
            }
            // Trino, S3 and the gateway are optional ('start --with-trino', '--with-s3', '--with-gateway'); Kafka is the stack.
            return running ? ExitCodes.OK : ExitCodes.FAILED;
        }
    }
}
