package io.meterlake.batch.usage;

import io.meterlake.model.Entitlement;
import io.meterlake.schema.Rows;
import io.meterlake.schema.Tables;
import io.meterlake.table.TableRows;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Whose usage a read token may see: every subscription ({@value #FINANCE}), a tenant's ({@code tenant:<id>}) or a
 * billing account's ({@code account:<id>}), as its grants say. Which subscriptions those are comes from the
 * entitlements (every row ever loaded: a subscription once the tenant's stays visible to it). What a token may not
 * see does not exist for it: {@link #answer} gives nothing, the same nothing for a foreign subscription as for one
 * nobody has, so probing learns nothing.
 */
public record UsageScope(boolean all, Set<String> tenants, Set<String> accounts) {
    /** The grant that reads every subscription. */
    public static final String FINANCE = "finance";

    public static final String TENANT = "tenant:";
    public static final String ACCOUNT = "account:";

    public UsageScope {
        tenants = Set.copyOf(tenants);
        accounts = Set.copyOf(accounts);
    }

    /** A token's grants as {@code gateway tokens add} writes them; an unknown grant reads nothing. */
    public static UsageScope of(Collection<String> grants) {
        Set<String> tenants = new LinkedHashSet<>();
        Set<String> accounts = new LinkedHashSet<>();
        boolean all = false;
        for (String grant : grants) {
            if (grant.equals(FINANCE)) {
                all = true;
            } else if (grant.startsWith(TENANT) && grant.length() > TENANT.length()) {
                tenants.add(grant.substring(TENANT.length()));
            } else if (grant.startsWith(ACCOUNT) && grant.length() > ACCOUNT.length()) {
                accounts.add(grant.substring(ACCOUNT.length()));
            }
        }
        return new UsageScope(all, tenants, accounts);
    }

    /**
     * The selection's usage as this scope may see it: empty when no subscription of the selection is visible (as if
     * it did not exist); an account's answer holds only the visible subscriptions' values.
     */
    public Optional<UsageQuery.Answer> answer(
            TableRows tables,
            UsageQuery.Selection selection,
            java.util.function.Function<UsageQuery.Selection, UsageQuery.Answer> query) {
        Set<String> visible = new LinkedHashSet<>();
        boolean wholeSelection = false;
        List<Entitlement> entitlements = tables.exists(Tables.ENTITLEMENTS)
                ? tables.rows(Tables.ENTITLEMENTS, Map.of(selection.column(), selection.id())).stream()
                        .map(Rows::entitlement)
                        .toList()
                : List.of();
        for (Entitlement entitlement : entitlements) {
            boolean selected = selection.isSubscription()
                    ? entitlement.subscriptionId().equals(selection.id())
                    : entitlement.billingAccountId().equals(selection.id());
            if (!selected) {
                continue;
            }
            boolean sees = all
                    || tenants.contains(entitlement.tenantId())
                    || accounts.contains(entitlement.billingAccountId());
            if (sees) {
                visible.add(entitlement.subscriptionId());
            }
            wholeSelection |= all || (!selection.isSubscription() && accounts.contains(selection.id()));
        }
        if (visible.isEmpty()) {
            return Optional.empty();
        }
        if (wholeSelection || selection.isSubscription()) {
            return Optional.of(query.apply(selection));
        }
        // Part of an account: each visible subscription on its own, so nothing of the others shows, not even as_of.
        List<UsageQuery.Value> values = new ArrayList<>();
        Optional<Instant> asOf = Optional.empty();
        for (String subscription : new TreeSet<>(visible)) {
            UsageQuery.Answer part = query.apply(UsageQuery.Selection.subscription(subscription));
            values.addAll(part.values());
            if (part.asOf().isPresent() && (asOf.isEmpty() || part.asOf().get().isAfter(asOf.get()))) {
                asOf = part.asOf();
            }
        }
        return Optional.of(new UsageQuery.Answer(values, asOf));
    }
}
