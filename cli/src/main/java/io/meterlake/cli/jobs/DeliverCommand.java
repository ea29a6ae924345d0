package io.meterlake.cli.jobs;

import io.meterlake.batch.limits.DeliveryWorker;
import io.meterlake.cli.options.CliErrors;
import io.meterlake.cli.options.ConfigOptions;
import io.meterlake.cli.options.MetricsOption;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.error.ExitCodes;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Rows;
import io.meterlake.schema.Tables;
import io.meterlake.table.Warehouse;
import io.meterlake.webhooks.Delivery;
import io.meterlake.webhooks.WebhookEndpoints;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code notifications deliver}: the delivery worker ({@link DeliveryWorker}). */
@Command(
        name = "deliver",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Deliver the limit notifications as signed webhooks (Standard Webhooks), in the foreground until stopped.",
            "",
            "Each notification goes to every endpoint of its billing account and every '*' endpoint added before it"
                    + " was decided; a failed delivery is retried with exponential backoff (notifications.first-retry,"
                    + " doubling, at most an hour) until notifications.max-attempts, then dead. Retries carry the same"
                    + " webhook-id and body. One worker per warehouse."
        })
public final class DeliverCommand extends BatchCommand {
    @Option(
            names = "--until-idle",
            description = "Return once nothing is pending: every notification delivered or dead.")
    boolean untilIdle;

    @Option(
            names = "--poll",
            paramLabel = "<duration>",
            defaultValue = "PT0.5S",
            description = "How often to look for new notifications and due retries (default: ${DEFAULT-VALUE}).")
    Duration poll;

    @Mixin
    MetricsOption metrics;

    public DeliverCommand(Supplier<ConfigOptions> outerOptions, Clock clock) {
        super(outerOptions, clock);
    }

    @Override
    public Integer call() throws InterruptedException {
        MeterlakeConfig config = config();
        metrics.check();
        // Checked before Spark starts: a bad endpoints file is one line and exit 2, not a stack trace later.
        List<WebhookEndpoints.Endpoint> endpoints =
                WebhookEndpoints.read(Path.of(config.notifications().endpointsFile()));
        progress("delivering the notifications of " + config.warehouse() + " to " + endpoints.size()
                + " endpoint(s) in " + config.notifications().endpointsFile()
                + (untilIdle ? " until nothing is pending" : " until stopped"));
        DeliveryWorker worker =
                new DeliveryWorker(new Warehouse(spark(config), config.warehouse()), config, clock(), err());
        com.sun.net.httpserver.HttpServer server =
                metrics.serve(worker.metrics().exposition());
        if (server != null) {
            progress(metrics.where(server));
        }
        try {
            worker.run(untilIdle, poll);
        } finally {
            if (server != null) {
                server.stop(0);
            }
        }
        return ExitCodes.OK;
    }

    /** {@code notifications redeliver <notification_id> [--endpoint E]}: deliver it again, with a fresh budget. */
    @Command(
            name = "redeliver",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "Deliver a notification again (a dead one, or one a receiver lost), with a fresh retry budget:"
                        + " the running worker does, with the same webhook-id and body."
            })
    public static final class Redeliver extends BatchCommand {
        @Parameters(paramLabel = "<notification_id>", description = "As 'notifications list' shows it (msg_...).")
        String id;

        @Option(
                names = "--endpoint",
                paramLabel = "<name>",
                description = "Only to this endpoint (default: every endpoint that takes it).")
        String endpoint;

        public Redeliver(Supplier<ConfigOptions> outerOptions, Clock clock) {
            super(outerOptions, clock);
        }

        @Override
        public Integer call() {
            MeterlakeConfig config = existingWarehouse();
            var notification =
                    NotificationsCommand.notifications(reads(config), Map.of(Columns.NOTIFICATION_ID, id)).stream()
                            .findFirst()
                            .orElseThrow(() -> CliErrors.noSuchNotification(id));
            List<String> names = WebhookEndpoints.read(
                            Path.of(config.notifications().endpointsFile()))
                    .stream()
                    .filter(e -> e.takes(notification))
                    .map(WebhookEndpoints.Endpoint::name)
                    .filter(name -> endpoint == null || endpoint.equals(name))
                    .toList();
            if (names.isEmpty()) {
                throw CliErrors.noEndpointTakes(id, endpoint);
            }
            Instant now = clock().instant().truncatedTo(ChronoUnit.MILLIS);
            List<Delivery> before =
                    reads(config).rows(Tables.NOTIFICATION_DELIVERIES, Map.of(Columns.NOTIFICATION_ID, id)).stream()
                            .map(Rows::delivery)
                            .toList();
            Warehouse warehouse = new Warehouse(spark(config), config.warehouse());
            warehouse.appendDeliveries(warehouse
                    .spark()
                    .createDataFrame(
                            names.stream()
                                    .map(name -> Rows.delivery(Delivery.requeue(
                                            id,
                                            name,
                                            before.stream()
                                                    .filter(d -> d.endpoint().equals(name))
                                                    .toList(),
                                            now)))
                                    .toList(),
                            io.meterlake.schema.NotificationSchemas.NOTIFICATION_DELIVERY));
            out().println("requeued " + id + " for " + String.join(", ", names)
                    + ": the delivery worker delivers it again, with a fresh budget");
            out().flush();
            return ExitCodes.OK;
        }
    }
}
