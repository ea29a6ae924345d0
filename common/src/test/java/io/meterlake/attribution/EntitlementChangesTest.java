package io.meterlake.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.model.Entitlement;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class EntitlementChangesTest {
    private static Entitlement entitlement(String id, String tenant, String plan) {
        return new Entitlement(
                id, "sub-" + id, "acct-1", tenant, "app", plan, Instant.parse("2026-01-01T00:00:00Z"), null);
    }

    private static final List<Entitlement> IN_FORCE = List.of(
            entitlement("e1", "t1", "standard"),
            entitlement("e2", "t1", "standard"),
            entitlement("e3", "t2", "standard"));

    @Test
    void aPartialFileIsAnUpsertThatKeepsWhatItLeavesOut() {
        EntitlementChanges changes = EntitlementChanges.of(
                IN_FORCE, List.of(entitlement("e1", "t1", "premium"), entitlement("e4", "t3", "standard")), false);

        assertThat(changes.added()).extracting(Entitlement::entitlementId).containsExactly("e4");
        assertThat(changes.changed()).extracting(Entitlement::entitlementId).containsExactly("e1");
        assertThat(changes.removed()).isEmpty();
        assertThat(changes.notInFile()).extracting(Entitlement::entitlementId).containsExactly("e2", "e3");
        assertThat(changes.result()).extracting(Entitlement::entitlementId).containsExactly("e1", "e2", "e3", "e4");
        assertThat(changes.result()).contains(entitlement("e1", "t1", "premium"));
        assertThat(changes.perTenant().get("t1")).containsExactly(0, 1, 0, 1);
        assertThat(changes.perTenant().get("t2")).containsExactly(0, 0, 0, 1);
        assertThat(changes.perTenant().get("t3")).containsExactly(1, 0, 0, 0);
        assertThat(changes.unchanged()).isFalse();
    }

    @Test
    void aReplaceRemovesWhatTheFileLeavesOut() {
        EntitlementChanges changes =
                EntitlementChanges.of(IN_FORCE, List.of(entitlement("e1", "t1", "standard")), true);

        assertThat(changes.removed()).extracting(Entitlement::entitlementId).containsExactly("e2", "e3");
        assertThat(changes.result()).containsExactly(entitlement("e1", "t1", "standard"));
        assertThat(changes.perTenant().get("t2")).containsExactly(0, 0, 1, 0);
        assertThat(changes.unchanged()).isFalse();
    }

    @Test
    void theSameSetChangesNothingInEitherMode() {
        assertThat(EntitlementChanges.of(IN_FORCE, IN_FORCE, false).unchanged()).isTrue();
        assertThat(EntitlementChanges.of(IN_FORCE, IN_FORCE, true).unchanged()).isTrue();
        assertThat(EntitlementChanges.of(IN_FORCE, List.of(IN_FORCE.get(0)), false)
                        .unchanged())
                .isTrue();
        assertThat(EntitlementChanges.of(List.of(), IN_FORCE, false).added()).hasSize(3);
    }
}
