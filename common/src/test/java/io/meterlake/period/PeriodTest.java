package io.meterlake.period;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterlake.error.MeterlakeException;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PeriodTest {

    @ParameterizedTest(name = "{0} is [{1}, {2})")
    @CsvSource({
        "2026-10,    2026-10-01T00:00:00Z, 2026-11-01T00:00:00Z",
        "2026-12,    2026-12-01T00:00:00Z, 2027-01-01T00:00:00Z",
        "2028-02,    2028-02-01T00:00:00Z, 2028-03-01T00:00:00Z",
        "2026-10-31, 2026-10-31T00:00:00Z, 2026-11-01T00:00:00Z",
        "2028-02-29, 2028-02-29T00:00:00Z, 2028-03-01T00:00:00Z",
    })
    void coversAHalfOpenUtcInterval(String text, String start, String end) {
        Period period = Period.parse(text);

        assertThat(period.start()).isEqualTo(Instant.parse(start));
        assertThat(period.end()).isEqualTo(Instant.parse(end));
        assertThat(period.contains(Instant.parse(start))).isTrue();
        assertThat(period.contains(Instant.parse(end))).isFalse();
        assertThat(period.contains(Instant.parse(end).minusNanos(1000))).isTrue();
        assertThat(period).hasToString(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "2026", "2026-13", "2026-02-30", "26-10", "2026/10", "october"})
    void rejectsAnythingElseWithTheFormat(String text) {
        assertThatThrownBy(() -> Period.parse(text))
                .isInstanceOf(MeterlakeException.class)
                .hasMessageContaining("is not a period")
                .hasMessageContaining("YYYY-MM");
    }

    @Test
    void stepsToTheNextAndPreviousPeriodOfTheSameKindAcrossYearsAndLeapDays() {
        assertThat(Period.parse("2026-12").next()).isEqualTo(Period.parse("2027-01"));
        assertThat(Period.parse("2027-01").previous()).isEqualTo(Period.parse("2026-12"));
        assertThat(Period.parse("2028-02-28").next()).isEqualTo(Period.parse("2028-02-29"));
        assertThat(Period.parse("2028-03-01").previous()).isEqualTo(Period.parse("2028-02-29"));
        assertThat(Period.parse("2026-12-31").next()).isEqualTo(Period.parse("2027-01-01"));
        assertThat(Period.parse("2026-10").next().start())
                .isEqualTo(Period.parse("2026-10").end());
    }

    @Test
    void findsTheMonthOfAnInstant() {
        assertThat(Period.monthOf(Instant.parse("2026-10-31T23:59:59.999999Z"))).isEqualTo(Period.parse("2026-10"));
        assertThat(Period.monthOf(Instant.parse("2026-11-01T00:00:00Z"))).isEqualTo(Period.parse("2026-11"));
    }
}
