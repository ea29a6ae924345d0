package io.meterlake.signing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The signed forms' bytes, written out: a change here would break every signature ever made. */
class FieldRenderingTest {
    private static final Instant AT = Instant.parse("2027-01-05T00:00:00.120Z");

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void aHeaderRendersItsFieldsUnderV1AndWithAHorizonUnderV2() {
        assertThat(text(FieldRendering.header(
                        "2026-12", 2, 7, null, 41, 3, "c0ffee", "sig", "k1", AT, 1, true, null, null)))
                .isEqualTo("""
                        meterlake-billing-period-header v1
                        period=2026-12
                        revision=2
                        sequence=7
                        previous_header_sha256=
                        raw_table_version=41
                        line_count=3
                        content_sha256=c0ffee
                        signature=sig
                        key_id=k1
                        published_at=2027-01-05T00:00:00.120Z
                        supersedes=1
                        forced=true
                        """);
        assertThat(text(FieldRendering.header(
                        "2026-12",
                        1,
                        8,
                        "abc",
                        41,
                        0,
                        "c0ffee",
                        "sig",
                        "k1",
                        AT,
                        null,
                        false,
                        Duration.ofDays(7),
                        null)))
                .startsWith("meterlake-billing-period-header v2\n")
                .contains("previous_header_sha256=abc\n", "supersedes=\nforced=false\n")
                .endsWith("forced=false\ndedup_horizon_seconds=604800\n");
    }

    @Test
    void aWitnessingHeaderRendersUnderV3AndChainedApprovalsLocksAndReplaysTheirLink() {
        FieldRendering.Link link = new FieldRendering.Link(9, "abc", new FieldRendering.RawWitness(41, "beef"));
        assertThat(text(FieldRendering.header(
                        "2026-12",
                        1,
                        8,
                        "abc",
                        41,
                        0,
                        "c0ffee",
                        "sig",
                        "k1",
                        AT,
                        null,
                        false,
                        Duration.ofDays(7),
                        link.rawWitness())))
                .startsWith("meterlake-billing-period-header v3\n")
                .endsWith("dedup_horizon_seconds=604800\nraw_witness_version=41\nraw_witness_sha256=beef\n");
        assertThat(text(FieldRendering.approval("2026-12", 2, "c0ffee", "h", "k1", "k2", AT, link)))
                .startsWith("meterlake-billing-period-approval v2\n")
                .endsWith("approved_at=2027-01-05T00:00:00.120Z\nsequence=9\nprevious_sha256=abc\n"
                        + "raw_witness_version=41\nraw_witness_sha256=beef\n");
        assertThat(text(FieldRendering.lock("2026-12", 2, "c0ffee", "k2", "k1", AT, link)))
                .isEqualTo("""
                meterlake-billing-period-lock v1
                period=2026-12
                revision=2
                content_sha256=c0ffee
                approver_key_id=k2
                key_id=k1
                locked_at=2027-01-05T00:00:00.120Z
                sequence=9
                previous_sha256=abc
                raw_witness_version=41
                raw_witness_sha256=beef
                """);
        assertThat(text(FieldRendering.resolutions("replay-3", 2, "d1", new FieldRendering.Link(1, null, null))))
                .isEqualTo("""
                meterlake-quarantine-resolutions v1
                replay_run_id=replay-3
                resolutions=2
                rows_sha256=d1
                sequence=1
                previous_sha256=
                raw_witness_version=
                raw_witness_sha256=
                """);
    }

    @Test
    void anApprovalRendersTheRevisionTheKeysAndTheTime() {
        assertThat(text(FieldRendering.approval("2026-12", 2, "c0ffee", null, "k1", "k2", AT, null)))
                .isEqualTo("""
                meterlake-billing-period-approval v1
                period=2026-12
                revision=2
                content_sha256=c0ffee
                header_sha256=
                publisher_key_id=k1
                approver_key_id=k2
                approved_at=2027-01-05T00:00:00.120Z
                """);
    }
}
