package io.meterlake.cli.jobs;

import io.meterlake.batch.publish.Closing;
import io.meterlake.batch.publish.PeriodLock;
import io.meterlake.batch.publish.Receipt;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.output.Output;
import io.meterlake.period.Period;
import io.meterlake.signing.Signing;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code meterlake periods lock}: see {@link Closing#lock(Period, java.security.PrivateKey, Clock)}. */
@Command(
        name = "lock",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Lock a period at its approved latest revision: it never changes again.",
            "",
            "Appends to billing_period_locks (append-only), signed with --signing-key (the key that published",
            "the revision, or one in approval.approvers when that lists any) and linked into the chain of",
            "decisions; refused (exit 2) unless the latest revision is approved. --receipt writes the lock's",
            "signed receipt for 'verify --receipt': the one witness of a lock no later decision names yet.",
            "publish never writes another revision of a locked period: late events, replays and",
            "corrections that change it are billed by the next publish of the earliest open period after it,",
            "as correction lines (service_period = the locked period, charge_class = correction).",
            "Locking a locked period writes nothing."
        })
public final class LockCommand extends BatchCommand {
    @Mixin
    PeriodOption period;

    @Option(
            names = "--signing-key",
            required = true,
            paramLabel = "<file>",
            description = "The locking Ed25519 private key (PEM, PKCS#8): the publisher's or an approver's.")
    Path signingKey;

    @Option(
            names = "--receipt",
            paramLabel = "<file.json>",
            description = "Write the lock's signed receipt here (also when the period was locked already).")
    Path receipt;

    @Mixin
    FormatOption format;

    public LockCommand(Supplier<ConfigOptions> outerOptions, Clock clock) {
        super(outerOptions, clock);
    }

    @Override
    public Integer call() {
        Period billingPeriod = period.value();
        MeterlakeConfig config = config();
        Closing closing = closing(config);
        io.meterlake.batch.publish.Closing.Decided<PeriodLock> locked =
                closing.lock(billingPeriod, Signing.readPrivateKey(signingKey), clock());
        PeriodLock lock = locked.decision();
        boolean receiptWritten = receipt != null && lock.link() != null;
        if (receiptWritten) {
            Receipt.write(receipt, lock);
        }
        Period next = closing.nextOpen(billingPeriod);
        if (format.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("period", lock.period());
            json.put("revision", lock.revision());
            json.put("content_sha256", lock.contentSha256());
            json.put("approver_key_id", lock.approverKeyId());
            json.put("locked_at", lock.lockedAt().toString());
            json.put("key_id", lock.keyId());
            json.put("sequence", lock.sequence());
            json.put("receipt", receiptWritten ? receipt.toString() : null);
            json.put("corrections_go_to", next.toString());
            json.put("recorded_now", locked.recorded());
            Output.json(out(), json);
        } else {
            out().println((locked.recorded() ? "" : "already ") + "locked " + lock.period() + " at revision "
                    + lock.revision() + " (approved by key " + lock.approverKeyId() + "), at " + lock.lockedAt()
                    + (locked.recorded() ? "" : " (nothing written)"));
            out().println("what changes it from now on is billed in " + next + " as correction lines");
            if (receiptWritten) {
                out().println("receipt: " + receipt + " (sequence " + lock.sequence() + ")");
            }
        }
        out().flush();
        return ExitCodes.OK;
    }
}
