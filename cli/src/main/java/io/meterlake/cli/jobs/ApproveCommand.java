package io.meterlake.cli.jobs;

import io.meterlake.batch.publish.Approval;
import io.meterlake.batch.publish.Closing;
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
import java.util.OptionalInt;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code meterlake periods approve}: see {@link Closing#approve}. */
@Command(
        name = "approve",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Approve the latest published revision of a period (four eyes).",
            "",
            "Signs the revision's period, number, content hash and header hash with the approver's Ed25519 key",
            "into billing_approvals (append-only). Refused (exit 2): the key that published the revision (the",
            "preparer of a bill never approves it), a key not in approval.approvers when that lists any, a",
            "revision that is not the latest, a locked period. Approving again with the same key writes nothing.",
            "Then 'meterlake periods lock --period P --signing-key <file>' makes the approved revision final."
        })
public final class ApproveCommand extends BatchCommand {
    @Mixin
    PeriodOption period;

    @Option(
            names = "--revision",
            paramLabel = "<n>",
            description = "The revision (default: the latest; only the latest can be approved).")
    Integer revision;

    @Option(
            names = "--approver-key",
            required = true,
            paramLabel = "<file>",
            description = "The approver's Ed25519 private key (PEM, PKCS#8, mode 600): not the publisher's.")
    Path approverKey;

    @Mixin
    FormatOption format;

    public ApproveCommand(Supplier<ConfigOptions> outerOptions, Clock clock) {
        super(outerOptions, clock);
    }

    @Override
    public Integer call() {
        Period billingPeriod = period.value();
        MeterlakeConfig config = config();
        var key = Signing.readPrivateKey(approverKey);
        Closing closing = closing(config);
        io.meterlake.batch.publish.Closing.Decided<Approval> approved = closing.approve(
                billingPeriod, revision == null ? OptionalInt.empty() : OptionalInt.of(revision), key, clock());
        Approval approval = approved.decision();
        if (format.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("period", approval.period());
            json.put("revision", approval.revision());
            json.put("content_sha256", approval.contentSha256());
            json.put("publisher_key_id", approval.publisherKeyId());
            json.put("approver_key_id", approval.approverKeyId());
            json.put("approved_at", approval.approvedAt().toString());
            json.put("recorded_now", approved.recorded());
            Output.json(out(), json);
        } else {
            out().println((approved.recorded() ? "" : "already ") + "approved " + approval.period() + " revision "
                    + approval.revision() + " by key "
                    + approval.approverKeyId() + " (published by key " + approval.publisherKeyId() + "), at "
                    + approval.approvedAt() + "; content sha256 " + approval.contentSha256()
                    + (approved.recorded() ? "" : " (nothing written)"));
            out().println("next: meterlake periods lock --period " + approval.period() + " --signing-key <file>");
        }
        out().flush();
        return ExitCodes.OK;
    }
}
