package io.meterlake.gateway;

import io.meterlake.config.ConfigKeys;
import io.meterlake.error.MeterlakeException;
import java.nio.file.Path;
import java.util.List;

/**
 * Every message the gateway throws when it cannot start, with its fix, in one place (as Delta keeps its
 * messages in {@code DeltaErrors}). What it answers a client is worded by {@link Answer}.
 */
public final class GatewayErrors {
    /** How a tokens file's line reads. */
    private static final String TOKEN_LINE = "'<name> <sha256 hex of the token> <source>[,<source>...]'";

    private GatewayErrors() {}

    static MeterlakeException cannotListen(String host, int port, String problem) {
        return MeterlakeException.badInput(
                "the gateway cannot listen on " + host + ":" + port + " (" + problem + ")",
                "free the port or set gateway.port to another one");
    }

    static MeterlakeException topicTooSmall(String topic, int maxBatchBytes, int largestValid) {
        return MeterlakeException.badInput(
                "the topic '" + topic + "' takes record batches of at most " + maxBatchBytes
                        + " bytes (max.message.bytes), less than the largest event the rules accept needs ("
                        + largestValid + ")",
                "raise the topic's max.message.bytes to at least " + largestValid);
    }

    static MeterlakeException badTokenName(String name) {
        return MeterlakeException.badInput(
                "'" + name + "' is not a token name",
                "use letters, digits, '.', '_' and '-', starting with a letter or digit (at most 64)");
    }

    static MeterlakeException badTokenSources() {
        return MeterlakeException.badInput(
                "a token needs the sources it may send, each without spaces, commas or '#'",
                "pass --source <source> once per source");
    }

    public static MeterlakeException tokenNameTaken(Path file, String name) {
        return MeterlakeException.badInput(
                "there is a token named '" + name + "' in " + file + " already",
                "revoke it first with 'meterlake gateway tokens revoke " + name + "', or choose another name");
    }

    public static MeterlakeException noSuchToken(Path file, String name, List<String> names) {
        return MeterlakeException.badInput(
                "there is no token named '" + name + "' in " + file,
                names.isEmpty() ? "it holds no token" : "its tokens are " + String.join(", ", names));
    }

    static MeterlakeException tokensUnwritable(Path file, java.io.IOException e) {
        return MeterlakeException.badInput(
                "cannot write " + file + " (" + e.getMessage() + ")", "check that its directory is writable");
    }

    /** {@code gateway tokens list} on a file that does not exist. */
    public static MeterlakeException noTokensYet(Path file) {
        return MeterlakeException.badInput(
                "there is no tokens file at " + file,
                "add a token with 'meterlake gateway tokens add <name> --source <source>' (or --tenant <id> for a"
                        + " read token)");
    }

    static MeterlakeException noTokensFile(Path file) {
        return MeterlakeException.badInput(
                "the gateway's tokens file " + file + " does not exist",
                "create it with one line per token, " + TOKEN_LINE + " (docs/gateway.md), or point "
                        + ConfigKeys.GATEWAY_TOKENS_FILE + " at yours");
    }

    static MeterlakeException tokensUnreadable(Path file, Throwable cause) {
        return MeterlakeException.badInput(
                "cannot read the gateway's tokens file " + file, "check its permissions", cause);
    }

    static MeterlakeException tokensNotPrivate(Path file, String mode) {
        return MeterlakeException.badInput(
                "the gateway's tokens file " + file + " is accessible by group or others (mode " + mode
                        + "): it names every token and the sources each may send",
                "run chmod 600 " + file);
    }

    static MeterlakeException tokensUnusable(Path file, List<String> errors) {
        return MeterlakeException.badInput(
                "the gateway's tokens file " + file + " is not usable: " + String.join("; ", errors),
                "write one line per token: " + TOKEN_LINE + ", e.g. from: printf %s \"$TOKEN\" | sha256sum");
    }
}
