package io.meterlake.signing;

import io.meterlake.model.BillingLine;
import io.meterlake.validation.Quantities;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The byte-stable text that a billing period's signature and content hash cover.
 *
 * <p>Format (UTF-8, {@code \n} line ends): a header line {@code meterlake-billing-period v2},
 * then {@code period=<P>}, then one line per billing line in {@link BillingLine#CANONICAL_ORDER}:
 * subscription, billing account, plan, metric, unit, quantity with exactly 9 fraction digits and event
 * count, separated by tabs. Backslash, tab, CR and LF inside values are escaped, so distinct line
 * sets always render differently, and the order lines arrive in never matters.
 */
public final class CanonicalRendering {
    /** v2: lines carry their plan (v1 had none). */
    public static final String HEADER = "meterlake-billing-period v2";

    private CanonicalRendering() {
    }

    public static byte[] render(String period, List<BillingLine> lines) {
        StringBuilder out = new StringBuilder(64 + 96 * lines.size());
        out.append(HEADER).append('\n');
        out.append("period=").append(escape(period)).append('\n');
        lines.stream().sorted(BillingLine.CANONICAL_ORDER).forEach(line -> out
                .append(escape(line.subscriptionId())).append('\t')
                .append(escape(line.billingAccountId())).append('\t')
                .append(escape(line.plan())).append('\t')
                .append(escape(line.metric())).append('\t')
                .append(escape(line.unit())).append('\t')
                .append(Quantities.render(line.quantity())).append('\t')
                .append(line.eventCount()).append('\n'));
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    static String escape(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
