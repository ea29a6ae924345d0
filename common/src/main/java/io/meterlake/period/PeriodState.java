package io.meterlake.period;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The state of a published period, defined once: {@code meterlake periods status/show}, the statement,
 * {@code lock} and the finance views in Trino ({@code current_periods}, {@code invoice_lines}) all take it
 * from here, the CLI through {@link #of}/{@link #approves}, the views through {@link #currentPeriodsSql}.
 *
 * <ul>
 *   <li><b>locked</b> when the period has a lock row (of any revision: once locked, the books are closed
 *       and a revision written after the lock is tampering, which {@code verify} names);</li>
 *   <li>else <b>approved</b> when an approval row names the latest revision and its content hash, by a
 *       key that is neither the approval's recorded publisher nor the revision's publisher (four eyes)
 *       and, when {@code approval.approvers} lists keys, is one of them;</li>
 *   <li>else <b>draft</b>.</li>
 * </ul>
 *
 * <p>The state is what the tables record under the configured policy. Whether the recorded signatures
 * hold is an integrity question that SQL cannot answer: {@code verify} checks every approval's signature
 * and key, and {@code lock} refuses to lock on an approval whose signature does not verify.
 */
public enum PeriodState {
    DRAFT,
    APPROVED,
    LOCKED;

    /** What the state depends on in the latest revision's header. */
    public record Revision(int revision, String contentSha256, String publisherKeyId) {}

    /** What the state depends on in an approval row. */
    public record RecordedApproval(int revision, String contentSha256, String publisherKeyId, String approverKeyId) {}

    /** The state in words, as the CLI prints it and the views hold it. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The state of a period whose latest revision is approved by {@code approved} and which is {@code locked} or not. */
    public static PeriodState of(boolean locked, boolean approved) {
        return locked ? LOCKED : approved ? APPROVED : DRAFT;
    }

    /** Why {@code approval} does not approve {@code latest} under {@code approvers}; empty when it does. */
    public static List<String> policyProblems(RecordedApproval approval, Revision latest, List<String> approvers) {
        List<String> problems = new ArrayList<>();
        if (approval.revision() != latest.revision()
                || !approval.contentSha256().equals(latest.contentSha256())) {
            problems.add("names revision " + approval.revision() + " with content sha256 " + approval.contentSha256()
                    + ", revision " + latest.revision() + " has " + latest.contentSha256());
        }
        if (approval.approverKeyId().equals(latest.publisherKeyId())
                || approval.approverKeyId().equals(approval.publisherKeyId())) {
            problems.add("the approver is the publisher (four eyes: another key must approve)");
        }
        if (!approvers.isEmpty() && !approvers.contains(approval.approverKeyId())) {
            problems.add("the key is not among approval.approvers " + approvers);
        }
        return problems;
    }

    /** Whether {@code approval} approves {@code latest} under {@code approvers}. */
    public static boolean approves(RecordedApproval approval, Revision latest, List<String> approvers) {
        return policyProblems(approval, latest, approvers).isEmpty();
    }

    /**
     * The view {@code current_periods} in Trino's SQL: the latest revision of each period (its header)
     * with {@code status} by this definition, {@code approved_by} (the approving key ids, sorted,
     * comma-separated) and {@code locked_at}. {@code approvers} are key ids (16 lower-case hex digits, as
     * the configuration checks them).
     */
    public static String currentPeriodsSql(List<String> approvers) {
        for (String id : approvers) {
            if (!id.matches("[0-9a-f]{16}")) {
                throw new IllegalArgumentException("not a key id: " + id);
            }
        }
        String listed = approvers.isEmpty()
                ? ""
                : "\n                             AND a.approver_key_id IN ('" + String.join("', '", approvers) + "')";
        return """
                SELECT p.period, p.revision, p.raw_table_version, p.line_count, p.content_sha256, p.signature,
                       p.key_id, p.published_at, p.supersedes, p.forced,
                       CASE WHEN k.locked_at IS NOT NULL THEN '%s' WHEN a.approved_by IS NOT NULL THEN '%s'
                            ELSE '%s' END AS status,
                       a.approved_by, k.locked_at
                FROM billing_periods p
                LEFT JOIN (SELECT a.period, a.revision,
                                  array_join(array_sort(array_agg(DISTINCT a.approver_key_id)), ',') AS approved_by
                           FROM billing_approvals a JOIN billing_periods r
                             ON r.period = a.period AND r.revision = a.revision AND r.content_sha256 = a.content_sha256
                           WHERE a.approver_key_id <> a.publisher_key_id AND a.approver_key_id <> r.key_id%s
                           GROUP BY a.period, a.revision) a
                  ON a.period = p.period AND a.revision = p.revision
                LEFT JOIN (SELECT period, min_by(locked_at, sequence) AS locked_at FROM billing_period_locks
                           GROUP BY period) k
                  ON k.period = p.period
                WHERE p.revision = (SELECT max(q.revision) FROM billing_periods q WHERE q.period = p.period)""".formatted(LOCKED.word(), APPROVED.word(), DRAFT.word(), listed);
    }
}
