package io.meterlake.output;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/** Renders results as aligned text tables or JSON. */
public final class Output {
    private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile("-?[0-9][0-9,]*(\\.[0-9]+)?");
    /** A quantity as {@code decimal(38,9)} renders it everywhere a machine reads it: exactly 9 fraction digits. */
    private static final java.util.regex.Pattern QUANTITY = java.util.regex.Pattern.compile("-?[0-9]+\\.[0-9]{9}");

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Output() {}

    public static void json(PrintWriter out, Object value) {
        try {
            out.println(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        out.flush();
    }

    /**
     * A table with a header row; numbers are right-aligned, text left-aligned. Quantities (9 fraction digits, as
     * JSON and csv carry them) read without trailing zeros, aligned on the point: {@code 42} beside {@code 1.5},
     * never {@code 42.000000000}. Only this text form trims; nothing is rounded.
     */
    public static void table(PrintWriter out, List<String> header, List<List<String>> given) {
        List<List<String>> rows = trimQuantities(given);
        int[] widths = new int[header.size()];
        for (int i = 0; i < header.size(); i++) {
            widths[i] = header.get(i).length();
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        out.println(line(header, widths));
        StringBuilder rule = new StringBuilder();
        for (int i = 0; i < widths.length; i++) {
            rule.append(i == 0 ? "" : "  ").append("-".repeat(widths[i]));
        }
        out.println(rule);
        for (List<String> row : rows) {
            out.println(line(row, widths));
        }
        out.flush();
    }

    /** CSV with a header row, {@code \n} line ends; a field holding a comma, quote or line break is quoted (RFC 4180). */
    public static void csv(PrintWriter out, List<String> header, List<List<String>> rows) {
        out.print(csvLine(header));
        for (List<String> row : rows) {
            out.print(csvLine(row));
        }
        out.flush();
    }

    private static String csvLine(List<String> cells) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String cell = cells.get(i);
            boolean quote = cell.indexOf(',') >= 0
                    || cell.indexOf('"') >= 0
                    || cell.indexOf('\n') >= 0
                    || cell.indexOf('\r') >= 0;
            line.append(i == 0 ? "" : ",").append(quote ? '"' + cell.replace("\"", "\"\"") + '"' : cell);
        }
        return line.append("\n").toString();
    }

    /** Each column holding quantities: every quantity without trailing zeros, padded so the points align. */
    static List<List<String>> trimQuantities(List<List<String>> rows) {
        List<List<String>> trimmed = new ArrayList<>();
        rows.forEach(row -> trimmed.add(new ArrayList<>(row)));
        int columns = rows.isEmpty() ? 0 : rows.get(0).size();
        for (int column = 0; column < columns; column++) {
            int fraction = -1; // the widest fraction the column's quantities need, -1 when it holds none
            for (List<String> row : rows) {
                if (QUANTITY.matcher(row.get(column)).matches()) {
                    fraction = Math.max(
                            fraction,
                            Math.max(
                                    0,
                                    new BigDecimal(row.get(column))
                                            .stripTrailingZeros()
                                            .scale()));
                }
            }
            for (List<String> row : trimmed) {
                String cell = row.get(column);
                if (fraction >= 0 && QUANTITY.matcher(cell).matches()) {
                    BigDecimal value = new BigDecimal(cell).stripTrailingZeros();
                    String plain = value.scale() <= 0 ? value.toBigInteger().toString() : value.toPlainString();
                    int own = value.scale() <= 0 ? 0 : value.scale() + 1;
                    row.set(column, plain + " ".repeat((fraction == 0 ? 0 : fraction + 1) - own));
                }
            }
        }
        return trimmed;
    }

    private static String line(List<String> cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String cell = cells.get(i);
            String pad = " ".repeat(widths[i] - cell.length());
            boolean number = NUMBER.matcher(cell.stripTrailing()).matches();
            line.append(i == 0 ? "" : "  ").append(number ? pad + cell : cell + pad);
        }
        return line.toString().stripTrailing();
    }

    /** {@code n} and the noun, singular for one: "1 entitlement", "2 entitlements" (a plural ending in s). */
    public static String count(long n, String noun) {
        return count(n, noun, noun + "s");
    }

    /** {@code n} and the noun, singular for one: "1 identity", "2 identities". */
    public static String count(long n, String singular, String plural) {
        return n + " " + (n == 1 ? singular : plural);
    }
}
