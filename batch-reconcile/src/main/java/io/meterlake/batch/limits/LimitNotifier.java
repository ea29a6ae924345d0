package io.meterlake.batch.limits;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.meterlake.config.MeterlakeConfig;
import io.meterlake.limits.Notification;
import io.meterlake.period.Period;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Rows;
import io.meterlake.schema.Tables;
import io.meterlake.table.Lease;
import io.meterlake.table.PreloadedRows;
import io.meterlake.table.UsageChanged;
import io.meterlake.table.Warehouse;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides limit notifications where the numbers change and writes them to the outbox {@code limit_notifications}
 * in the step that decided them: after each provisional batch of the stream (for the subscriptions and periods
 * the batch changed), and after each publish (for the whole period). Deciders hold the warehouse's notifier role
 * ({@link Warehouse#notifier}) from reading the outbox's state to appending to it, so the stream and a publish
 * never decide one crossing twice; a decision repeated after a crash decides only what was not written.
 */
public final class LimitNotifier implements UsageChanged {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(LimitNotifier.class);
    /** How long a decider waits for another's decision (a publish of a large period) before it gives up. */
    static final Duration WAIT = Duration.ofMinutes(5);

    private final MeterlakeConfig config;
    private final Clock clock;

    /** {@code clock}: when a decision is made (its {@code decided_at}) and which limits are in force then. */
    public LimitNotifier(MeterlakeConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    /** After a provisional batch: the periods and subscriptions of its windows, from the stream's totals. */
    @Override
    public void changed(Warehouse warehouse, Dataset<Row> windows, String appId, long batchId) {
        if (!warehouse.reads().exists(Tables.USAGE_LIMITS)) {
            return;
        }
        Map<Period, Set<String>> touched = new TreeMap<>(java.util.Comparator.comparing(Period::start));
        for (Row row : windows.select(col(Columns.SUBSCRIPTION_ID), col(Columns.WINDOW_START))
                .distinct()
                .collectAsList()) {
            touched.computeIfAbsent(Period.monthOf(row.getTimestamp(1).toInstant()), p -> new TreeSet<>())
                    .add(row.getString(0));
        }
        String decidedBy = "stream batch " + batchId;
        try (Lease lease = warehouse.notifier(decidedBy, WAIT)) {
            List<Notification> decided = new ArrayList<>();
            for (Map.Entry<Period, Set<String>> entry : touched.entrySet()) {
                Period period = entry.getKey();
                // The period's windows of these subscriptions, read by a query Delta prunes by window start.
                List<Row> provisional = warehouse
                        .read(Tables.USAGE_AGGREGATES_PROVISIONAL)
                        .where(col(Columns.WINDOW_START)
                                .geq(lit(Timestamp.from(period.start())))
                                .and(col(Columns.WINDOW_START).lt(lit(Timestamp.from(period.end()))))
                                .and(col(Columns.SUBSCRIPTION_ID)
                                        .isin(entry.getValue().toArray())))
                        .collectAsList();
                decided.addAll(decide(
                        new PreloadedRows(warehouse.reads(), Tables.USAGE_AGGREGATES_PROVISIONAL, provisional),
                        period,
                        Optional.of(entry.getValue()),
                        decidedBy));
            }
            if (!decided.isEmpty()) {
                warehouse.appendIdempotent(rows(warehouse, decided), Tables.LIMIT_NOTIFICATIONS, appId, batchId);
                LOG.info("{}: {} limit notification(s)", decidedBy, decided.size());
            }
        }
    }

    /**
     * After a publish of {@code period} (a new revision or none: a publish repeated after a crash decides what
     * the first did not write): every subscription's published usage.
     */
    public List<Notification> published(Warehouse warehouse, Period period) {
        if (!warehouse.reads().exists(Tables.USAGE_LIMITS)) {
            return List.of();
        }
        String decidedBy = "publish of " + period;
        try (Lease lease = warehouse.notifier(decidedBy, WAIT)) {
            List<Notification> decided = decide(warehouse.reads(), period, Optional.empty(), decidedBy);
            if (!decided.isEmpty()) {
                warehouse.append(rows(warehouse, decided), Tables.LIMIT_NOTIFICATIONS);
                LOG.info("{}: {} limit notification(s)", decidedBy, decided.size());
            }
            return decided;
        }
    }

    private List<Notification> decide(
            io.meterlake.table.TableRows tables, Period period, Optional<Set<String>> subscriptions, String by) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        return new LimitEvaluation(tables, config.catalog(), config.approvers())
                .decide(
                        period,
                        subscriptions,
                        LimitEvaluation.within(period, now),
                        new LimitEvaluation.Decider(by, now));
    }

    private static Dataset<Row> rows(Warehouse warehouse, List<Notification> notifications) {
        return warehouse
                .spark()
                .createDataFrame(
                        notifications.stream().map(Rows::notification).toList(),
                        io.meterlake.schema.NotificationSchemas.LIMIT_NOTIFICATION);
    }
}
