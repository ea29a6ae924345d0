package io.meterlake.limits;

import io.meterlake.catalog.MetricCatalog;
import io.meterlake.error.ContractErrors;
import io.meterlake.error.MeterlakeException;
import io.meterlake.validation.CsvFields;
import java.io.BufferedReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The limits file and what is in force. The CSV has a header naming the columns of {@link #HEADER} (in any
 * order), then one limit per line: {@code plan} or {@code subscription_id} (exactly one), a metric of the
 * catalog, {@code limit_amount} in the metric's canonical unit, {@code soft} or {@code hard}, thresholds separated by
 * {@code ;} ({@code 50%;80%;100%} or amounts), ISO-8601 times with an offset (an empty {@code valid_to} is
 * open-ended). Every problem in the file is reported at once, with its line number; nothing is loaded from a
 * file with problems.
 */
public final class Limits {
    public static final List<String> HEADER = List.of(
            "limit_id",
            "plan",
            "subscription_id",
            "metric",
            "limit_amount",
            "enforcement",
            "thresholds",
            "valid_from",
            "valid_to");
    private static final int MAX_REPORTED = 10;

    private Limits() {}

    /** The limits of {@code file}, checked against {@code catalog} and against each other. */
    public static List<Limit> read(Path file, MetricCatalog catalog) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw ContractErrors.limitsMissing(file);
        }
        List<String> errors = new ArrayList<>();
        List<Limit> result = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String headerLine = reader.readLine();
            List<String> header = headerLine == null ? List.of() : CsvFields.split(headerLine.replace("\uFEFF", ""));
            for (String column : HEADER) {
                if (!header.contains(column)) {
                    errors.add("line 1: the header lacks column " + column);
                }
            }
            if (!errors.isEmpty()) {
                throw malformed(file, errors);
            }
            Set<String> ids = new HashSet<>();
            int number = 1;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                List<String> fields = CsvFields.split(line);
                if (fields.size() != header.size()) {
                    errors.add("line " + number + ": " + fields.size() + " fields, the header has " + header.size());
                    continue;
                }
                Map<String, String> values = new LinkedHashMap<>();
                HEADER.forEach(column ->
                        values.put(column, fields.get(header.indexOf(column)).trim()));
                Limit limit = limit(values, number, catalog, errors);
                if (limit != null && !ids.add(limit.limitId())) {
                    errors.add("line " + number + ": limit_id " + limit.limitId() + " appears twice");
                } else if (limit != null) {
                    result.add(limit);
                }
            }
        } catch (IOException e) {
            throw ContractErrors.limitsUnreadable(file, e);
        }
        errors.addAll(overlaps(result));
        if (!errors.isEmpty()) {
            throw malformed(file, errors);
        }
        return List.copyOf(result);
    }

    /** One line's limit; null (with its problems in {@code errors}) when it is not one. */
    private static Limit limit(Map<String, String> v, int line, MetricCatalog catalog, List<String> errors) {
        int before = errors.size();
        String at = "line " + line + ": ";
        if (v.get("limit_id").isEmpty()) {
            errors.add(at + "limit_id is empty");
        }
        String plan = v.get("plan").isEmpty() ? null : v.get("plan");
        String subscription = v.get("subscription_id").isEmpty() ? null : v.get("subscription_id");
        if ((plan == null) == (subscription == null)) {
            errors.add(at + "give plan or subscription_id, not " + (plan == null ? "neither" : "both"));
        }
        String metric = v.get("metric");
        if (catalog.metric(metric).isEmpty()) {
            errors.add(
                    at + "metric '" + metric + "' is not in the catalog (" + String.join(", ", names(catalog)) + ")");
        }
        BigDecimal limit = amount(v.get("limit_amount"));
        if (limit == null) {
            errors.add(at + "limit_amount '" + v.get("limit_amount")
                    + "' is not a positive decimal with at most 9 fraction digits");
        }
        Limit.Enforcement enforcement = switch (v.get("enforcement").toLowerCase(java.util.Locale.ROOT)) {
            case "soft" -> Limit.Enforcement.SOFT;
            case "hard" -> Limit.Enforcement.HARD;
            default -> null;
        };
        if (enforcement == null) {
            errors.add(at + "enforcement '" + v.get("enforcement") + "' is not soft or hard");
        }
        List<Threshold> thresholds = new ArrayList<>();
        for (String text : v.get("thresholds").isEmpty()
                ? new String[0]
                : v.get("thresholds").split(";")) {
            Threshold threshold = Threshold.parse(text);
            if (threshold == null) {
                errors.add(at + "threshold '" + text.trim() + "' is not an amount or a percentage like 80%");
            } else {
                thresholds.add(threshold);
            }
        }
        Instant from = CsvFields.instant(v.get("valid_from"), "valid_from", line, errors);
        Instant to = CsvFields.instant(v.get("valid_to"), "valid_to", line, errors);
        if (v.get("valid_from").isEmpty()) {
            errors.add(at + "valid_from is empty");
        } else if (from != null && to != null && !from.isBefore(to)) {
            errors.add(at + "valid_from must be before valid_to");
        }
        if (errors.size() > before) {
            return null;
        }
        thresholds.sort(Comparator.comparing(threshold -> threshold.of(limit)));
        for (int i = 1; i < thresholds.size(); i++) {
            if (thresholds.get(i).of(limit).compareTo(thresholds.get(i - 1).of(limit)) == 0) {
                errors.add(at + "thresholds " + thresholds.get(i - 1).text() + " and "
                        + thresholds.get(i).text() + " are the same amount");
                return null;
            }
        }
        return new Limit(v.get("limit_id"), plan, subscription, metric, limit, enforcement, thresholds, from, to);
    }

    /** Two limits of one scope and metric in force at the same time: which would count is not said. */
    private static List<String> overlaps(List<Limit> limits) {
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < limits.size(); i++) {
            for (int j = i + 1; j < limits.size(); j++) {
                Limit a = limits.get(i);
                Limit b = limits.get(j);
                boolean overlap = (a.validTo() == null || b.validFrom().isBefore(a.validTo()))
                        && (b.validTo() == null || a.validFrom().isBefore(b.validTo()));
                if (a.scope().equals(b.scope()) && a.metric().equals(b.metric()) && overlap) {
                    errors.add("limits " + a.limitId() + " and " + b.limitId() + " of " + a.scope() + " for "
                            + a.metric() + " are in force at the same time");
                }
            }
        }
        return errors;
    }

    /**
     * The limits that apply to {@code subscriptionId} on {@code plan} at {@code at}, one per metric (in the
     * catalog's order of names): the subscription's own where it has one, else its plan's.
     */
    public static List<Limit> applying(List<Limit> limits, String subscriptionId, String plan, Instant at) {
        Map<String, Limit> byMetric = new java.util.TreeMap<>();
        for (Limit limit : limits) {
            if (limit.inForce(at) && plan != null && plan.equals(limit.plan())) {
                byMetric.putIfAbsent(limit.metric(), limit);
            }
        }
        for (Limit limit : limits) {
            if (limit.inForce(at) && subscriptionId.equals(limit.subscriptionId())) {
                byMetric.put(limit.metric(), limit);
            }
        }
        return List.copyOf(byMetric.values());
    }

    /**
     * The plan a subscription is on at {@code at}: that of its entitlement in force then (the latest
     * {@code valid_from} when several are); null when none is.
     */
    public static String plan(
            java.util.Collection<io.meterlake.model.Entitlement> entitlements, String subscriptionId, Instant at) {
        return entitlement(entitlements, subscriptionId, at)
                .map(io.meterlake.model.Entitlement::plan)
                .orElse(null);
    }

    /** The subscription's entitlement in force at {@code at} (the latest {@code valid_from} when several are). */
    public static Optional<io.meterlake.model.Entitlement> entitlement(
            java.util.Collection<io.meterlake.model.Entitlement> entitlements, String subscriptionId, Instant at) {
        return entitlements.stream()
                .filter(e -> e.subscriptionId().equals(subscriptionId))
                .filter(e -> !e.validFrom().isAfter(at)
                        && (e.validTo() == null || e.validTo().isAfter(at)))
                .max(Comparator.comparing(io.meterlake.model.Entitlement::validFrom));
    }

    /** The limit of {@code metric} that applies, if any (see {@link #applying}). */
    public static Optional<Limit> applying(
            List<Limit> limits, String subscriptionId, String plan, String metric, Instant at) {
        return applying(limits, subscriptionId, plan, at).stream()
                .filter(limit -> limit.metric().equals(metric))
                .findFirst();
    }

    /** A positive decimal with at most 9 fraction digits (what {@code decimal(38,9)} holds); null otherwise. */
    static BigDecimal amount(String text) {
        try {
            BigDecimal value = new BigDecimal(text.trim());
            return value.signum() > 0
                            && value.stripTrailingZeros().scale() <= 9
                            && value.precision() - value.scale() <= 29
                    ? value.setScale(9)
                    : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static List<String> names(MetricCatalog catalog) {
        return catalog.metrics().stream()
                .map(io.meterlake.catalog.Metric::name)
                .sorted()
                .toList();
    }

    private static MeterlakeException malformed(Path file, List<String> errors) {
        String shown = String.join("; ", errors.subList(0, Math.min(errors.size(), MAX_REPORTED)));
        String more = errors.size() > MAX_REPORTED ? " (and " + (errors.size() - MAX_REPORTED) + " more)" : "";
        return ContractErrors.limitsMalformed(file, shown + more, HEADER);
    }
}
