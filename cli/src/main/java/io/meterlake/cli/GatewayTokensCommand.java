package io.meterlake.cli;

import io.meterlake.cli.options.CommandLineErrors;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.error.ExitCodes;
import io.meterlake.gateway.Tokens;
import io.meterlake.gateway.TokensFile;
import io.meterlake.output.Output;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meterlake gateway tokens}: the gateway's bearer tokens, without writing a hash by hand. */
@Command(
        name = "tokens",
        description = "The gateway's tokens (gateway.tokens-file): add one (shown once), list them, revoke one.",
        subcommands = {
            GatewayTokensCommand.Add.class,
            GatewayTokensCommand.ListTokens.class,
            GatewayTokensCommand.Revoke.class
        },
        mixinStandardHelpOptions = true)
final class GatewayTokensCommand implements Runnable {
    private static final String RELOADED =
            "a running gateway reloads the file within " + io.meterlake.gateway.Gateway.TOKENS_RELOAD_SECONDS + " s";

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw CommandLineErrors.subcommandRequired(spec);
    }

    static Path file(CommandSpec spec) {
        return Path.of(MeterlakeCommand.of(spec).config().gateway().tokensFile());
    }

    @Command(
            name = "add",
            mixinStandardHelpOptions = true,
            description = {
                "Add a token that may send the given sources; print it, once.",
                "",
                "The token (256 random bits, hex) goes to standard output and nowhere else: only its SHA-256 is",
                "written to the tokens file (created owner-only if missing). Hand it to the service, e.g.",
                "TOKEN=$(meterlake gateway tokens add billing-svc --source forge-functions)."
            })
    static final class Add implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOptions options;

        @Parameters(index = "0", paramLabel = "<name>", description = "What logs and answers call the token.")
        String name;

        @Option(
                names = "--source",
                required = true,
                paramLabel = "<source>",
                description = "A source the token may send; repeatable.")
        List<String> sources = new ArrayList<>();

        @Override
        public Integer call() {
            MeterlakeCommand root = MeterlakeCommand.of(spec);
            Path file = file(spec);
            String token = TokensFile.add(file, name, sources);
            root.err()
                    .println("gateway: token '" + name + "' added for " + String.join(", ", sources) + " to " + file
                            + "; it is printed only now: hand it to the service (" + RELOADED + ")");
            root.err().flush();
            root.out().println(token);
            root.out().flush();
            return ExitCodes.OK;
        }
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List the tokens: each name and the sources it may send (never a token or its hash).")
    static final class ListTokens implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOptions options;

        @Mixin
        FormatOption format;

        @Override
        public Integer call() {
            MeterlakeCommand root = MeterlakeCommand.of(spec);
            Path file = file(spec);
            Tokens tokens = Files.exists(file) ? Tokens.read(file, true) : null;
            if (tokens == null) {
                throw io.meterlake.gateway.GatewayErrors.noTokensYet(file);
            }
            List<Map<String, Object>> json = new ArrayList<>();
            List<List<String>> table = new ArrayList<>();
            for (Tokens.Token token : tokens.all()) {
                List<String> sources = token.sources().stream().sorted().toList();
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("name", token.name());
                row.put("sources", sources);
                json.add(row);
                table.add(List.of(token.name(), String.join(", ", sources)));
            }
            if (format.json()) {
                Output.json(root.out(), json);
                return ExitCodes.OK;
            }
            Output.table(root.out(), List.of("token", "sources"), table);
            root.out().println("(" + Output.count(table.size(), "token") + " in " + file + ")");
            root.out().flush();
            return ExitCodes.OK;
        }
    }

    @Command(
            name = "revoke",
            mixinStandardHelpOptions = true,
            description =
                    "Revoke a token: remove it from the tokens file; a running gateway refuses it within seconds.")
    static final class Revoke implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOptions options;

        @Parameters(index = "0", paramLabel = "<name>", description = "The token's name (see 'gateway tokens list').")
        String name;

        @Override
        public Integer call() {
            MeterlakeCommand root = MeterlakeCommand.of(spec);
            Path file = file(spec);
            TokensFile.revoke(file, name);
            root.out().println("revoked token '" + name + "' in " + file + " (" + RELOADED + ")");
            root.out().flush();
            return ExitCodes.OK;
        }
    }
}
