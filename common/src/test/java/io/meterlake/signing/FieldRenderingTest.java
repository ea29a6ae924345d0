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
        assertThat(text(FieldRendering.header("2026-12", 2, 7, null, 41, 3, "c0ffee", "sig", "k1", AT, 1, true, null)))
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
                        "2026-12", 1, 8, "abc", 41, 0, "c0ffee", "sig", "k1", AT, null, false, Duration.ofDays(7))))
                .startsWith("meterlake-billing-period-header v2\n")
                .contains("previous_header_sha256=abc\n", "supersedes=\nforced=false\n")
                .endsWith("forced=false\ndedup_horizon_seconds=604800\n");
    }

    @Test
    void anApprovalRendersTheRevisionTheKeysAndTheTime() {
        assertThat(text(FieldRendering.approval("2026-12", 2, "c0ffee", null, "k1", "k2", AT)))
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
