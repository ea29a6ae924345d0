package io.meterlake.validation;

import java.util.ArrayList;
import java.util.List;

/** The fields of one line of the CSV files Meterlake loads (entitlements, limits): RFC 4180 quoting. */
public final class CsvFields {
    private CsvFields() {}

    /** Splits one CSV line, honouring double quotes ("" inside quotes is a quote). */
    public static List<String> split(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        fields.add(field.toString());
        return fields;
    }

    /**
     * An ISO-8601 time with an offset ({@code 2026-10-01T00:00:00Z}); null for an empty field, or, with a line
     * for {@code errors}, for one that is not such a time.
     */
    public static java.time.Instant instant(String text, String column, int line, List<String> errors) {
        if (text.isEmpty()) {
            return null;
        }
        try {
            return java.time.OffsetDateTime.parse(text, java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                    .toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            errors.add("line " + line + ": " + column + " '" + text + "' is not ISO-8601 with an offset");
            return null;
        }
    }
}
