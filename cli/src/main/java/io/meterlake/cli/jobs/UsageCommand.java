package io.meterlake.cli.jobs;

import io.meterlake.batch.usage.UsageQuery;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.cli.options.ReadsOnly;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.output.Output;
import io.meterlake.period.Period;
import io.meterlake.validation.Quantities;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code meterlake usage}: see {@link UsageQuery}. */
@Command(
        name = "usage",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "A subscription's or billing account's usage so far, per metric: for the period or per hour or day.",
            "",
            "Each value is computed by its metric's own aggregation and says where it comes from: final (the",
            "locked revision's line), published (the latest revision's line) or provisional (the stream's hourly",
            "windows, with as_of: every event the broker had by then is in them). A distinct count over several",
            "windows, a percentile or a time-weighted level cannot be had exactly from them: the value is empty and",
            "the note says why. Read without Spark (about a second). json: {selection, period, window, as_of,",
            "values: [{subscription_id, plan, metric, unit, start, end, quantity, event_count, source, note}]}."
        })
public final class UsageCommand extends BatchCommand implements ReadsOnly {
    static final class Whose {
        @Option(names = "--subscription", paramLabel = "<id>", description = "One subscription's usage.")
        String subscription;

        @Option(names = "--account", paramLabel = "<id>", description = "Every subscription of a billing account.")
        String account;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Whose whose;

    @Option(
            names = "--period",
            paramLabel = "YYYY-MM",
            description = "The billing period (default: the month now is in).")
    String period;

    @Option(
            names = "--window",
            paramLabel = "period|day|hour",
            defaultValue = "period",
            description = "One value per ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}); day and hour come from"
                    + " the stream.")
    UsageQuery.Window window;

    @Mixin
    FormatOption format;

    public UsageCommand(Supplier<ConfigOptions> outerOptions, Clock clock) {
        super(outerOptions, clock);
    }

    @Override
    public Integer call() {
        MeterlakeConfig config = existingWarehouse();
        Period billingPeriod = period == null ? Period.monthOf(clock().instant()) : Period.parse(period);
        UsageQuery.Selection selection = whose.subscription != null
                ? UsageQuery.Selection.subscription(whose.subscription)
                : UsageQuery.Selection.account(whose.account);
        UsageQuery query =
                new UsageQuery(reads(config).prefetch(UsageQuery.READS), config.catalog(), config.approvers());
        UsageQuery.Answer answer = query.answer(selection, billingPeriod, window);
        if (format.json()) {
            Output.json(out(), answer.json(selection, billingPeriod, window.toString()));
        } else {
            List<List<String>> rows = new ArrayList<>();
            for (UsageQuery.Value value : answer.values()) {
                rows.add(List.of(
                        value.subscriptionId(),
                        value.plan() == null ? "-" : value.plan(),
                        value.metric(),
                        value.unit(),
                        value.start().toString(),
                        value.quantity() == null ? "-" : Quantities.render(value.quantity()),
                        Long.toString(value.events()),
                        value.source().word(),
                        value.note()));
            }
            Output.table(
                    out(),
                    List.of("subscription", "plan", "metric", "unit", "from", "quantity", "events", "source", "note"),
                    rows);
            out().println(
                            answer.values().isEmpty()
                                    ? "no usage of " + selection.id() + " in " + billingPeriod
                                    : answer.freshness());
        }
        out().flush();
        return ExitCodes.OK;
    }
}
