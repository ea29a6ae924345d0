package io.meterlake.signing;

import io.meterlake.model.BillingLine;
import io.meterlake.model.CorrectionLine;
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
 *
 * <p>A revision that carries correction lines renders as {@code meterlake-billing-period v3}: every
 * line starts with its charge class and service period ({@code usage\t<P>\t...} for its own usage,
 * then {@code correction\t<locked period>\t...} in {@link CorrectionLine#CANONICAL_ORDER}, whose
 * quantity and event count may be negative). A revision without corrections renders as v2, so every
 * revision signed before corrections existed keeps its hash.
 */
public final class CanonicalRendering {
    /** v2: lines carry their plan (v1 had none). */
    public static final String HEADER = "meterlake-billing-period v2";

    private CanonicalRendering() {}

    /** v3: lines carry their charge class and service period, and correction lines follow the usage. */
    public static final String HEADER_WITH_CORRECTIONS = "meterlake-billing-period v3";

    public static byte[] render(String period, List<BillingLine> lines) {
        return render(period, lines, List.of());
    }

    public static byte[] render(String period, List<BillingLine> lines, List<CorrectionLine> corrections) {
        boolean v3 = !corrections.isEmpty();
        StringBuilder out = new StringBuilder(64 + 96 * (lines.size() + corrections.size()));
        out.append(v3 ? HEADER_WITH_CORRECTIONS : HEADER).append('\n');
        out.append("period=").append(escape(period)).append('\n');
        String usage = v3 ? CorrectionLine.USAGE + "\t" + escape(period) + "\t" : "";
        lines.stream()
                .sorted(BillingLine.CANONICAL_ORDER)
                .forEach(line -> fields(
                        out.append(usage),
                        line.subscriptionId(),
                        line.billingAccountId(),
                        line.plan(),
                        line.metric(),
                        line.unit(),
                        Quantities.render(line.quantity()),
                        line.eventCount()));
        corrections.stream()
                .sorted(CorrectionLine.CANONICAL_ORDER)
                .forEach(line -> fields(
                        out.append(CorrectionLine.CORRECTION)
                                .append('\t')
                                .append(escape(line.servicePeriod()))
                                .append('\t'),
                        line.subscriptionId(),
                        line.billingAccountId(),
                        line.plan(),
                        line.metric(),
                        line.unit(),
                        Quantities.render(line.quantity()),
                        line.eventCount()));
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void fields(
            StringBuilder out,
            String subscription,
            String account,
            String plan,
            String metric,
            String unit,
            String quantity,
            long events) {
        out.append(escape(subscription))
                .append('\t')
                .append(escape(account))
                .append('\t')
                .append(escape(plan))
                .append('\t')
                .append(escape(metric))
                .append('\t')
                .append(escape(unit))
                .append('\t')
                .append(quantity)
                .append('\t')
                .append(events)
                .append('\n');
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
