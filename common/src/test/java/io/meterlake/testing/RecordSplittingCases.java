package io.meterlake.testing;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Bodies that every reader of lines of events must cut alike ({@link io.meterlake.validation.JsonLines}):
 * file ingest (Hadoop's reader), {@code produce} and the gateway's NDJSON. Each case names the records
 * it must give; the tests of those readers run every case.
 */
public final class RecordSplittingCases {
    /** A body (bytes) and the records it holds, as text. */
    public record Case(String name, byte[] body, List<String> records) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final String BOM = "\uFEFF";
    private static final String E1 = "{\"a\":1}";
    private static final String E2 = "{\"b\":2}";

    private RecordSplittingCases() {}

    private static Case of(String name, String body, String... records) {
        return new Case(name, body.getBytes(StandardCharsets.UTF_8), List.of(records));
    }

    public static List<Case> all() {
        return List.of(
                of("LF between and after", E1 + "\n" + E2 + "\n", E1, E2),
                of("no LF after the last", E1 + "\n" + E2, E1, E2),
                of("CRLF", E1 + "\r\n" + E2 + "\r\n", E1, E2),
                of("a blank line is a record", E1 + "\n\n" + E2 + "\n", E1, "", E2),
                of("a line of spaces is a record as sent", E1 + "\n  \t \n" + E2, E1, "  \t ", E2),
                of("a blank CRLF line", E1 + "\r\n\r\n" + E2, E1, "", E2),
                of("two LFs at the end", E1 + "\n\n", E1, ""),
                of("a CR inside a record stays", "{\"a\":\r1}\n" + E2, "{\"a\":\r1}", E2),
                of("only the CR before the LF goes", E1 + "\r\r\n" + E2, E1 + "\r", E2),
                of("surrounding spaces stay", "  " + E1 + " \n" + E2, "  " + E1 + " ", E2),
                of("a byte-order mark before the first record", BOM + E1 + "\n" + E2 + "\n", E1, E2),
                of("a byte-order mark before a blank first line", BOM + "\n" + E1, "", E1),
                of("a byte-order mark alone is empty", BOM),
                of("nothing", ""),
                of("a byte-order mark later is data", E1 + "\n" + BOM + E2, E1, BOM + E2),
                of("one LF", "\n", ""),
                of("not JSON at all", "a,b\n1,2\n", "a,b", "1,2"));
    }
}
