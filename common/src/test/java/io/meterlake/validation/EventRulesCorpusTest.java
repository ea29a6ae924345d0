package io.meterlake.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.config.ConfigLoader;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.testing.BadInputCorpus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every class of the bad-input corpus through the stateless rules, without Spark, at ordinary and
 * awkward instants (the 1st of a month at 00:30, a year's end, Feb 29): the reason the corpus names,
 * and acceptance for the classes that pass these rules (accepted, or decided by attribution later).
 * {@code BadInputCorpusIT} sends the same corpus through file ingest and the stream, which call these
 * rules and attribute.
 */
class EventRulesCorpusTest {
    private static final MeterlakeConfig CONFIG = ConfigLoader.load(Optional.empty(), List.of(), Map.of());
    private static final EventRules RULES =
            new EventRules(CONFIG.catalog(), CONFIG.maxClockSkew(), CONFIG.maxEventAge());
    /** Outcomes the stateless rules do not decide: the record passes them. */
    private static final Set<String> AFTER_THE_RULES =
            Set.of(BadInputCorpus.ACCEPTED, ReasonCode.UNATTRIBUTED.name(), ReasonCode.AMBIGUOUS_ATTRIBUTION.name());

    @ParameterizedTest
    @ValueSource(
            strings = {
                "2026-11-23T10:00:00Z",
                "2026-12-01T00:30:00Z",
                "2027-01-01T00:00:00Z",
                "2028-02-29T23:59:59Z",
                "2028-03-01T00:30:00Z"
            })
    void everyClassGetsItsReasonFromTheRules(String at) {
        Instant now = Instant.parse(at);
        List<String> wrong = new ArrayList<>();
        for (BadInputCorpus.Case c : BadInputCorpus.cases()) {
            EventRules.Verdict verdict = RULES.check(c.render(now, CONFIG.maxClockSkew(), CONFIG.maxEventAge()), now);
            String expected = AFTER_THE_RULES.contains(c.reason()) ? BadInputCorpus.ACCEPTED : c.reason();
            String actual = verdict.accepted()
                    ? BadInputCorpus.ACCEPTED
                    : verdict.reason().name();
            if (!expected.equals(actual)) {
                wrong.add(c.name() + ": expected " + expected + ", got " + actual);
            } else if (!verdict.accepted()) {
                assertThat(verdict.detail()).as(c.name()).isNotBlank();
            }
        }
        assertThat(wrong).as("classes with another outcome").isEmpty();
    }

    @org.junit.jupiter.api.Test
    void theCorpusHasAtLeast150BadClassesAndEveryReason() {
        List<BadInputCorpus.Case> cases = BadInputCorpus.cases();

        assertThat(cases.stream()
                        .filter(c -> !c.reason().equals(BadInputCorpus.ACCEPTED))
                        .count())
                .isGreaterThanOrEqualTo(150);
        assertThat(cases.stream().map(BadInputCorpus.Case::name).distinct().count())
                .isEqualTo(cases.size());
        Set<ReasonCode> reasons = EnumSet.noneOf(ReasonCode.class);
        cases.stream()
                .filter(c -> !c.reason().equals(BadInputCorpus.ACCEPTED))
                .forEach(c -> reasons.add(ReasonCode.valueOf(c.reason())));
        assertThat(reasons)
                .containsAll(Arrays.stream(ReasonCode.values())
                        .filter(r -> r != ReasonCode.UNPROCESSABLE)
                        .toList());
    }
}
