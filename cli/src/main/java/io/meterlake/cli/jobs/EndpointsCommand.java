package io.meterlake.cli.jobs;

import io.meterlake.cli.options.CommandLineErrors;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.cli.options.ReadsOnly;
import io.meterlake.error.ExitCodes;
import io.meterlake.output.Output;
import io.meterlake.webhooks.WebhookEndpoints;
import java.nio.file.Path;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code notifications endpoints add|list|remove}: where notifications go, without editing the file by hand. */
@Command(
        name = "endpoints",
        mixinStandardHelpOptions = true,
        description = {
            "The webhook endpoints notifications are delivered to (notifications.endpoints-file, owner-only):"
                    + " add one (its signing secret shown once), list them, remove one."
        })
public final class EndpointsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw CommandLineErrors.subcommandRequired(spec);
    }

    /** {@code endpoints add <name> --url U (--account A | --all)}. */
    @Command(
            name = "add",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "Add an endpoint for one billing account's notifications, or every account's (--all), decided from now"
                        + " on; prints the secret its receiver verifies signatures with (whsec_..., shown once)."
            })
    public static final class Add extends BatchCommand {
        @Parameters(paramLabel = "<name>", description = "1 to 64 letters, digits, '.', '_' or '-'.")
        String name;

        @Option(names = "--url", required = true, paramLabel = "<url>", description = "Where to POST: http(s)://...")
        String url;

        @CommandLine.ArgGroup(multiplicity = "1")
        Scope scope;

        static final class Scope {
            @Option(names = "--account", paramLabel = "<billing_account_id>", description = "That account's.")
            String account;

            @Option(names = "--all", description = "Every account's (a catch-all).")
            boolean all;
        }

        public Add(Supplier<ConfigOptions> outerOptions, Clock clock) {
            super(outerOptions, clock);
        }

        @Override
        public Integer call() {
            Path file = Path.of(config().notifications().endpointsFile());
            String secret = WebhookEndpoints.add(
                    file,
                    name,
                    scope.all ? "*" : scope.account,
                    url,
                    clock().instant().truncatedTo(ChronoUnit.SECONDS));
            out().println(secret);
            out().flush();
            err().println("added endpoint " + name + " to " + file + ": give its receiver the secret above (shown"
                    + " once); a running 'notifications deliver' uses it from its next round");
            err().flush();
            return ExitCodes.OK;
        }
    }

    /** {@code endpoints list}: never the secrets. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "The endpoints (never their secrets).")
    public static final class ListEndpoints extends BatchCommand implements ReadsOnly {
        @Mixin
        FormatOption format;

        public ListEndpoints(Supplier<ConfigOptions> outerOptions, Clock clock) {
            super(outerOptions, clock);
        }

        @Override
        public Integer call() {
            List<WebhookEndpoints.Endpoint> endpoints =
                    WebhookEndpoints.read(Path.of(config().notifications().endpointsFile()));
            if (format.json()) {
                Output.json(
                        out(),
                        Map.of(
                                "endpoints",
                                endpoints.stream()
                                        .map(e -> {
                                            Map<String, Object> json = new LinkedHashMap<>();
                                            json.put("name", e.name());
                                            json.put("account", e.account());
                                            json.put("url", e.url().toString());
                                            json.put("since", e.since().toString());
                                            return json;
                                        })
                                        .toList()));
            } else {
                Output.table(
                        out(),
                        List.of("name", "account", "url", "since"),
                        endpoints.stream()
                                .map(e -> List.of(
                                        e.name(),
                                        e.account(),
                                        e.url().toString(),
                                        e.since().toString()))
                                .toList());
                out().println(Output.count(endpoints.size(), "endpoint"));
            }
            out().flush();
            return ExitCodes.OK;
        }
    }

    /** {@code endpoints remove <name>}. */
    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove an endpoint (and its secret).")
    public static final class Remove extends BatchCommand {
        @Parameters(paramLabel = "<name>")
        String name;

        public Remove(Supplier<ConfigOptions> outerOptions, Clock clock) {
            super(outerOptions, clock);
        }

        @Override
        public Integer call() {
            Path file = Path.of(config().notifications().endpointsFile());
            WebhookEndpoints.remove(file, name);
            out().println("removed endpoint " + name + " from " + file);
            out().flush();
            return ExitCodes.OK;
        }
    }
}
