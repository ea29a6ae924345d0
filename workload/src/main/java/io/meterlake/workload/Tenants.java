package io.meterlake.workload;

import io.meterlake.model.Entitlement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The workload's tenants: each with two apps (a standard and a free plan), tenant-001's first app upgraded
 * mid-span (one subscription, two entitlements), and tenant-001's overlap app with two entitlements at once
 * (AMBIGUOUS_ATTRIBUTION); the last {@code lateEntitlementTenants} get their entitlements late.
 */
final class Tenants {
    private static final String OVERLAP_TENANT = "tenant-001";
    private static final String OVERLAP_APP = "forge-app-overlap";

    private final WorkloadSpec spec;
    private final List<Entitlement> entitlements = new ArrayList<>();
    /** (tenant, app) pairs with exactly one entitlement at a time: the billable ones. */
    private final List<String[]> pairs = new ArrayList<>();

    Tenants(WorkloadSpec spec) {
        this.spec = spec;
        Instant from = spec.start().minus(Duration.ofDays(60));
        Instant planChange = planChange();
        for (int t = 1; t <= spec.tenants(); t++) {
            String tenant = String.format("tenant-%03d", t);
            String account = String.format("acct-%03d", t);
            for (int a = 1; a <= 2; a++) {
                String app = "forge-app-" + (char) ('a' + (t + a) % 6);
                String id = tenant + "-" + app;
                pairs.add(new String[] {tenant, app});
                if (t == 1 && a == 1) {
                    // An upgrade: one subscription, two entitlements; its usage is billed per plan.
                    entitlements.add(new Entitlement(
                            "ent-" + id + "-standard",
                            "sub-" + id,
                            account,
                            tenant,
                            app,
                            "standard",
                            from,
                            planChange));
                    entitlements.add(new Entitlement(
                            "ent-" + id + "-premium", "sub-" + id, account, tenant, app, "premium", planChange, null));
                } else {
                    entitlements.add(new Entitlement(
                            "ent-" + id, "sub-" + id, account, tenant, app, a == 1 ? "standard" : "free", from, null));
                }
            }
        }
        entitlements.add(new Entitlement(
                "ent-overlap-1", "sub-overlap-1", "acct-001", OVERLAP_TENANT, OVERLAP_APP, "standard", from, null));
        entitlements.add(new Entitlement(
                "ent-overlap-2",
                "sub-overlap-2",
                "acct-001",
                OVERLAP_TENANT,
                OVERLAP_APP,
                "standard",
                spec.start(),
                null));
    }

    /** Mid-span, not on a day boundary, so the split is visible inside a day. */
    Instant planChange() {
        return spec.start().plus(Duration.ofDays(spec.days() / 2)).plus(Duration.ofHours(13));
    }

    List<Entitlement> entitlements() {
        return List.copyOf(entitlements);
    }

    /** The entitlement that bills (tenant, app) at {@code time}: the first that covers it. */
    Entitlement covering(String tenant, String app, Instant time) {
        return entitlements.stream()
                .filter(e -> e.covers(tenant, app, time))
                .findFirst()
                .orElseThrow();
    }

    List<String[]> pairs() {
        return pairs;
    }

    String overlapTenant() {
        return OVERLAP_TENANT;
    }

    String overlapApp() {
        return OVERLAP_APP;
    }

    /** The last {@code lateEntitlementTenants} tenants (never tenant-001, whose plan change and overlap stay). */
    boolean isLate(String tenant) {
        if (!tenant.startsWith("tenant-") || tenant.equals(OVERLAP_TENANT)) {
            return false;
        }
        try {
            return Integer.parseInt(tenant.substring("tenant-".length()))
                    > spec.tenants() - spec.lateEntitlementTenants();
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
