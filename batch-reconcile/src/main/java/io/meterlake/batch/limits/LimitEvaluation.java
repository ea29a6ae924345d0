package io.meterlake.batch.limits;

import io.meterlake.batch.usage.AccessCheck;
import io.meterlake.batch.usage.UsageQuery;
import io.meterlake.catalog.MetricCatalog;
import io.meterlake.limits.Crossings;
import io.meterlake.limits.Limit;
import io.meterlake.limits.Limits;
import io.meterlake.limits.Notification;
import io.meterlake.model.Entitlement;
import io.meterlake.period.Period;
import io.meterlake.schema.Columns;
import io.meterlake.schema.Rows;
import io.meterlake.schema.Tables;
import io.meterlake.table.TableRows;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which limit notifications a period's usage raises now: per subscription, each limit that applies to it (its
 * own, else its plan's, in force at the decision's instant) compared by {@link Crossings} with the subscription's
 * usage of the metric, the very value check access answers ({@link AccessCheck} over the usage API's {@link
 * UsageQuery}): the published lines once the period is published, else the stream's windows; a value the stream
 * cannot total exactly (a distinct count over several windows, a time-weighted level) decides nothing until the
 * period is published. The state is {@code limit_notifications}: a subscription whose usage vanished (a void)
 * is still evaluated while one of its thresholds stands crossed, so it is resolved.
 */
public final class LimitEvaluation {
    private final TableRows tables;
    private final MetricCatalog catalog;
    private final List<String> approvers;

    public LimitEvaluation(TableRows tables, MetricCatalog catalog, List<String> approvers) {
        this.tables = tables;
        this.catalog = catalog;
        this.approvers = List.copyOf(approvers);
    }

    /** Who decides, and when: what the decided notifications say of their origin. */
    public record Decider(String decidedBy, Instant decidedAt) {}

    /**
     * The notifications {@code period}'s usage raises for {@code subscriptions} (empty: every subscription with
     * usage or a crossed threshold in it), with the limits in force at {@code at}.
     */
    public List<Notification> decide(Period period, Optional<Set<String>> subscriptions, Instant at, Decider decider) {
        List<Limit> limits = tables.rows(Tables.USAGE_LIMITS, Map.of()).stream()
                .map(Rows::limit)
                .toList();
        List<Notification> previous = previous(period);
        if (limits.isEmpty() && previous.isEmpty()) {
            return List.of();
        }
        UsageQuery.Answer usage = new UsageQuery(tables, catalog, approvers).period(UsageQuery.Selection.all(), period);
        Map<String, List<UsageQuery.Value>> bySubscription = new TreeMap<>();
        usage.values()
                .forEach(value -> bySubscription
                        .computeIfAbsent(value.subscriptionId(), s -> new ArrayList<>())
                        .add(value));
        Set<String> subjects = new TreeSet<>(bySubscription.keySet());
        Crossings.latest(previous).values().stream()
                .filter(n -> n.kind() == Notification.Kind.CROSSED)
                .forEach(n -> subjects.add(n.subscriptionId()));
        subscriptions.ifPresent(subjects::retainAll);
        String source = usage.values().isEmpty()
                ? UsageQuery.Source.PROVISIONAL.word()
                : usage.values().get(0).source().word();
        List<Entitlement> entitlements = tables.rows(Tables.ENTITLEMENTS, Map.of()).stream()
                .map(Rows::entitlement)
                .toList();
        List<Notification> decided = new ArrayList<>();
        for (String subscription : subjects) {
            Optional<Entitlement> entitlement = Limits.entitlement(entitlements, subscription, at);
            UsageQuery.Answer own =
                    new UsageQuery.Answer(bySubscription.getOrDefault(subscription, List.of()), usage.asOf());
            for (Limit limit : Limits.applying(
                    limits, subscription, entitlement.map(Entitlement::plan).orElse(null), at)) {
                AccessCheck check =
                        AccessCheck.of(own, subscription, limit.metric(), period, Optional.of(limit), catalog);
                Crossings.Subject subject = new Crossings.Subject(
                        subscription,
                        entitlement.map(Entitlement::billingAccountId).orElse(null),
                        limit.metric(),
                        period,
                        check.source() != null ? check.source() : source,
                        usage.asOf().orElse(null),
                        decider.decidedBy(),
                        decider.decidedAt());
                decided.addAll(Crossings.decide(subject, limit, check.used(), previous));
            }
        }
        return decided;
    }

    /** The notifications of {@code period} decided so far (the first row of each id). */
    public List<Notification> previous(Period period) {
        Map<String, Notification> byId = new java.util.LinkedHashMap<>();
        tables.rows(Tables.LIMIT_NOTIFICATIONS, Map.of(Columns.PERIOD, period.toString())).stream()
                .map(Rows::notification)
                .forEach(n -> byId.putIfAbsent(n.notificationId(), n));
        return List.copyOf(byId.values());
    }

    /** {@code at} moved into {@code period}: the limits of a period decided after it ended are those at its end. */
    public static Instant within(Period period, Instant at) {
        if (at.isBefore(period.start())) {
            return period.start();
        }
        return at.isBefore(period.end()) ? at : period.end().minusMillis(1);
    }
}
