package io.meterlake.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputTest {
    @Test
    void aCountOfOneIsSingular() {
        assertThat(Output.count(1, "entitlement")).isEqualTo("1 entitlement");
        assertThat(Output.count(0, "entitlement")).isEqualTo("0 entitlements");
        assertThat(Output.count(2, "token")).isEqualTo("2 tokens");
        assertThat(Output.count(1, "mismatch", "mismatches")).isEqualTo("1 mismatch");
        assertThat(Output.count(3, "identity", "identities")).isEqualTo("3 identities");
    }

    @Test
    void aTextTableShowsQuantitiesWithoutTrailingZerosAlignedOnThePoint() {
        StringWriter text = new StringWriter();
        Output.table(
                new PrintWriter(text),
                List.of("metric", "quantity", "events"),
                List.of(
                        List.of("functions.invocations", "42.000000000", "42"),
                        List.of("compute.gb_seconds", "1.500000000", "3"),
                        List.of("storage.held", "0.000000002", "1"),
                        List.of("data.sent", "-1234.250000000", "2")));
        assertThat(text.toString().lines().toList())
                .containsExactly(
                        "metric                 quantity         events",
                        "---------------------  ---------------  ------",
                        "functions.invocations     42                42",
                        "compute.gb_seconds         1.5               3",
                        "storage.held               0.000000002       1",
                        "data.sent              -1234.25              2");
    }

    @Test
    void aColumnOfWholeQuantitiesReadsAsIntegersAndOtherNumbersAreLeftAlone() {
        StringWriter text = new StringWriter();
        Output.table(
                new PrintWriter(text),
                List.of("quantity", "ratio"),
                List.of(List.of("42.000000000", "1.50"), List.of("7.000000000", "12.00")));
        assertThat(text.toString().lines().toList())
                .containsExactly("quantity  ratio", "--------  -----", "      42   1.50", "       7  12.00");
    }
}
