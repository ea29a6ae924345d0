package io.meterlake.workload;

import java.time.Duration;
import java.time.Instant;

/**
 * What to generate: {@code events} records over {@code days} days from {@code start}, for
 * {@code tenants} tenants, with the given shares of duplicates, conflicting duplicates, late
 * (out-of-order) events and invalid records. The same spec and reference day give the same bytes.
 *
 * <p>{@code lateEntitlementTenants}: how many tenants (the last ones) have their entitlements loaded
 * only after their events arrived, as a new customer's often are: their events are quarantined
 * UNATTRIBUTED until a replay (see {@link WorkloadGenerator#earlyEntitlements}).
 *
 * <p>{@code correctionRate}: the share of records that are corrections of earlier events: voids (some
 * sent before their target), amends, and corrections that cannot apply (an amend that changes the
 * metric, a void of an event never sent).
 */
public record WorkloadSpec(
        long events,
        long seed,
        int tenants,
        Instant start,
        int days,
        double duplicateRate,
        double conflictRate,
        double lateRate,
        double invalidRate,
        int lateEntitlementTenants,
        double correctionRate) {

    public WorkloadSpec(
            long events,
            long seed,
            int tenants,
            Instant start,
            int days,
            double duplicateRate,
            double conflictRate,
            double lateRate,
            double invalidRate) {
        this(events, seed, tenants, start, days, duplicateRate, conflictRate, lateRate, invalidRate, 0);
    }

    public WorkloadSpec(
            long events,
            long seed,
            int tenants,
            Instant start,
            int days,
            double duplicateRate,
            double conflictRate,
            double lateRate,
            double invalidRate,
            int lateEntitlementTenants) {
        this(
                events,
                seed,
                tenants,
                start,
                days,
                duplicateRate,
                conflictRate,
                lateRate,
                invalidRate,
                lateEntitlementTenants,
                0);
    }

    public WorkloadSpec {
        if (lateEntitlementTenants < 0 || lateEntitlementTenants >= tenants) {
            throw WorkloadErrors.outOfRange(
                    "--late-entitlements",
                    "between 0 and the tenants less one (" + (tenants - 1) + ")",
                    lateEntitlementTenants,
                    "pass fewer late tenants or more --tenants (the first tenant's entitlements are always loaded)");
        }
        if (events < 1) {
            throw WorkloadErrors.outOfRange("--events", "at least 1", events, "pass a positive count");
        }
        if (tenants < 1 || tenants > 10_000) {
            throw WorkloadErrors.outOfRange("--tenants", "between 1 and 10000", tenants, "pass a count in range");
        }
        if (days < 1) {
            throw WorkloadErrors.outOfRange("--days", "at least 1", days, "pass a positive number of days");
        }
        rate("--duplicate-rate", duplicateRate);
        rate("--conflict-rate", conflictRate);
        rate("--late-rate", lateRate);
        rate("--invalid-rate", invalidRate);
        rate("--correction-rate", correctionRate);
        if (duplicateRate + conflictRate + invalidRate + correctionRate > 0.9) {
            throw WorkloadErrors.ratesTooHigh();
        }
    }

    public Instant end() {
        return start.plus(Duration.ofDays(days));
    }

    private static void rate(String name, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw WorkloadErrors.outOfRange(name, "between 0 and 1", value, "pass a fraction such as 0.05");
        }
    }
}
