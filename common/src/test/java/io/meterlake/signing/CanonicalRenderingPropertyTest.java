package io.meterlake.signing;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.model.BillingLine;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The canonical rendering must not depend on line order and must tell any two line sets apart. */
class CanonicalRenderingPropertyTest {

    @Property
    void independentOfLineOrder(@ForAll("lineSets") List<BillingLine> lines, @ForAll long seed) {
        List<BillingLine> shuffled = new ArrayList<>(lines);
        Collections.shuffle(shuffled, new Random(seed));

        assertThat(CanonicalRendering.render("2026-10", shuffled))
                .isEqualTo(CanonicalRendering.render("2026-10", lines));
    }

    @Property
    void differsWhenAnyLineDiffers(
            @ForAll("lineSets") @Size(min = 1) List<BillingLine> lines,
            @ForAll @IntRange(min = 0, max = 1000) int pick,
            @ForAll @IntRange(min = 0, max = 6) int field,
            @ForAll("texts") String replacement) {
        int index = pick % lines.size();
        BillingLine changed = change(lines.get(index), field, replacement);
        List<BillingLine> altered = new ArrayList<>(lines);
        altered.set(index, changed);

        assertThat(CanonicalRendering.render("2026-10", altered))
                .isNotEqualTo(CanonicalRendering.render("2026-10", lines));
    }

    @Property
    void differsWhenALineIsAddedOrThePeriodChanges(
            @ForAll("lineSets") List<BillingLine> lines, @ForAll("lines") BillingLine extra) {
        List<BillingLine> more = new ArrayList<>(lines);
        more.add(extra);

        assertThat(CanonicalRendering.render("2026-10", more))
                .isNotEqualTo(CanonicalRendering.render("2026-10", lines));
        assertThat(CanonicalRendering.render("2026-11", lines))
                .isNotEqualTo(CanonicalRendering.render("2026-10", lines));
    }

    /** One field of a line changed to a value it did not have. */
    private static BillingLine change(BillingLine line, int field, String text) {
        return switch (field) {
            case 0 ->
                new BillingLine(
                        line.subscriptionId() + text + "x",
                        line.billingAccountId(),
                        line.plan(),
                        line.metric(),
                        line.unit(),
                        line.quantity(),
                        line.eventCount());
            case 1 ->
                new BillingLine(
                        line.subscriptionId(),
                        text + "\t" + line.billingAccountId(),
                        line.plan(),
                        line.metric(),
                        line.unit(),
                        line.quantity(),
                        line.eventCount());
            case 2 ->
                new BillingLine(
                        line.subscriptionId(),
                        line.billingAccountId(),
                        line.plan(),
                        line.metric() + "\n" + text,
                        line.unit(),
                        line.quantity(),
                        line.eventCount());
            case 3 ->
                new BillingLine(
                        line.subscriptionId(),
                        line.billingAccountId(),
                        line.plan(),
                        line.metric(),
                        line.unit() + "\\" + text,
                        line.quantity(),
                        line.eventCount());
            case 4 ->
                new BillingLine(
                        line.subscriptionId(),
                        line.billingAccountId(),
                        line.plan(),
                        line.metric(),
                        line.unit(),
                        line.quantity().add(new BigDecimal("0.000000001")),
                        line.eventCount());
            case 5 ->
                new BillingLine(
                        line.subscriptionId(),
                        line.billingAccountId(),
                        line.plan() + "\r" + text,
                        line.metric(),
                        line.unit(),
                        line.quantity(),
                        line.eventCount());
            default ->
                new BillingLine(
                        line.subscriptionId(),
                        line.billingAccountId(),
                        line.plan(),
                        line.metric(),
                        line.unit(),
                        line.quantity(),
                        line.eventCount() + 1);
        };
    }

    @Provide
    Arbitrary<List<BillingLine>> lineSets() {
        return lines().list().ofMaxSize(20);
    }

    @Provide
    Arbitrary<String> texts() {
        // Includes the separator and escape characters the rendering must keep apart.
        return Arbitraries.strings().withChars("ab\t\n\r\\=").ofMaxLength(6);
    }

    @Provide
    Arbitrary<BillingLine> lines() {
        Arbitrary<String> ids =
                Arbitraries.strings().withChars("abc-1\t\\\n").ofMinLength(1).ofMaxLength(8);
        Arbitrary<BigDecimal> quantities = Arbitraries.bigDecimals()
                .between(BigDecimal.ZERO, new BigDecimal("1000000"))
                .ofScale(9);
        return Combinators.combine(
                        ids,
                        ids,
                        Arbitraries.of("standard", "premium", "a\tb"),
                        Arbitraries.of("functions.invocations", "storage.stored"),
                        Arbitraries.of("count", "GB"),
                        quantities,
                        Arbitraries.longs().between(0, 1_000_000))
                .as(BillingLine::new);
    }
}
