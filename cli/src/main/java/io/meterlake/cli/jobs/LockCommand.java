package io.meterlake.cli.jobs;

import io.meterlake.batch.publish.Closing;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.output.Output;
import io.meterlake.period.Period;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code meterlake periods lock}: see {@link Closing#lock(Period, Clock)}. */
@Command(
        name = "lock",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Lock a period at its approved latest revision: it never changes again.",
            "",
            "Appends to billing_period_locks (append-only); refused (exit 2) unless the latest revision is",
            "approved. publish never writes another revision of a locked period: late events, replays and",
            "corrections that change it are billed by the next publish of the earliest open period after it,",
            "as correction lines (service_period = the locked period, charge_class = correction).",
            "Locking a locked period writes nothing."
        })
public final class LockCommand extends BatchCommand {
    @Mixin
    PeriodOption period;

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
        Closing.Lock lock = closing.lock(billingPeriod, clock());
        Period next = closing.nextOpen(billingPeriod);
        if (format.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("period", lock.period());
            json.put("revision", lock.revision());
            json.put("content_sha256", lock.contentSha256());
            json.put("approver_key_id", lock.approverKeyId());
            json.put("locked_at", lock.lockedAt().toString());
            json.put("corrections_go_to", next.toString());
            Output.json(out(), json);
        } else {
            out().println("locked " + lock.period() + " at revision " + lock.revision() + " (approved by key "
                    + lock.approverKeyId() + "), at " + lock.lockedAt());
            out().println("what changes it from now on is billed in " + next + " as correction lines");
        }
        out().flush();
        return ExitCodes.OK;
    }
}
