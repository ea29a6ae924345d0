package io.meterlake.cli.jobs;

import io.meterlake.cli.options.CommandLineErrors;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.FormatOption;
import io.meterlake.cli.options.ReadsOnly;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.limits.Notification;
import io.meterlake.output.Output;
import io.meterlake.period.Period;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Rows;
import io.meterlake.schema.Tables;
import io.meterlake.table.DeltaReads;
import io.meterlake.validation.Quantities;
import io.meterlake.webhooks.Delivery;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code meterlake notifications ...}: the limit notifications the stream and publish decided (the outbox), their
 * delivery as signed webhooks, and the endpoints they go to.
 */
@Command(
        name = "notifications",
        mixinStandardHelpOptions = true,
        description = "Limit notifications: thresholds crossed and resolved, delivered as signed webhooks.")
public final class NotificationsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw CommandLineErrors.subcommandRequired(spec);
    }

    /** The outbox's notifications, the first row of each id, oldest first. */
    static List<Notification> notifications(DeltaReads reads, Map<String, ?> filter) {
        Map<String, Notification> byId = new LinkedHashMap<>();
        reads.rows(Tables.LIMIT_NOTIFICATIONS, filter).stream()
                .map(Rows::notification)
                .sorted(Comparator.comparing(Notification::decidedAt))
                .forEach(n -> byId.putIfAbsent(n.notificationId(), n));
        return byId.values().stream()
                .sorted(Comparator.comparing(Notification::decidedAt)
                        .thenComparing(Notification::subscriptionId)
                        .thenComparing(Notification::metric)
                        .thenComparing(Notification::thresholdAmount))
                .toList();
    }

    /** {@code notifications list [--period P] [--subscription S]}. */
    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "The notifications decided, oldest first: each threshold crossing once, and its resolution when the"
                        + " usage fell back below it. Read without Spark."
            })
    public static final class ListNotifications extends BatchCommand implements ReadsOnly {
        @Option(
                names = "--period",
                paramLabel = "YYYY-MM|YYYY-MM-DD",
                description = "Only this billing period's (a UTC month, or a UTC day for short cycles).")
        String period;

        @Option(names = "--subscription", paramLabel = "<subscription_id>", description = "Only this subscription's.")
        String subscription;

        @Mixin
        FormatOption format;

        public ListNotifications(Supplier<ConfigOptions> outerOptions, Clock clock) {
            super(outerOptions, clock);
        }

        @Override
        public Integer call() {
            Map<String, Object> filter = new LinkedHashMap<>();
            if (period != null) {
                filter.put(Columns.PERIOD, Period.parse(period).toString());
            }
            if (subscription != null) {
                filter.put(Columns.SUBSCRIPTION_ID, subscription);
            }
            MeterlakeConfig config = existingWarehouse();
            DeltaReads reads = reads(config);
            List<Notification> shown = notifications(reads, filter);
            PrintWriter out = out();
            if (format.json()) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("period", period);
                json.put("subscription_id", subscription);
                json.put("notifications", shown.stream().map(Notification::json).toList());
                Output.json(out, json);
            } else {
                Output.table(
                        out,
                        List.of(
                                "decided",
                                "id",
                                "kind",
                                "subscription",
                                "metric",
                                "period",
                                "threshold",
                                "amount",
                                "used",
                                "limit",
                                "enforcement",
                                "source",
                                "decided by"),
                        shown.stream().map(ListNotifications::row).toList());
                out.println(Output.count(shown.size(), "notification")
                        + (reads.exists(Tables.LIMIT_NOTIFICATIONS)
                                ? ""
                                : " (none decided yet in " + config.warehouse()
                                        + ": the stream and publish decide them once limits are loaded)"));
            }
            out.flush();
            return ExitCodes.OK;
        }

        private static List<String> row(Notification n) {
            return List.of(
                    n.decidedAt().toString(),
                    n.notificationId(),
                    n.kind().text(),
                    n.subscriptionId(),
                    n.metric(),
                    n.period().toString(),
                    n.threshold().text(),
                    Quantities.render(n.thresholdAmount()),
                    Quantities.render(n.value()),
                    Quantities.render(n.limitAmount()),
                    n.enforcement().text(),
                    n.source(),
                    n.decidedBy());
        }
    }

    /** {@code notifications deliveries [--status S]}: where each (notification, endpoint) stands. */
    @Command(
            name = "deliveries",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "Each notification's deliveries per endpoint: delivered, pending (with the next attempt) or dead"
                        + " (its retry budget spent; 'notifications redeliver' tries again). Read without Spark."
            })
    public static final class Deliveries extends BatchCommand implements ReadsOnly {
        @Option(names = "--status", paramLabel = "pending|delivered|dead", description = "Only those in this state.")
        Delivery.Status status;

        @Mixin
        FormatOption format;

        public Deliveries(Supplier<ConfigOptions> outerOptions, Clock clock) {
            super(outerOptions, clock);
        }

        @Override
        public Integer call() {
            MeterlakeConfig config = existingWarehouse();
            DeltaReads reads = reads(config);
            List<Delivery.State> states = Delivery.byPair(reads.rows(Tables.NOTIFICATION_DELIVERIES).stream()
                            .map(Rows::delivery)
                            .toList())
                    .values()
                    .stream()
                    .map(rows -> Delivery.state(
                            rows.get(0).notificationId(), rows.get(0).endpoint(), rows))
                    .filter(state -> status == null || state.status() == status)
                    .toList();
            PrintWriter out = out();
            if (format.json()) {
                Output.json(
                        out,
                        Map.of(
                                "deliveries",
                                states.stream().map(Deliveries::json).toList()));
            } else {
                Output.table(
                        out,
                        List.of("id", "endpoint", "status", "attempts", "last", "http", "detail", "next attempt"),
                        states.stream().map(Deliveries::row).toList());
                out.println(Output.count(states.size(), "delivery", "deliveries")
                        + " (a notification no endpoint tried yet is not listed)");
            }
            out.flush();
            return ExitCodes.OK;
        }

        private static Map<String, Object> json(Delivery.State state) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("notification_id", state.notificationId());
            json.put("endpoint", state.endpoint());
            json.put("status", state.status().text());
            json.put("attempts", state.attempts());
            json.put("last_attempted_at", state.last().attemptedAt().toString());
            json.put("http_status", state.last().httpStatus());
            json.put("detail", state.last().detail());
            json.put(
                    "next_attempt_at",
                    state.nextAttemptAt() == null ? null : state.nextAttemptAt().toString());
            return json;
        }

        private static List<String> row(Delivery.State state) {
            return List.of(
                    state.notificationId(),
                    state.endpoint(),
                    state.status().text(),
                    Integer.toString(state.attempts()),
                    state.last().attemptedAt().toString(),
                    state.last().httpStatus() == null
                            ? "-"
                            : state.last().httpStatus().toString(),
                    state.last().detail() == null ? "-" : state.last().detail(),
                    state.nextAttemptAt() == null ? "-" : state.nextAttemptAt().toString());
        }
    }
}
