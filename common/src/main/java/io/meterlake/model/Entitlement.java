package io.meterlake.model;

import java.time.Instant;
import java.util.Objects;

/**
 * Maps a tenant's use of an app to a subscription and billing account during
 * {@code [validFrom, validTo)}; a null {@code validTo} is open-ended.
 */
public record Entitlement(
        String entitlementId,
        String subscriptionId,
        String billingAccountId,
        String tenantId,
        String appId,
        String plan,
        Instant validFrom,
        Instant validTo) {

    public Entitlement {
        Objects.requireNonNull(entitlementId, "entitlementId");
        Objects.requireNonNull(subscriptionId, "subscriptionId");
        Objects.requireNonNull(billingAccountId, "billingAccountId");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(appId, "appId");
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(validFrom, "validFrom");
    }

    public boolean covers(String tenant, String app, Instant time) {
        return tenantId.equals(tenant)
                && appId.equals(app)
                && !time.isBefore(validFrom)
                && (validTo == null || time.isBefore(validTo));
    }

    /** A CSV line in the {@code entitlements load} format. */
    public String toCsv() {
        return String.join(
                ",",
                entitlementId,
                subscriptionId,
                billingAccountId,
                tenantId,
                appId,
                plan,
                validFrom.toString(),
                validTo == null ? "" : validTo.toString());
    }
}
