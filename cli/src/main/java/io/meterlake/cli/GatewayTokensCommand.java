package io.meterlake.cli;

import io.meterlake.batch.usage.UsageScope;
import io.meterlake.cli.options.CommandLineErrors;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.cli.options.ReadsOnly;
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
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meterlake gateway tokens}: the gateway's bearer tokens, without writing a hash by hand. */
@Command(
        name = "tokens",
        description = {
            "The gateway's tokens: add one (shown once), list them, revoke one.",
            "",
            "Ingest tokens (gateway.tokens-file) send events; read tokens (gateway.read-tokens-file) read usage."
        },
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

    /** The usage API's read tokens: a file of their own. */
    static Path readFile(CommandSpec spec) {
        return Path.of(MeterlakeCommand.of(spec).config().gateway().readTokensFile());
    }

    /** The tokens of {@code file}; none when it does not exist yet. */
    private static List<Tokens.Token> tokens(Path file) {
        return Files.exists(file) ? Tokens.read(file, true).all() : List.of();
    }

    @Command(
            name = "add",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "Add a token that may send the given sources, or read the given tenants' usage; print it, once.",
                "",
                "The token (256 random bits, hex) goes to standard output and nowhere else: only its SHA-256 is",
                "written, an ingest token's to gateway.tokens-file, a read token's to gateway.read-tokens-file",
                "(created owner-only if missing). Hand it to the service or the tenant, e.g.",
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
                paramLabel = "<source>",
                description = "An ingest token: a source it may send (POST /v1/events); repeatable.")
        List<String> sources = new ArrayList<>();

        @Option(
                names = "--tenant",
                paramLabel = "<tenant_id>",
                description = "A read token: the usage of this tenant's subscriptions (GET /v1/usage/...); repeatable.")
        List<String> tenants = new ArrayList<>();

        @Option(
                names = "--account",
                paramLabel = "<billing_account_id>",
                description = "A read token: the usage of this billing account's subscriptions; repeatable.")
        List<String> accounts = new ArrayList<>();

        @Option(names = "--finance", description = "A read token: every subscription's usage.")
        boolean finance;

        @Override
        public Integer call() {
            MeterlakeCommand root = MeterlakeCommand.of(spec);
            List<String> grants = new ArrayList<>();
            tenants.forEach(tenant -> grants.add(UsageScope.TENANT + tenant));
            accounts.forEach(account -> grants.add(UsageScope.ACCOUNT + account));
            if (finance) {
                grants.add(UsageScope.FINANCE);
            }
            if (sources.isEmpty() == grants.isEmpty()) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(),
                        sources.isEmpty()
                                ? "say what the token may do: --source <source> to send events, or --tenant <id>,"
                                        + " --account <id> or --finance to read usage"
                                : "a token either sends (--source) or reads (--tenant, --account, --finance), not"
                                        + " both: add two tokens");
            }
            boolean read = !grants.isEmpty();
            Path file = read ? readFile(spec) : file(spec);
            Path other = read ? file(spec) : readFile(spec);
            if (tokens(other).stream().anyMatch(token -> token.name().equals(name))) {
                throw io.meterlake.gateway.GatewayErrors.tokenNameTaken(other, name);
            }
            String token = TokensFile.add(file, name, read ? grants : sources);
            root.err()
                    .println("gateway: " + (read ? "read token '" : "token '") + name + "' added for "
                            + String.join(", ", read ? grants : sources) + " to " + file
                            + "; it is printed only now: hand it to the " + (read ? "tenant" : "service") + " ("
                            + RELOADED + ")");
            root.err().flush();
            root.out().println(token);
            root.out().flush();
            return ExitCodes.OK;
        }
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = {
                "List the tokens: each name, its kind and what it may send or read (never a token or its hash).",
                "",
                "Kind: ingest (gateway.tokens-file: the sources it sends) or read (gateway.read-tokens-file: its",
                "grants, tenant:<id>, account:<id> or finance)."
            })
    static final class ListTokens implements Callable<Integer>, ReadsOnly {
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
            Path readFile = readFile(spec);
            if (!Files.exists(file) && !Files.exists(readFile)) {
                throw io.meterlake.gateway.GatewayErrors.noTokensYet(file);
            }
            List<Map<String, Object>> json = new ArrayList<>();
            List<List<String>> table = new ArrayList<>();
            for (Path each : List.of(file, readFile)) {
                String kind = each.equals(file) ? "ingest" : "read";
                for (Tokens.Token token : tokens(each)) {
                    List<String> may = token.sources().stream().sorted().toList();
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("name", token.name());
                    row.put("kind", kind);
                    row.put(each.equals(file) ? "sources" : "grants", may);
                    json.add(row);
                    table.add(List.of(token.name(), kind, String.join(", ", may)));
                }
            }
            if (format.json()) {
                Output.json(root.out(), json);
                return ExitCodes.OK;
            }
            Output.table(root.out(), List.of("token", "kind", "may send (ingest) or read"), table);
            root.out().println("(" + Output.count(table.size(), "token") + " in " + file + " and " + readFile + ")");
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
            Path readFile = readFile(spec);
            List<String> names = new ArrayList<>();
            for (Path each : List.of(file, readFile)) {
                names.addAll(tokens(each).stream().map(Tokens.Token::name).toList());
            }
            if (tokens(readFile).stream().anyMatch(token -> token.name().equals(name))) {
                file = readFile;
            } else if (!names.contains(name)) {
                throw io.meterlake.gateway.GatewayErrors.noSuchToken(file, name, names);
            }
            TokensFile.revoke(file, name);
            root.out().println("revoked token '" + name + "' in " + file + " (" + RELOADED + ")");
            root.out().flush();
            return ExitCodes.OK;
        }
    }
}
