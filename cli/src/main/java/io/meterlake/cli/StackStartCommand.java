package io.meterlake.cli;

import io.meterlake.access.TrinoRegistry;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.stack.LocalGateway;
import io.meterlake.stack.LocalKafka;
import io.meterlake.stack.LocalS3;
import io.meterlake.stack.LocalTenantGateway;
import io.meterlake.stack.LocalTrino;
import io.meterlake.storage.Storage;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code meterlake stack start}: the local services, each only if it is not running yet. */
@Command(
        name = "start",
        mixinStandardHelpOptions = true,
        description = {
            "Start the Kafka broker (if it is not running) and create the event topic (if absent).",
            "With --with-s3 also start the S3 server and create the warehouse's bucket (or 'meterlake'), its keys",
            "generated into a Hadoop credential store under stack.dir; S3 starts before Trino.",
            "With --with-trino also start Trino (Java 24+: TRINO_JAVA_HOME, or found under /usr/lib/jvm) and",
            "register the warehouse's tables and views in schema billing ('meterlake trino register'), then",
            "start the tenant front door on stack.tenant-sql-port: tenant users send SQL there, which runs only",
            "plain queries (no EXPLAIN ANALYZE, EXPLAIN, SHOW, DESCRIBE: their figures cover every tenant).",
            "With --with-gateway also start the HTTP ingestion gateway on gateway.host:gateway.port ('meterlake",
            "gateway' in the background, with the same settings; its tokens file must exist)."
        })
final class StackStartCommand implements Callable<Integer> {
    @ParentCommand
    StackCommand stack;

    @Mixin
    ConfigOptions options;

    @picocli.CommandLine.Option(names = "--with-trino", description = "Also start Trino and register the tables.")
    boolean withTrino;

    @picocli.CommandLine.Option(
            names = "--with-gateway",
            description = "Also start the HTTP ingestion gateway (POST /v1/events).")
    boolean withGateway;

    @picocli.CommandLine.Option(
            names = "--with-s3",
            description = "Also start the S3-compatible server and create the warehouse's bucket.")
    boolean withS3;

    @Override
    public Integer call() throws Exception {
        MeterlakeConfig config = stack.root.config();
        if (withS3) {
            startS3(config);
        }
        startKafka(config);
        if (withTrino) {
            startTrino(config);
        }
        if (withGateway) {
            startGateway(config);
        }
        return ExitCodes.OK;
    }

    private void startS3(MeterlakeConfig config) {
        LocalS3 s3 = StackCommand.s3(config);
        String bucket =
                Storage.isS3(config.warehouse()) ? Storage.bucket(config.warehouse()) : StackCommand.DEFAULT_BUCKET;
        starting(s3.process(), "the S3 server on " + s3.endpoint());
        boolean started = s3.start(bucket);
        stack.root
                .out()
                .println("s3 " + (started ? "started" : "already running") + " on " + s3.endpoint()
                        + ", bucket " + bucket + " ready (use --warehouse s3a://" + bucket + "/warehouse; data in "
                        + s3.dir().resolve("data") + ")");
        if (!config.s3().endpoint().equals(s3.endpoint())) {
            stack.root
                    .err()
                    .println("stack: note: s3.endpoint is " + config.s3().endpoint()
                            + ", not this server; set s3.endpoint=" + s3.endpoint() + " to use it");
        }
        stack.root.out().flush();
    }

    /** The progress line of a start that takes a while: only for a service that is not running already. */
    private void starting(java.util.Optional<ProcessHandle> running, String what) {
        if (running.isEmpty()) {
            stack.root.err().println("stack: starting " + what + " ...");
            stack.root.err().flush();
        }
    }

    private void startKafka(MeterlakeConfig config) {
        LocalKafka kafka = stack.kafka();
        starting(kafka.process(), "Kafka on " + kafka.bootstrapServers());
        boolean started = kafka.start(config.kafka().topic(), config.kafka().partitions());
        stack.root
                .out()
                .println("kafka " + (started ? "started" : "already running") + " on "
                        + kafka.bootstrapServers() + ", topic " + config.kafka().topic() + " ready (data in "
                        + kafka.dir() + ")");
        stack.root.out().flush();
    }

    private void startTrino(MeterlakeConfig config) throws Exception {
        LocalTrino trino = stack.trino();
        starting(trino.process(), "Trino on 127.0.0.1:" + trino.port() + " (takes 15-60 s)");
        boolean trinoStarted = StackCommand.startTrino(trino, config);
        TrinoRegistry.Registration registration = new TrinoRegistry(trino)
                .register(
                        config.warehouse(), Storage.hadoopConfiguration(config), config.approvers(), config.catalog());
        stack.root
                .out()
                .println("trino " + (trinoStarted ? "started" : "already running") + " on " + trino.jdbcUrl() + ": "
                        + TrinoCommand.describe(registration));
        LocalTenantGateway gateway = StackCommand.tenantGateway(config);
        boolean gatewayStarted = gateway.start();
        stack.root
                .out()
                .println("tenant front door " + (gatewayStarted ? "started" : "already running") + " on "
                        + gateway.jdbcUrl() + " (tenant users connect here: plain queries only)");
        stack.root.out().flush();
    }

    private void startGateway(MeterlakeConfig config) throws java.io.IOException {
        // A missing or broken tokens file is this command's error, not a line in the gateway's log.
        io.meterlake.gateway.Tokens tokens =
                io.meterlake.gateway.Tokens.read(Path.of(config.gateway().tokensFile()));
        LocalGateway gateway = StackCommand.gateway(config);
        boolean gatewayStarted = gateway.start(
                GatewayCommand.class.getName(), stack.root.options().toArgs());
        stack.root
                .out()
                .println("gateway " + (gatewayStarted ? "started" : "already running") + " on "
                        + gateway.url() + "/v1/events (" + io.meterlake.output.Output.count(tokens.size(), "token")
                        + "; log " + gateway.log() + ")");
        stack.root.out().flush();
    }
}
