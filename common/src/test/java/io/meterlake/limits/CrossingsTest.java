package io.meterlake.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.period.Period;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Crossing and resolving thresholds: once per crossing, the same ids whoever decides, nothing on an unknown value. */
class CrossingsTest {
    private static final Period NOVEMBER = Period.parse("2026-11");
    private static final Limit LIMIT = new Limit(
            "standard-calls",
            "standard",
            null,
            "invocations",
            new BigDecimal("1000").setScale(9),
            Limit.Enforcement.HARD,
            List.of(Threshold.parse("80%"), Threshold.parse("100%")),
            Instant.parse("2026-01-01T00:00:00Z"),
            null);

    private static Crossings.Subject subject(String source) {
        return new Crossings.Subject(
                "s-1", "ba-1", "invocations", NOVEMBER, source, null, "test", Instant.parse("2026-11-30T12:00:00Z"));
    }

    private static List<Notification> decide(List<Notification> state, String value) {
        List<Notification> decided =
                Crossings.decide(subject("provisional"), LIMIT, value == null ? null : new BigDecimal(value), state);
        state.addAll(decided);
        return decided;
    }

    @Test
    void aCrossingIsNotifiedOnceAndResolvedWhenTheValueFallsBack() {
        List<Notification> state = new ArrayList<>();
        assertThat(decide(state, "799.999999999")).isEmpty();
        List<Notification> first = decide(state, "800");
        assertThat(first).singleElement().satisfies(n -> {
            assertThat(n.kind()).isEqualTo(Notification.Kind.CROSSED);
            assertThat(n.threshold().text()).isEqualTo("80%");
            assertThat(n.thresholdAmount()).isEqualByComparingTo("800");
            assertThat(n.ordinal()).isEqualTo(1);
            assertThat(n.notificationId()).matches("msg_[0-9a-f]{32}");
        });
        assertThat(decide(state, "900")).isEmpty();
        assertThat(decide(state, null)).as("an unknown value changes nothing").isEmpty();
        assertThat(decide(state, "1200")).extracting(n -> n.threshold().text()).containsExactly("100%");
        List<Notification> down = decide(state, "500");
        assertThat(down)
                .extracting(n -> n.kind() + " " + n.threshold().text() + " #" + n.ordinal())
                .containsExactly("RESOLVED 80% #1", "RESOLVED 100% #1");
        assertThat(decide(state, "850"))
                .extracting(n -> n.kind() + " " + n.threshold().text() + " #" + n.ordinal())
                .containsExactly("CROSSED 80% #2");
        assertThat(state).extracting(Notification::notificationId).doesNotHaveDuplicates();
    }

    @Test
    void theSameCrossingHasTheSameIdWhicheverSourceDecidesIt() {
        Notification provisional = Crossings.decide(subject("provisional"), LIMIT, new BigDecimal("801"), List.of())
                .get(0);
        Notification published = Crossings.decide(subject("published"), LIMIT, new BigDecimal("950"), List.of())
                .get(0);
        assertThat(published.notificationId()).isEqualTo(provisional.notificationId());
        // Two rows of one id (two deciders raced) are one crossing: the next decision resolves it once.
        List<Notification> resolved =
                Crossings.decide(subject("published"), LIMIT, new BigDecimal("10"), List.of(provisional, published));
        assertThat(resolved).singleElement().satisfies(n -> assertThat(n.kind()).isEqualTo(Notification.Kind.RESOLVED));
    }

    @Test
    void aLimitWithoutThresholdsNotifiesAtTheLimitAndAShareIsComparedExactly() {
        Limit plain = new Limit(
                "tiny",
                null,
                "s-1",
                "invocations",
                new BigDecimal("0.000000003"),
                Limit.Enforcement.SOFT,
                List.of(),
                Instant.parse("2026-01-01T00:00:00Z"),
                null);
        assertThat(Crossings.decide(subject("published"), plain, new BigDecimal("0.000000002"), List.of()))
                .isEmpty();
        assertThat(Crossings.decide(subject("published"), plain, new BigDecimal("0.000000003"), List.of()))
                .singleElement()
                .satisfies(n -> assertThat(n.threshold().text()).isEqualTo("100%"));
        Limit third = new Limit(
                "third",
                null,
                "s-1",
                "invocations",
                new BigDecimal("0.000000001"),
                Limit.Enforcement.SOFT,
                List.of(Threshold.parse("50%")),
                Instant.parse("2026-01-01T00:00:00Z"),
                null);
        // 50% of 1e-9 is 5e-10, which no usage of 9 fraction digits equals: 1e-9 reaches it, 0 does not.
        assertThat(Crossings.decide(subject("published"), third, new BigDecimal("0E-9"), List.of()))
                .isEmpty();
        assertThat(Crossings.decide(subject("published"), third, new BigDecimal("0.000000001"), List.of()))
                .singleElement()
                .satisfies(n -> assertThat(n.thresholdAmount()).isEqualByComparingTo("0.000000001"));
    }

    @Test
    void idsDifferPerThresholdKindAndOrdinal() {
        Threshold eighty = Threshold.parse("80%");
        List<String> ids = List.of(
                Notification.id("s-1", "invocations", NOVEMBER, "l", eighty, Notification.Kind.CROSSED, 1),
                Notification.id("s-1", "invocations", NOVEMBER, "l", eighty, Notification.Kind.RESOLVED, 1),
                Notification.id("s-1", "invocations", NOVEMBER, "l", eighty, Notification.Kind.CROSSED, 2),
                Notification.id("s-1", "invocations", NOVEMBER.next(), "l", eighty, Notification.Kind.CROSSED, 1),
                Notification.id("s-2", "invocations", NOVEMBER, "l", eighty, Notification.Kind.CROSSED, 1),
                Notification.id(
                        "s-1", "invocations", NOVEMBER, "l", Threshold.parse("90%"), Notification.Kind.CROSSED, 1));
        assertThat(ids).doesNotHaveDuplicates();
        assertThat(Notification.id("s-1", "invocations", NOVEMBER, "l", eighty, Notification.Kind.CROSSED, 1))
                .isEqualTo(ids.get(0));
    }
}
