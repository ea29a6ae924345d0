package io.meterlake.period;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The one definition of a period's state; TrinoIT checks that the view and the CLI agree on it. */
class PeriodStateTest {
    private static final String PUBLISHER = "00000000000000aa";
    private static final String APPROVER = "00000000000000bb";
    private static final String OTHER = "00000000000000cc";
    private static final PeriodState.Revision LATEST = new PeriodState.Revision(2, "sha-2", PUBLISHER);

    private static PeriodState.RecordedApproval approval(int revision, String sha, String publisher, String approver) {
        return new PeriodState.RecordedApproval(revision, sha, publisher, approver);
    }

    @Test
    void aLockDecidesThenAnApprovalOfTheLatestRevision() {
        assertThat(PeriodState.of(true, false)).isEqualTo(PeriodState.LOCKED);
        assertThat(PeriodState.of(true, true)).isEqualTo(PeriodState.LOCKED);
        assertThat(PeriodState.of(false, true)).isEqualTo(PeriodState.APPROVED);
        assertThat(PeriodState.of(false, false)).isEqualTo(PeriodState.DRAFT);
        assertThat(PeriodState.LOCKED.word()).isEqualTo("locked");
    }

    @Test
    void anApprovalCountsForTheLatestRevisionsContentByAnotherKeyThanThePublishersAndAListedOne() {
        assertThat(PeriodState.approves(approval(2, "sha-2", PUBLISHER, APPROVER), LATEST, List.of()))
                .isTrue();
        assertThat(PeriodState.approves(approval(2, "sha-2", PUBLISHER, APPROVER), LATEST, List.of(OTHER, APPROVER)))
                .isTrue();

        assertThat(PeriodState.policyProblems(approval(1, "sha-1", PUBLISHER, APPROVER), LATEST, List.of()))
                .singleElement()
                .asString()
                .contains("revision 2 has sha-2");
        assertThat(PeriodState.approves(approval(2, "sha-other", PUBLISHER, APPROVER), LATEST, List.of()))
                .isFalse();
        // Four eyes, whichever publisher the row names.
        assertThat(PeriodState.policyProblems(approval(2, "sha-2", PUBLISHER, PUBLISHER), LATEST, List.of()))
                .singleElement()
                .asString()
                .contains("four eyes");
        assertThat(PeriodState.approves(approval(2, "sha-2", APPROVER, APPROVER), LATEST, List.of()))
                .isFalse();
        assertThat(PeriodState.policyProblems(approval(2, "sha-2", PUBLISHER, APPROVER), LATEST, List.of(OTHER)))
                .singleElement()
                .asString()
                .contains("not among approval.approvers [" + OTHER + "]");
    }

    @Test
    void theViewsSqlCarriesTheApproversAndTheSameWords() {
        String any = PeriodState.currentPeriodsSql(List.of());
        assertThat(any)
                .contains(
                        "'locked'",
                        "'approved'",
                        "'draft'",
                        "a.approver_key_id <> a.publisher_key_id",
                        "a.approver_key_id <> r.key_id")
                .doesNotContain(" IN (");
        assertThat(PeriodState.currentPeriodsSql(List.of(APPROVER, OTHER)))
                .contains("a.approver_key_id IN ('" + APPROVER + "', '" + OTHER + "')");
        assertThatThrownBy(() -> PeriodState.currentPeriodsSql(List.of("x') OR ('1' = '1")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
