package io.meterlake.batch;

import io.meterlake.error.MeterlakeException;
import io.meterlake.period.Period;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * Every message of the batch layer, with its fix, in one place (as Delta keeps its messages in
 * {@code DeltaErrors}): ingest, recompute and reconcile, publish and its receipt, approval and lock, verify,
 * statements, corrections and maintenance. Exit codes follow the kind: 2 bad input, 1 a check failed, 75
 * not ready or busy (retry later).
 */
public final class BatchErrors {
    private static final String RECEIPT_FIX = "pass the file publish --receipt wrote";
    private static final String PUBLISH_AGAIN = ": run publish again to compare with it";

    private BatchErrors() {}

    // Ingest.

    public static MeterlakeException inputMissing(String file) {
        return MeterlakeException.missingFile("input file", file);
    }

    public static MeterlakeException inputUnopenable(String file, Throwable cause) {
        return MeterlakeException.badInput(
                "cannot open input file '" + file + "' (" + cause.getMessage() + ")", "check the path", cause);
    }

    public static MeterlakeException inputUnreadable(Object file, Throwable cause) {
        return MeterlakeException.badInput(
                "cannot read input file '" + file + "' (" + cause.getMessage() + ")", "check its permissions", cause);
    }

    // Recompute and reconcile.

    public static MeterlakeException noSuchRawVersion(long asked, long current) {
        return MeterlakeException.badInput(
                "--as-of-version " + asked + " does not exist: raw_usage_events has versions 0 to " + current,
                "pass one of them");
    }

    public static MeterlakeException lineOverflow(List<String> overflowed) {
        return MeterlakeException.checkFailed("the quantity of " + (overflowed.size() == 1 ? "the line " : "the lines ")
                + String.join("; ", overflowed) + " exceeds decimal(38,9) (29 integer digits): nothing was"
                + " written; find the events above the metric's max_quantity in raw_usage_events and correct them");
    }

    // Publish and its receipt.

    public static MeterlakeException notEnded(Period period, Instant now) {
        return MeterlakeException.badInput(
                "period " + period + " has not ended: it ends at " + period.end() + " (now " + now
                        + "), and a signed revision is kept forever",
                "publish it after its end plus the grace; --force only skips the wait for the grace and the stream");
    }

    public static MeterlakeException notReadyToPublish(Period period, List<String> waitingFor) {
        return MeterlakeException.notReady("period " + period + " waits for " + String.join("; and for ", waitingFor)
                + " (publish --force overrides, and says so in the period header)");
    }

    /** A first revision that would sign missing or partial data ({@code PublishDoubts}); nothing was signed. */
    public static MeterlakeException doubtfulFirstRevision(Period period, List<String> doubts) {
        return MeterlakeException.badInput(
                "publish refuses to sign " + period + ", which has no revision yet: " + String.join("; ", doubts),
                "check --period; if this revision is meant, pass --allow-empty (a signed revision is kept forever)");
    }

    /** {@code latest}: what the other publish made the latest revision, if it is known. */
    public static MeterlakeException concurrentPublish(Period period, String latest) {
        return MeterlakeException.busy(
                "another publish committed to " + period + " at the same time" + latest + PUBLISH_AGAIN);
    }

    public static MeterlakeException concurrentRevision(Period period, int revision) {
        return MeterlakeException.busy("another publish wrote revision " + revision + " of " + period
                + " at the same time, with other content" + PUBLISH_AGAIN);
    }

    public static MeterlakeException notPublished(Period period, String warehouse) {
        return MeterlakeException.badInput(
                "period " + period + " has not been published in " + warehouse,
                "publish it first with 'meterlake periods publish --period " + period + " --signing-key <file>'");
    }

    public static MeterlakeException noSuchRevision(Period period, int revision, int revisions) {
        return MeterlakeException.badInput(
                "period " + period + " has no revision " + revision, "its revisions are 1 to " + revisions);
    }

    public static MeterlakeException receiptUnwritable(Object file, String problem) {
        return MeterlakeException.badInput(
                "cannot write the receipt " + file + " (" + problem + ")", "pass a writable path with --receipt");
    }

    public static MeterlakeException receiptUnreadable(Object file, String problem) {
        return MeterlakeException.badInput("cannot read the receipt " + file + " (" + problem + ")", RECEIPT_FIX);
    }

    public static MeterlakeException notAReceipt(Object file) {
        return MeterlakeException.badInput(
                "the receipt " + file + " is not one publish wrote (a field is missing or of the wrong type)",
                RECEIPT_FIX);
    }

    public static MeterlakeException receiptDoesNotVerify(Object file, String keyId) {
        return MeterlakeException.checkFailed("the receipt " + file + " does not verify with the public key " + keyId
                + ": it was altered, or another key signed it");
    }

    // Approval and lock.

    public static MeterlakeException notLatest(Period period, int revision, int latest) {
        return MeterlakeException.badInput(
                "revision " + revision + " of " + period + " is not the latest (" + latest
                        + "): only the latest revision can be approved",
                "check 'meterlake periods show --period " + period + "' and approve revision " + latest);
    }

    public static MeterlakeException publisherApproves(Period period, int revision, String keyId) {
        return MeterlakeException.badInput(
                "key " + keyId + " published revision " + revision + " of " + period
                        + ", so it cannot approve it: four eyes (the preparer of a bill never approves it)",
                "approve with another person's key (--approver-key)");
    }

    public static MeterlakeException notAnApprover(String keyId, List<String> allowed) {
        return MeterlakeException.badInput(
                "key " + keyId + " is not an allowed approver (approval.approvers lists " + String.join(", ", allowed)
                        + ")",
                "approve with one of those keys, or add its id to approval.approvers in the configuration");
    }

    public static MeterlakeException alreadyLocked(Period period, int revision) {
        return MeterlakeException.badInput(
                "period " + period + " is locked at revision " + revision + " already",
                "nothing to approve: 'meterlake periods status --period " + period + "' shows it");
    }

    public static MeterlakeException storedLinesChanged(Period period, int revision, String stored, String signed) {
        return MeterlakeException.checkFailed(
                "the stored lines of revision " + revision + " of " + period + " hash to " + stored
                        + ", its header says " + signed + ": run 'meterlake periods verify' before approving anything");
    }

    public static MeterlakeException notApproved(Period period, int revision) {
        return MeterlakeException.badInput(
                "revision " + revision + " of " + period + " is not approved, so it cannot be locked",
                "approve it first: meterlake periods approve --period " + period + " --approver-key <another key>");
    }

    public static MeterlakeException chainBroken(String firstProblem, int problems) {
        return MeterlakeException.checkFailed("the chain of decisions is broken (" + firstProblem
                + (problems > 1 ? "; and " + (problems - 1) + " more" : "")
                + "), so no decision is added to it: 'meterlake periods verify' names what changed; restore the"
                + " tables from a backup");
    }

    public static MeterlakeException notALocker(Period period, String problem) {
        return MeterlakeException.badInput(
                problem + ", so it cannot lock " + period,
                "lock with the publishing key or an approver's: meterlake periods lock --period " + period
                        + " --signing-key <file>");
    }

    public static MeterlakeException approvalBroken(Period period, String problem) {
        return MeterlakeException.checkFailed(
                problem + ", so " + period + " is not locked: run 'meterlake periods verify --period " + period + "'");
    }

    // Verify.

    public static MeterlakeException periodLogGap(String gap) {
        return MeterlakeException.checkFailed("verification FAILED: the Delta log of billing_periods or"
                + " billing_period_lines has a gap (" + gap + "): a commit was removed");
    }

    // Statements.

    public static MeterlakeException accountWithoutLines(
            String account, Period period, int revision, Collection<String> accounts) {
        return MeterlakeException.badInput(
                "billing account " + account + " has no lines in revision " + revision + " of " + period,
                accounts.isEmpty()
                        ? "the revision has no lines at all"
                        : "its accounts are "
                                + String.join(", ", accounts.stream().limit(10).toList())
                                + (accounts.size() > 10 ? ", ..." : ""));
    }

    // Corrections.

    public static MeterlakeException emptyRange(Instant from, Instant to) {
        return MeterlakeException.badInput(
                "--from " + from + " is not before --to " + to,
                "give a range with --from earlier than --to (--to is exclusive)");
    }

    public static MeterlakeException blankReason() {
        return MeterlakeException.badInput(
                "--reason is blank", "say why the events are voided, e.g. --reason \"deploy 4711 double-sent\"");
    }

    public static MeterlakeException voidsUnwritable(Object path, Throwable cause) {
        return MeterlakeException.badInput(
                "cannot write the voids to " + path + " (" + cause.getMessage() + ")",
                "check that the warehouse is writable",
                cause);
    }

    // Maintenance.

    /**
     * {@code retain}: the retention asked; {@code signed}: the oldest signed revision, {@code over} what it was
     * signed over; {@code minimum}: the least retention that keeps its files.
     */
    public static MeterlakeException retentionTooShort(String retain, String signed, String over, String minimum) {
        return MeterlakeException.badInput(
                "--retain " + retain + " would let VACUUM delete raw_usage_events files that " + signed
                        + " needs for verify (" + over + ")",
                "use --retain " + minimum + " or longer (raw must keep removed files as long as the oldest signed"
                        + " period; see 'meterlake maintain --help')");
    }
}
