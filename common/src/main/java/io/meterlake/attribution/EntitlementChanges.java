package io.meterlake.attribution;

import io.meterlake.model.Entitlement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What loading a file of entitlements changes, by {@code entitlement_id}: the ones it adds, the ones whose
 * fields it changes, and the ones in force that it leaves out. An upsert (the default) keeps those left out;
 * a replace removes them. Computed before anything is written, so the command can show it first and write
 * nothing when nothing changes.
 */
public record EntitlementChanges(
        List<Entitlement> added,
        List<Entitlement> changed,
        List<Entitlement> notInFile,
        boolean replace,
        List<Entitlement> result) {

    /** The changes from {@code current} (the table in force) to {@code loaded}, as an upsert or a replace. */
    public static EntitlementChanges of(
            Collection<Entitlement> current, Collection<Entitlement> loaded, boolean replace) {
        Map<String, Entitlement> before = byId(current);
        Map<String, Entitlement> file = byId(loaded);
        List<Entitlement> added = new ArrayList<>();
        List<Entitlement> changed = new ArrayList<>();
        for (Entitlement entitlement : file.values()) {
            Entitlement previous = before.get(entitlement.entitlementId());
            if (previous == null) {
                added.add(entitlement);
            } else if (!previous.equals(entitlement)) {
                changed.add(entitlement);
            }
        }
        List<Entitlement> notInFile = before.values().stream()
                .filter(entitlement -> !file.containsKey(entitlement.entitlementId()))
                .toList();
        Map<String, Entitlement> result = replace ? new TreeMap<>() : new TreeMap<>(before);
        result.putAll(file);
        return new EntitlementChanges(added, changed, notInFile, replace, List.copyOf(result.values()));
    }

    /** The entitlements the load removes: those left out of the file, when it replaces. */
    public List<Entitlement> removed() {
        return replace ? notInFile : List.of();
    }

    /** Whether the table would be what it is already: then nothing is written. */
    public boolean unchanged() {
        return added.isEmpty() && changed.isEmpty() && removed().isEmpty();
    }

    /** Per tenant: how many entitlements are added, changed, removed and kept though not in the file. */
    public Map<String, long[]> perTenant() {
        Map<String, long[]> counts = new TreeMap<>();
        count(counts, added, 0);
        count(counts, changed, 1);
        count(counts, removed(), 2);
        count(counts, replace ? List.of() : notInFile, 3);
        return counts;
    }

    private static void count(Map<String, long[]> counts, List<Entitlement> entitlements, int column) {
        for (Entitlement entitlement : entitlements) {
            counts.computeIfAbsent(entitlement.tenantId(), tenant -> new long[4])[column]++;
        }
    }

    private static Map<String, Entitlement> byId(Collection<Entitlement> entitlements) {
        Map<String, Entitlement> byId = new LinkedHashMap<>();
        for (Entitlement entitlement : entitlements) {
            byId.put(entitlement.entitlementId(), entitlement);
        }
        return byId;
    }
}
