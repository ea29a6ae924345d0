package io.meterlake.error;

import java.nio.file.Path;
import java.util.List;

/**
 * Every message {@code common} throws, with its fix, in one place (as Delta keeps its messages in
 * {@code DeltaErrors}): keys, the configuration and the metric catalog, the entitlements file, periods and
 * durations. Each module has one such class; {@code ArchitectureTest} fails on a message worded elsewhere.
 */
public final class ContractErrors {
    private static final String CHECK_PERMISSIONS = "check its permissions";
    private static final String CATALOG_FORMAT = "fix the file; see conf/metrics.json for the format";

    private ContractErrors() {}

    // Keys (io.meterlake.signing).

    /** Where keys come from: the hint of every message about a key that is not what it should be. */
    private static final String GENERATE = "'meterlake keys generate'";

    public static MeterlakeException notAPrivateKey(Throwable cause) {
        return MeterlakeException.badInput(
                "the signing key is not an Ed25519 private key", "create one with " + GENERATE, cause);
    }

    public static MeterlakeException notAPrivateKey(Path file, Throwable cause) {
        return MeterlakeException.badInput(
                "'" + file + "' is not an Ed25519 private key", "create one with " + GENERATE, cause);
    }

    public static MeterlakeException notAPublicKey(Throwable cause) {
        return MeterlakeException.badInput(
                "the public key is not an Ed25519 key", "pass the public key written by " + GENERATE, cause);
    }

    public static MeterlakeException notAPublicKey(Path file, Throwable cause) {
        return MeterlakeException.badInput(
                "'" + file + "' is not an Ed25519 public key", "pass the public key written by " + GENERATE, cause);
    }

    public static MeterlakeException notPrivate(Path file, String mode) {
        return MeterlakeException.badInput(
                "private key file '" + file + "' is accessible by group or others (mode " + mode
                        + "): a signing key must be private",
                "run chmod 600 " + file);
    }

    public static MeterlakeException permissionsUnreadable(Path file, String problem) {
        return MeterlakeException.badInput(
                "cannot read the permissions of private key file '" + file + "' (" + problem
                        + "), so its privacy cannot be checked",
                "check the path and run chmod 600 " + file);
    }

    public static MeterlakeException cannotWrite(Path file, String problem) {
        return MeterlakeException.badInput(
                "cannot write key file '" + file + "' (" + problem + ")", "choose a writable path");
    }

    public static MeterlakeException missing(Path file) {
        return MeterlakeException.missingFile("key file", file.toString());
    }

    public static MeterlakeException unreadable(Path file, Throwable cause) {
        return MeterlakeException.badInput("cannot read key file '" + file + "'", CHECK_PERMISSIONS, cause);
    }

    public static MeterlakeException noPemBlock(Path file, String label) {
        return MeterlakeException.badInput(
                "'" + file + "' holds no PEM block '" + label + "'",
                "pass the " + label.toLowerCase(java.util.Locale.ROOT) + " file written by " + GENERATE);
    }

    public static MeterlakeException damagedPem(Path file, Throwable cause) {
        return MeterlakeException.badInput("'" + file + "' has a damaged PEM body", "regenerate the key", cause);
    }

    // The configuration and the metric catalog (io.meterlake.config, io.meterlake.catalog).

    public static MeterlakeException catalogNotJson(String origin, String detail, Throwable cause) {
        return MeterlakeException.badInput(
                "metric catalog " + origin + " is not valid JSON (" + detail + ")", CATALOG_FORMAT, cause);
    }

    public static MeterlakeException catalogInvalid(String origin, List<String> errors) {
        return MeterlakeException.badInput(
                "metric catalog " + origin + " is invalid: " + String.join("; ", errors), CATALOG_FORMAT);
    }

    public static MeterlakeException noCatalog(String key) {
        return MeterlakeException.badInput("no metric catalog found", "set " + key + " to the path of a metrics.json");
    }

    public static MeterlakeException catalogMissing(Path path) {
        return MeterlakeException.missingFile("metric catalog", path.toString());
    }

    public static MeterlakeException catalogUnreadable(Path path, Throwable cause) {
        return MeterlakeException.badInput("cannot read metric catalog " + path, CHECK_PERMISSIONS, cause);
    }

    public static MeterlakeException configUnreadable(Path file, String problem) {
        return MeterlakeException.badInput(
                "cannot read config file " + file + " (" + problem + ")",
                "it must be a Java properties file of key=value lines");
    }

    public static MeterlakeException configInvalid(List<String> errors) {
        return MeterlakeException.badInput(
                "invalid configuration: " + String.join("; ", errors),
                "fix the values named (keys and defaults are listed in conf/meterlake.properties)");
    }

    // The entitlements file (io.meterlake.attribution).

    public static MeterlakeException entitlementsMissing(Path file) {
        return MeterlakeException.missingFile("entitlements file", file.toString());
    }

    public static MeterlakeException entitlementsUnreadable(Path file, Throwable cause) {
        return MeterlakeException.badInput(
                "cannot read entitlements file " + file + " (" + cause.getMessage() + ")", "check the file", cause);
    }

    public static MeterlakeException entitlementsMalformed(Path file, String problems, List<String> header) {
        return MeterlakeException.badInput(
                "entitlements file " + file + " is malformed: " + problems,
                "expected a header " + String.join(",", header)
                        + " and ISO-8601 times with an offset, e.g. 2026-10-01T00:00:00Z");
    }

    public static MeterlakeException limitsMissing(Path file) {
        return MeterlakeException.missingFile("limits file", file.toString());
    }

    public static MeterlakeException limitsUnreadable(Path file, Throwable cause) {
        return MeterlakeException.badInput(
                "cannot read limits file " + file + " (" + cause.getMessage() + ")", "check the file", cause);
    }

    public static MeterlakeException limitsMalformed(Path file, String problems, List<String> header) {
        return MeterlakeException.badInput(
                "limits file " + file + " is malformed: " + problems,
                "expected a header " + String.join(",", header)
                        + ", soft or hard, thresholds like 50%;80%;100% and ISO-8601 times with an offset");
    }

    // Webhook endpoints (io.meterlake.webhooks).

    private static final String ENDPOINTS_FORMAT =
            "one endpoint per line: <name> <billing account or *> <http(s) url> <whsec_ secret> <since>;"
                    + " 'meterlake notifications endpoints add' writes them";

    public static MeterlakeException endpointsExposed(Path file, String mode) {
        return MeterlakeException.badInput(
                "webhook endpoints file '" + file + "' is accessible by group or others (mode " + mode
                        + "): it holds the signing secrets",
                "run chmod 600 " + file);
    }

    public static MeterlakeException endpointsUnreadable(Path file, String problem) {
        return MeterlakeException.badInput(
                "cannot read webhook endpoints file '" + file + "' (" + problem + ")", CHECK_PERMISSIONS);
    }

    public static MeterlakeException endpointsMalformed(Path file, String problems) {
        return MeterlakeException.badInput(
                "webhook endpoints file " + file + " is malformed: " + problems, ENDPOINTS_FORMAT);
    }

    public static MeterlakeException badEndpoint(String problem) {
        return MeterlakeException.badInput(problem, ENDPOINTS_FORMAT);
    }

    public static MeterlakeException noSuchEndpoint(Path file, String name) {
        return MeterlakeException.badInput(
                "no webhook endpoint named '" + name + "' in " + file,
                "see them with 'meterlake notifications endpoints list'");
    }

    // Periods and durations (io.meterlake.period).

    public static MeterlakeException notAPeriod(String value) {
        return MeterlakeException.badInput(
                "'" + value + "' is not a period",
                "write a UTC month as YYYY-MM (2026-10) or a UTC day as YYYY-MM-DD (2026-10-15)");
    }

    public static MeterlakeException notADuration(String option, String text, String syntax) {
        return MeterlakeException.badInput(option + " '" + text + "' is not a duration", syntax);
    }
}
