package io.meterlake.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.testing.RecordSplittingCases;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class JsonLinesTest {
    private static List<String> text(List<byte[]> records) {
        return records.stream().map(r -> new String(r, StandardCharsets.UTF_8)).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.meterlake.testing.RecordSplittingCases#all")
    void everyCaseGivesItsRecordsWholeAndOneByteAtATime(RecordSplittingCases.Case c) {
        assertThat(text(JsonLines.split(c.body()))).isEqualTo(c.records());
        // A stream that hands out one byte per read (a pipe, a slow disk) cuts the same records.
        List<byte[]> trickled = new ArrayList<>();
        long count = JsonLines.read(
                new InputStream() {
                    private final ByteArrayInputStream in = new ByteArrayInputStream(c.body());

                    @Override
                    public int read() {
                        return in.read();
                    }

                    @Override
                    public int read(byte[] b, int off, int len) {
                        return len == 0 ? 0 : in.read(b, off, 1);
                    }
                },
                trickled::add);
        assertThat(text(trickled)).isEqualTo(c.records());
        assertThat(count).isEqualTo(c.records().size());
    }
}
