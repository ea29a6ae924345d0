package io.meterlake.cli.options;

import io.meterlake.error.MeterlakeException;
import java.util.List;

/**
 * Every message the commands themselves throw, with its fix, in one place (as Delta keeps its messages in
 * {@code DeltaErrors}); what the stages throw is worded by their module's errors class, and how any error is
 * printed by {@link CommandLineErrors}.
 */
public final class CliErrors {
    private static final String START_TRINO = "start it with 'meterlake stack start --with-trino'";

    private CliErrors() {}

    // Files the commands write or read themselves.

    /** entitlements load read back what it wrote, and the table holds something else. */
    public static MeterlakeException entitlementsNotAsWritten(String warehouse, int stored, int written) {
        return MeterlakeException.checkFailed("the entitlements table in " + warehouse + " holds " + stored
                + " entitlements after the load, which wrote " + written
                + ": another load ran at the same time; run 'meterlake entitlements show' and load again");
    }

    public static MeterlakeException limitsNotAsWritten(String warehouse, int stored, int written) {
        return MeterlakeException.checkFailed("the limits table in " + warehouse + " holds " + stored
                + " limits after the load, which wrote " + written
                + ": another load ran at the same time; run 'meterlake limits show --all' and load again");
    }

    public static MeterlakeException badMetricsAddress(String given) {
        return MeterlakeException.badInput(
                "--metrics '" + given + "' is not <host>:<port>",
                "e.g. --metrics 127.0.0.1:9464 (port 0: any free one)");
    }

    public static MeterlakeException metricsNotServed(String address, String problem) {
        return MeterlakeException.badInput(
                "cannot serve metrics at " + address + " (" + problem + ")", "choose a free port, or 0 for any");
    }

    public static MeterlakeException noSuchNotification(String id) {
        return MeterlakeException.badInput(
                "no notification " + id + " in limit_notifications", "see them with 'meterlake notifications list'");
    }

    public static MeterlakeException noEndpointTakes(String id, String endpoint) {
        return MeterlakeException.badInput(
                endpoint != null
                        ? "endpoint " + endpoint + " does not take notification " + id
                                + " (another billing account, or added after it was decided)"
                        : "no webhook endpoint takes notification " + id,
                "see the endpoints with 'meterlake notifications endpoints list'");
    }

    /** verify's first check, before any recompute: the revision was signed by another key than the one given. */
    public static MeterlakeException otherKey(String period, int revision, String signedBy, String given) {
        return MeterlakeException.checkFailed("revision " + revision + " of " + period + " was signed by key "
                + signedBy + ", the public key given is " + given
                + ": nothing recomputed (pass the publisher's public key)");
    }

    public static MeterlakeException noWarehouse(String warehouse) {
        return MeterlakeException.badInput(
                "there is no warehouse at " + warehouse,
                "pass --warehouse with the directory the stream and ingest write to (the 'warehouse' setting)");
    }

    public static MeterlakeException cannotWrite(Object file, String problem) {
        return MeterlakeException.badInput(
                "cannot write " + file + " (" + problem + ")", "check that the path is writable");
    }

    public static MeterlakeException cannotCreateDirectory(Object directory) {
        return MeterlakeException.badInput("cannot create directory " + directory, "check the path");
    }

    public static MeterlakeException cannotRead(Object file, String problem) {
        return MeterlakeException.badInput("cannot read " + file + " (" + problem + ")", "check the file");
    }

    public static MeterlakeException keyFileExists(Object path) {
        return MeterlakeException.badInput(
                "'" + path + "' already exists", "move it away or choose another path; keys are never overwritten");
    }

    public static MeterlakeException statementUnwritable(Object file, String problem) {
        return MeterlakeException.badInput(
                "cannot write the statement " + file + " (" + problem + ")",
                "pass a writable path with --out or --out-dir");
    }

    // Options.

    public static MeterlakeException outWithoutAccount() {
        return MeterlakeException.badInput(
                "--out writes one account's page, and no --billing-account was given",
                "add --billing-account <id>, or use --out-dir <dir> for one page per account");
    }

    public static MeterlakeException negativeRetention(String retain) {
        return MeterlakeException.badInput("--retain " + retain + " is negative", "give a duration such as 7d or 48h");
    }

    public static MeterlakeException dayNotMonth(String text, String example) {
        return MeterlakeException.badInput(
                "--period " + text + " is a day; a workload spans a month",
                "write a UTC month as YYYY-MM, e.g. --period " + example);
    }

    public static MeterlakeException notAnInstant(String option, String text) {
        return MeterlakeException.badInput(
                option + " '" + text + "' is not ISO-8601 with an offset", "write it like 2026-10-01T00:00:00Z");
    }

    // Periods' sensors (exit 75 until the state is reached).

    public static MeterlakeException waitsFor(String period, List<String> waitingFor) {
        return MeterlakeException.notReady("period " + period + " waits for " + String.join("; and for ", waitingFor));
    }

    public static MeterlakeException notYet(String period, String state, String until, String next) {
        return MeterlakeException.notReady("period " + period + " is " + state + ", not yet " + until + ": " + next);
    }

    // Trino.

    /** trino sql with a --warehouse that is not the one Trino has registered. */
    public static MeterlakeException otherWarehouseRegistered(String served, String wanted, String asked) {
        return MeterlakeException.badInput(
                "Trino serves " + served + ", not " + wanted,
                "register it first with 'meterlake --warehouse " + asked + " trino register'");
    }

    public static MeterlakeException trinoNotRunning(int port) {
        return MeterlakeException.unavailable("Trino is not running on 127.0.0.1:" + port, START_TRINO);
    }

    public static MeterlakeException tenantDoorNotRunning(int port) {
        return MeterlakeException.unavailable(
                "the tenant front door is not running on 127.0.0.1:" + port,
                START_TRINO + " (tenant users connect there, not to Trino)");
    }

    public static MeterlakeException queryFailed(String user, String problem) {
        return MeterlakeException.checkFailed("the query failed for user " + user + ": " + problem);
    }

    public static MeterlakeException trinoUnreachable(String what, int port, String problem) {
        return MeterlakeException.unavailable(
                "cannot reach " + what + " at 127.0.0.1:" + port + " (" + problem + ")",
                "see 'meterlake stack status', and restart it with 'meterlake stack stop' then"
                        + " 'meterlake stack start --with-trino'");
    }
}
