package io.meterlake.cli;

import io.meterlake.cli.options.CommandLineErrors;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.KafkaOptions;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.gateway.Gateway;
import io.meterlake.gateway.Tokens;
import io.meterlake.output.Output;
import io.meterlake.period.Durations;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code meterlake gateway}: runs the HTTP ingestion gateway ({@link Gateway}) until stopped. */
@Command(
        name = "gateway",
        subcommands = GatewayTokensCommand.class,
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Run the HTTP ingestion gateway: POST /v1/events into the event topic.",
            "",
            "Services send JSON arrays or NDJSON of at most 1,000 events and 1 MiB with 'Authorization: Bearer",
            "<token>'; each token may send the sources the tokens file (gateway.tokens-file) gives it. Each event is",
            "checked with the stream's own rules; every event of a well-formed request is produced (the stream",
            "quarantines the rejected ones), and 202 comes only once the broker acknowledged them all (else 503).",
            "Also GET /v1/health, /metrics (Prometheus) and /v1/openapi.json, and the tenant usage API:",
            "GET /v1/usage/subscriptions/{id} and /v1/usage/accounts/{id} (?period=YYYY-MM&window=period|day|hour),",
            "the body of 'usage --format json', with a read token (gateway.read-tokens-file). Settings: gateway.*",
            "in conf/meterlake.properties. Runs until stopped (Ctrl-C, SIGTERM). Tokens: 'meterlake gateway tokens'",
            "(add, list, revoke); a change of either tokens file counts within seconds, without a restart."
        })
public final class GatewayCommand implements Callable<Integer> {
    private final Supplier<ConfigOptions> outerOptions;
    private final Clock clock;

    @Mixin
    ConfigOptions options;

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandLine.Model.CommandSpec spec;

    /** {@code outerOptions}: options given before the command under {@code meterlake}; {@code clock}: ingest time. */
    public GatewayCommand(Supplier<ConfigOptions> outerOptions, Clock clock) {
        this.outerOptions = outerOptions;
        this.clock = clock;
    }

    /** The entry point of the gateway's own JVM ({@code stack start --with-gateway}). */
    public static void main(String[] args) {
        int exit = CommandLineErrors.install(new CommandLine(new GatewayCommand(ConfigOptions::new, Clock.systemUTC())))
                .execute(args);
        System.exit(exit);
    }

    @Override
    public Integer call() throws Exception {
        MeterlakeConfig config =
                kafka.applyTo(outerOptions.get().andThen(options).resolve());
        PrintWriter err = spec.commandLine().getErr();
        Tokens tokens = Tokens.read(Path.of(config.gateway().tokensFile()));
        Gateway gateway = Gateway.start(config, tokens, clock, err);
        Thread stopper = new Thread(gateway::close, "gateway-stop");
        Runtime.getRuntime().addShutdownHook(stopper);
        err.println("gateway: listening on http://" + config.gateway().host() + ":" + gateway.port() + "/v1/events ("
                + Output.count(tokens.size(), "token") + "), producing to "
                + config.kafka().topic() + " at " + config.kafka().bootstrapServers() + "; 503 after "
                + Durations.render(config.gateway().ackTimeout())
                + " without the broker's acknowledgement; stop with Ctrl-C");
        err.flush();
        gateway.join();
        return ExitCodes.OK;
    }
}
