package io.meterlake.cli.jobs;

import io.meterlake.batch.publish.BillingPeriod;
import io.meterlake.batch.publish.PeriodReport;
import io.meterlake.batch.publish.PublishJob;
import io.meterlake.batch.publish.PublishMode;
import io.meterlake.batch.publish.PublishResult;
import io.meterlake.batch.publish.Receipt;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.output.Output;
import io.meterlake.period.Period;
import io.meterlake.signing.Signing;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code meterlake periods publish}: see {@link PublishJob}. */
@Command(
        name = "publish",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Sign and publish a period: a new revision only if its lines changed.",
            "",
            "Reconcile the period at one raw_usage_events version (--as-of-version, default the current one;",
            "the same as 'reconcile' at that version, which writes nothing if it ran already) and sign exactly",
            "the lines that run put into usage_aggregates_authoritative, as a new revision of billing_periods",
            "and billing_period_lines (append-only).",
            "Unchanged lines publish nothing ('unchanged, revision n'); changed lines publish revision n+1,",
            "which names the revision it supersedes.",
            "",
            "A locked period ('meterlake periods lock') is never published again: publish prints its lock and writes",
            "nothing. Instead, the publish of the earliest open period after locked ones adds correction lines:",
            "per line, (the locked period recomputed now) - (as locked) - (corrections already carried), with",
            "service_period = the locked period and charge_class = correction, inside its signed content.",
            "",
            "A period is ready when it has ended plus the grace period and the stream's watermark (if a stream",
            "runs) has passed its end; before that publish exits 75 (retry later) unless --force is given.",
            "A period that has not ended is refused (exit 2), with or without --force. So is a first revision",
            "that would hold no line (a mistyped month: the message says if it begins before raw's first event",
            "or is too old for any event to arrive), unless --allow-empty says an empty month is meant.",
            "One publish at a time per warehouse: a second one exits 75 naming the first.",
            "Every header is linked into one signed chain of all publishes; --receipt writes the latest",
            "revision's header as a signed receipt for 'verify --receipt', which no change to the table can undo."
        })
public final class PublishCommand extends BatchCommand {
    @Mixin
    PeriodOption period;

    @Option(
            names = "--signing-key",
            required = true,
            paramLabel = "<file>",
            description = "Ed25519 private key (PEM, PKCS#8), e.g. from 'meterlake keys generate'.")
    Path signingKey;

    @Mixin
    GraceOption grace;

    @Mixin
    AsOfVersionOption asOfVersion;

    @Option(
            names = "--receipt",
            paramLabel = "<file.json>",
            description = "Write the signed receipt of the period's latest revision (new or unchanged) here.")
    Path receipt;

    @Option(
            names = "--force",
            description = "Publish an ended period before its grace has passed or the stream's"
                    + " watermark has reached its end; the header records it.")
    boolean force;

    @Option(
            names = "--allow-empty",
            description = "Sign the first revision of a period even when it has no line (a month that truly had"
                    + " no usage; the nightly DAG passes it).")
    boolean allowEmpty;

    @Mixin
    FormatOption format;

    public PublishCommand(Supplier<ConfigOptions> outerOptions, Clock clock) {
        super(outerOptions, clock);
    }

    @Override
    public Integer call() {
        Period billingPeriod = period.value();
        MeterlakeConfig config = config();
        Duration wait = grace.value(config);
        PrivateKey key = Signing.readPrivateKey(signingKey);
        PublishJob.requireEnded(billingPeriod, clock().instant());
        progress("reconciling " + billingPeriod + " from raw_usage_events in " + config.warehouse());
        PublishResult result = new PublishJob(spark(config), config, clock())
                .publish(
                        billingPeriod,
                        key,
                        wait,
                        force ? PublishMode.FORCE : PublishMode.WHEN_READY,
                        asOfVersion.value(),
                        allowEmpty);
        BillingPeriod header = result.header();
        // Decided after every publish, new revision or not: a publish repeated after a crash decides what the
        // first did not write.
        int notified = new io.meterlake.batch.limits.LimitNotifier(config, clock())
                .published(new io.meterlake.table.Warehouse(spark(config), config.warehouse()), billingPeriod)
                .size();
        boolean receiptWritten = receipt != null && header.chain().isPresent();
        if (receiptWritten) {
            Receipt.write(receipt, header);
        }
        if (format.json()) {
            printJson(result, receiptWritten, notified);
            return ExitCodes.OK;
        }
        if (result.locked().isPresent()) {
            out().println("locked, revision " + header.revision() + ": " + header.period() + " was locked on "
                    + result.locked().get().lockedAt() + " and never changes; nothing written. What changed it since"
                    + " is billed as correction lines by the next publish of "
                    + new io.meterlake.batch.publish.Closing(
                                    spark(config),
                                    new io.meterlake.table.Warehouse(spark(config), config.warehouse()),
                                    config.approvers())
                            .nextOpen(billingPeriod));
        } else if (result.published()) {
            out().println("published " + header.period() + " revision " + header.revision()
                    + (header.supersedes().isPresent()
                            ? " (supersedes revision " + header.supersedes().getAsInt() + ")"
                            : "")
                    + (header.forced() ? ", FORCED before the period was ready" : ""));
        } else {
            out().println("unchanged, revision " + header.revision() + ": the lines of " + header.period()
                    + " equal the published ones; nothing written");
        }
        out().println(header.lineCount() + " lines from raw_usage_events v" + header.rawTableVersion()
                + ", content sha256 " + header.contentSha256() + ", signed by key " + header.keyId());
        if (!result.corrections().isEmpty()) {
            out().println("of which " + result.corrections().size() + " correction lines of locked periods ("
                    + String.join(
                            ", ",
                            result.corrections().stream()
                                    .map(c -> c.servicePeriod())
                                    .distinct()
                                    .toList()) + ")");
        }
        if (result.runId() != null) {
            out().println("usage_aggregates_authoritative holds these lines: reconcile run " + result.runId());
        }
        if (notified > 0) {
            out().println(notified + " limit notification(s) decided on these lines: 'meterlake notifications list"
                    + " --period " + billingPeriod + "'");
        }
        if (receipt != null) {
            out().println(
                            receiptWritten
                                    ? "receipt: " + receipt + " (sequence "
                                            + header.chain().get().sequence() + ")"
                                    : "no receipt: revision " + header.revision()
                                            + " was published before headers were chained");
        }
        out().flush();
        return ExitCodes.OK;
    }

    private void printJson(PublishResult result, boolean receiptWritten, int notified) {
        Map<String, Object> json = PeriodReport.headerJson(result.header(), result.published());
        json.put("locked", result.locked().isPresent());
        json.put("correction_line_count", result.corrections().size());
        json.put("reconcile_run_id", result.runId());
        json.put("receipt", receiptWritten ? receipt.toString() : null);
        json.put("limit_notifications", notified);
        Output.json(out(), json);
    }
}
