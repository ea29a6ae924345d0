package io.meterlake.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestionsTest {
    private static final List<String> KEYS =
            List.of("stream.trigger", "stream.window", "warehouse", "kafka.topic", "gateway.port");

    @Test
    void oneOrTwoEditsAwayAreSuggestedClosestFirst() {
        assertThat(Suggestions.closest("strem.trigger", KEYS)).containsExactly("stream.trigger");
        assertThat(Suggestions.closest("stream.tirgger", KEYS)).containsExactly("stream.trigger");
        assertThat(Suggestions.closest("WAREHOSE", KEYS)).containsExactly("warehouse");
        assertThat(Suggestions.closest("stream.windw", KEYS)).containsExactly("stream.window");
        assertThat(Suggestions.closest("--formt", List.of("--format", "--period", "-h")))
                .containsExactly("--format");
        assertThat(Suggestions.closest("statu", List.of("status", "show", "stats")))
                .containsExactly("status", "stats");
    }

    @Test
    void farNamesAreNotSuggested() {
        assertThat(Suggestions.closest("nope", KEYS)).isEmpty();
        assertThat(Suggestions.closest("shw", List.of("show", "ready"))).containsExactly("show");
        assertThat(Suggestions.closest("rdy", List.of("show", "ready"))).isEmpty();
        assertThat(Suggestions.didYouMean("nope", KEYS)).isEmpty();
        assertThat(Suggestions.didYouMean("strem.trigger", KEYS)).isEqualTo(": did you mean stream.trigger?");
    }

    @Test
    void distanceCountsASwapOfNeighboursAsOneEdit() {
        assertThat(Suggestions.distance("abcd", "abdc")).isEqualTo(1);
        assertThat(Suggestions.distance("", "abc")).isEqualTo(3);
        assertThat(Suggestions.distance("kitten", "sitting")).isEqualTo(3);
    }
}
