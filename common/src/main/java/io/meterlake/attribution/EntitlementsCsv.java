package io.meterlake.attribution;

import io.meterlake.error.ContractErrors;
import io.meterlake.error.MeterlakeException;
import io.meterlake.model.Entitlement;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the entitlements CSV: a header naming the columns of {@link #HEADER} (in any order), then
 * one entitlement per line. Timestamps are ISO-8601 with an offset; an empty {@code valid_to} is
 * open-ended. Fields may be double-quoted (RFC 4180). Every problem in the file is reported at
 * once, with its line number; nothing is loaded from a file with problems.
 */
public final class EntitlementsCsv {
    public static final List<String> HEADER = List.of(
            "entitlement_id",
            "subscription_id",
            "billing_account_id",
            "tenant_id",
            "app_id",
            "plan",
            "valid_from",
            "valid_to");
    private static final int MAX_REPORTED = 10;

    private EntitlementsCsv() {}

    public static List<Entitlement> read(Path file) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw ContractErrors.entitlementsMissing(file);
        }
        List<String> errors = new ArrayList<>();
        List<Entitlement> result = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String headerLine = reader.readLine();
            if (headerLine == null) {
                throw problem(file, List.of("the file is empty"));
            }
            List<String> header = io.meterlake.validation.CsvFields.split(headerLine.replace("\uFEFF", ""));
            int[] index = new int[HEADER.size()];
            for (int i = 0; i < HEADER.size(); i++) {
                index[i] = header.indexOf(HEADER.get(i));
                if (index[i] < 0) {
                    errors.add("line 1: the header lacks column " + HEADER.get(i));
                }
            }
            if (!errors.isEmpty()) {
                throw problem(file, errors);
            }
            Set<String> ids = new HashSet<>();
            int lineNumber = 1;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                List<String> fields = io.meterlake.validation.CsvFields.split(line);
                if (fields.size() != header.size()) {
                    errors.add(
                            "line " + lineNumber + ": " + fields.size() + " fields, the header has " + header.size());
                    continue;
                }
                String[] values = new String[HEADER.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = fields.get(index[i]).trim();
                }
                int before = errors.size();
                for (int i = 0; i < 7; i++) {
                    if (values[i].isEmpty()) {
                        errors.add("line " + lineNumber + ": " + HEADER.get(i) + " is empty");
                    }
                }
                Instant from = io.meterlake.validation.CsvFields.instant(values[6], "valid_from", lineNumber, errors);
                Instant to = values[7].isEmpty()
                        ? null
                        : io.meterlake.validation.CsvFields.instant(values[7], "valid_to", lineNumber, errors);
                if (from != null && to != null && !from.isBefore(to)) {
                    errors.add("line " + lineNumber + ": valid_from must be before valid_to");
                }
                if (!values[0].isEmpty() && !ids.add(values[0])) {
                    errors.add("line " + lineNumber + ": entitlement_id " + values[0] + " appears twice");
                }
                if (errors.size() == before) {
                    result.add(new Entitlement(
                            values[0], values[1], values[2], values[3], values[4], values[5], from, to));
                }
            }
        } catch (IOException e) {
            throw ContractErrors.entitlementsUnreadable(file, e);
        }
        if (!errors.isEmpty()) {
            throw problem(file, errors);
        }
        return List.copyOf(result);
    }

    private static MeterlakeException problem(Path file, List<String> errors) {
        String shown = String.join("; ", errors.subList(0, Math.min(errors.size(), MAX_REPORTED)));
        String more = errors.size() > MAX_REPORTED ? " (and " + (errors.size() - MAX_REPORTED) + " more)" : "";
        return ContractErrors.entitlementsMalformed(file, shown + more, HEADER);
    }
}
