package io.meterlake.bench;

import io.meterlake.catalog.Metric;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.model.Entitlement;
import io.meterlake.streaming.source.EventProducer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Valid contract events at event times the benchmark chooses: event {@code n} goes to the n-th
 * entitlement (round robin over those that alone cover their tenant and app for the whole span) and
 * the catalog's metrics in turn, quantity 1 in the canonical unit. Each sent event is numbered by its
 * provisional key (entitlement, metric, window).
 */
final class SteadyEvents {
    private final List<Entitlement> entitlements = new ArrayList<>();
    private final List<Metric> metrics;
    private final long windowMillis;
    private final Map<String, Integer> keys = new HashMap<>();

    /** Events between {@code from} and {@code to} attribute to exactly one of {@code all}. */
    SteadyEvents(List<Entitlement> all, MeterlakeConfig config, Instant from, Instant to) {
        for (Entitlement entitlement : all) {
            long covering = all.stream()
                    .filter(e -> e.covers(entitlement.tenantId(), entitlement.appId(), from)
                            && e.covers(entitlement.tenantId(), entitlement.appId(), to))
                    .count();
            if (covering == 1
                    && entitlement.covers(entitlement.tenantId(), entitlement.appId(), from)
                    && entitlement.covers(entitlement.tenantId(), entitlement.appId(), to)) {
                entitlements.add(entitlement);
            }
        }
        this.metrics = config.catalog().metrics();
        this.windowMillis = config.stream().window().toMillis();
    }

    long windowStart(long millis) {
        return millis - Math.floorMod(millis, windowMillis);
    }

    /** Sends event {@code n} with event time {@code millis}; returns its key number. */
    int send(EventProducer producer, long n, long millis) {
        Entitlement entitlement = entitlements.get((int) (n % entitlements.size()));
        Metric metric = metrics.get((int) ((n / entitlements.size()) % metrics.size()));
        producer.send("{\"schema_version\":1,\"event_id\":\"" + id(n) + "\",\"source\":\"forge-"
                + metric.name().substring(0, metric.name().indexOf('.')) + "\",\"tenant_id\":\""
                + entitlement.tenantId() + "\",\"app_id\":\"" + entitlement.appId() + "\",\"metric\":\""
                + metric.name() + "\",\"quantity\":1,\"unit\":\"" + metric.canonicalUnit() + "\",\"event_time\":\""
                + Instant.ofEpochMilli(millis) + "\",\"attributes\":{\"region\":\"us-east-1\""
                // A distinct count's events carry the attribute it counts, or ingest quarantines them.
                + (metric.property() == null ? "" : ",\"" + metric.property() + "\":\"user-" + n % 40 + "\"") + "}}");
        return keys.computeIfAbsent(
                entitlement.entitlementId() + "\u0000" + metric.name() + "\u0000" + windowStart(millis),
                k -> keys.size());
    }

    /** Event {@code n}'s id: a random-looking UUID (36 characters), as producers usually choose, fixed by n. */
    static String id(long n) {
        return new UUID(mix(n), mix(~n)).toString();
    }

    /** SplitMix64's finalizer: distinct inputs, well-spread outputs. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** The key number of a provisional row, or null when no sent event has that key. */
    Integer keyOf(String entitlementId, String metric, long windowStartMillis) {
        return keys.get(entitlementId + "\u0000" + metric + "\u0000" + windowStartMillis);
    }
}
