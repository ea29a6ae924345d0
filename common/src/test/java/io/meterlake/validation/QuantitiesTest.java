package io.meterlake.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.catalog.MetricCatalog;
import io.meterlake.config.ConfigLoader;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QuantitiesTest {
    private static final MetricCatalog CATALOG =
            ConfigLoader.load(Optional.empty(), List.of(), Map.of()).catalog();

    @ParameterizedTest(name = "{1} {2} of {0} is {3} canonical")
    @CsvSource({
        "functions.invocations, 12,           count, 12.000000000",
        "functions.compute,     1728.987,     GB-s,  1728.987000000",
        "functions.compute,     1500,         GB-ms, 1.500000000",
        "functions.compute,     0.000001,     GB-ms, 0.000000001",
        "kvs.reads,             3,            count, 3.000000000",
        "kvs.writes,            4,            count, 4.000000000",
        "logs.ingested,         1,            B,     0.000000001",
        "logs.ingested,         1536,         KB,    0.001536000",
        "logs.ingested,         2.5,          MB,    0.002500000",
        "logs.ingested,         3,            GB,    3.000000000",
        "storage.stored,        123456789,    B,     0.123456789",
        "storage.stored,        0.001,        KB,    0.000000001",
        "storage.stored,        1024,         MB,    1.024000000",
        "storage.stored,        7.25,         GB,    7.250000000",
        "storage.stored,        1E+3,         GB,    1000.000000000",
    })
    void convertsEveryAcceptedUnitExactly(String metric, String quantity, String unit, String canonical) {
        BigDecimal factor = CATALOG.metric(metric).orElseThrow().factor(unit).orElseThrow();

        Optional<BigDecimal> result = Quantities.toCanonical(new BigDecimal(quantity), factor);

        assertThat(result).isPresent();
        assertThat(Quantities.render(result.get())).isEqualTo(canonical);
    }

    @ParameterizedTest(name = "{1} {2} of {0} overflows")
    @CsvSource({
        "logs.ingested,     1.5,                          B",
        "functions.compute, 0.0000001,                    GB-ms",
        "storage.stored,    0.0000000001,                 GB",
        "kvs.reads,         100000000000000000000000000000, count",
        "kvs.reads,         1E+40,                        count",
    })
    void refusesToRound(String metric, String quantity, String unit) {
        BigDecimal factor = CATALOG.metric(metric).orElseThrow().factor(unit).orElseThrow();

        assertThat(Quantities.toCanonical(new BigDecimal(quantity), factor)).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void decimalTextIsTheGrammarOfTheContract() {
        java.util.regex.Pattern grammar =
                java.util.regex.Pattern.compile("-?([0-9]+)(?:\\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?");
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        String alphabet = "0123456789-+.eE x";
        int decimals = 0;
        for (int i = 0; i < 50_000; i++) {
            StringBuilder text = new StringBuilder();
            for (int length = random.nextInt(1, 9); length > 0; length--) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            java.util.regex.Matcher matcher = grammar.matcher(text);
            boolean matches = matcher.matches();
            assertThat(Quantities.isDecimal(text.toString()))
                    .as(text.toString())
                    .isEqualTo(matches);
            if (matches) {
                decimals++;
                Optional<BigDecimal> exact = Quantities.exact(text.toString());
                if (exact.isPresent()) {
                    assertThat(exact.get()).as(text.toString()).isEqualTo(new BigDecimal(text.toString()));
                } else {
                    // Only a magnitude beyond 10^±MAX_EXPONENT is not read.
                    assertThat(Math.abs(Long.parseLong(matcher.group(3))))
                            .as(text.toString())
                            .isGreaterThan(Quantities.MAX_EXPONENT - 10);
                }
            } else {
                assertThat(Quantities.exact(text.toString()))
                        .as(text.toString())
                        .isEmpty();
            }
        }
        assertThat(decimals).isGreaterThan(1_000);
        assertThat(Quantities.exact("1e1001")).isEmpty();
        assertThat(Quantities.exact("-12.50e-3")).contains(new BigDecimal("-0.01250"));
    }
}
