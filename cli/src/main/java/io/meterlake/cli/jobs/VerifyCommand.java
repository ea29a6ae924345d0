package io.meterlake.cli.jobs;

import io.meterlake.batch.publish.PeriodReport;
import io.meterlake.batch.publish.Receipt;
import io.meterlake.batch.publish.Verification;
import io.meterlake.batch.publish.VerifyJob;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.output.Output;
import io.meterlake.period.Period;
import io.meterlake.signing.Signing;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code meterlake periods verify}: see {@link VerifyJob}. */
@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Check a published period: hash, signature, append-only raw, and a recompute.",
            "",
            "Check a published revision: its stored lines hash to the signed content hash, the signature",
            "verifies with the public key, and recomputing the period from raw_usage_events at the recorded",
            "version with the recorded dedup horizon gives the same lines; the chain of every decision",
            "(publish, approval, lock, quarantine replay) has no gap, every link names the one before and",
            "verifies, every raw commit a decision witnessed is still there unchanged, and those tables were",
            "only appended to; with --receipt, the tables still hold the decision each receipt proves (the",
            "latest one has no other witness); each correction line re-derives from raw at the revision's",
            "version against the locked revision; every approval is signed by a key other than the",
            "publisher's (and in approval.approvers, if set), and a lock is signed and follows an approval",
            "of the revision it locks.",
            "Exit 0 when all hold; exit 1 naming every mismatch otherwise."
        })
public final class VerifyCommand extends BatchCommand {
    @Mixin
    PeriodOption period;

    @Option(names = "--revision", paramLabel = "<n>", description = "The revision (default: the latest).")
    Integer revision;

    @Option(
            names = "--public-key",
            required = true,
            paramLabel = "<file>",
            description = "Ed25519 public key (PEM), e.g. from 'meterlake keys generate'.")
    Path publicKey;

    @Option(
            names = "--receipt",
            paramLabel = "<file.json>",
            description = "Also prove the tables hold at least what this receipt (from 'publish --receipt' or 'lock"
                    + " --receipt') proves; repeatable.")
    List<Path> receipts = new ArrayList<>();

    @Mixin
    FormatOption format;

    public VerifyCommand(Supplier<ConfigOptions> outerOptions, Clock clock) {
        super(outerOptions, clock);
    }

    @Override
    public Integer call() {
        Period billingPeriod = period.value();
        var key = Signing.readPublicKey(publicKey);
        MeterlakeConfig config = existingWarehouse();
        List<Receipt.Proof> proofs = receipts.stream()
                .map(file -> Receipt.read(file, key, config.approvers()))
                .toList();
        // Before any recompute, without Spark: the revision exists and was signed by the key given.
        io.meterlake.batch.publish.BillingPeriod header = new io.meterlake.batch.publish.BillingPeriods(reads(config))
                .require(billingPeriod, revision == null ? OptionalInt.empty() : OptionalInt.of(revision));
        if (!header.keyId().equals(Signing.keyId(key))) {
            throw io.meterlake.cli.options.CliErrors.otherKey(
                    billingPeriod.toString(), header.revision(), header.keyId(), Signing.keyId(key));
        }
        progress("checking " + billingPeriod + " and recomputing it from raw_usage_events in " + config.warehouse());
        Verification result = new VerifyJob(spark(config), config)
                .verify(billingPeriod, revision == null ? OptionalInt.empty() : OptionalInt.of(revision), key, proofs);
        if (format.json()) {
            Output.json(out(), json(result));
        } else {
            table(out(), result);
        }
        out().flush();
        return result.holds() ? ExitCodes.OK : ExitCodes.FAILED;
    }

    /** The {@code --format json} object of a verification. */
    public static Map<String, Object> json(Verification result) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("period", result.header().period().toString());
        json.put("revision", result.header().revision());
        json.put("raw_table_version", result.header().rawTableVersion());
        json.put("key_id", result.header().keyId());
        json.put("content_sha256", result.header().contentSha256());
        json.put("stored_sha256", result.storedSha256());
        json.put("recomputed_sha256", result.recomputedSha256());
        json.put("correction_line_count", result.corrections());
        json.putAll(PeriodReport.statusFields(result.status()));
        json.put("verified", result.holds());
        json.put("mismatches", result.mismatches());
        return json;
    }

    /** The readable outcome: one line when it holds, else one line per mismatch. */
    public static void table(PrintWriter out, Verification result) {
        if (result.holds()) {
            out.println("verified " + result.header().period() + " revision "
                    + result.header().revision() + ": "
                    + result.storedLines() + " lines"
                    + (result.corrections() == 0
                            ? ""
                            : " and " + result.corrections() + " correction lines (each re-derived from raw)")
                    + ", content sha256 " + result.storedSha256() + ", signature by key "
                    + result.header().keyId() + " valid, recomputed from raw_usage_events v"
                    + result.header().rawTableVersion() + ": identical");
            out.println(PeriodReport.statusLine(result.status()) + "; approvals and lock checked");
        } else {
            out.println("verification FAILED for " + result.header().period() + " revision "
                    + result.header().revision() + " ("
                    + Output.count(result.mismatches().size(), "mismatch", "mismatches")
                    + "):");
            result.mismatches().forEach(mismatch -> out.println("  - " + mismatch));
        }
        out.flush();
    }
}
