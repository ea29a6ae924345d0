package io.meterlake.catalog;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meterlake.error.ContractErrors;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The metric catalog: every metric Meterlake bills, read from {@code conf/metrics.json}.
 *
 * <p>Adding a metric is a change of that file, not of code. Factors are exact decimals written as
 * JSON strings, so no factor ever passes through {@code double}. Loading validates the whole file
 * and reports every problem at once.
 */
public final class MetricCatalog implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Map<String, Metric> metrics;

    public MetricCatalog(Collection<Metric> metrics) {
        Map<String, Metric> byName = new LinkedHashMap<>();
        for (Metric metric : metrics) {
            if (byName.put(metric.name(), metric) != null) {
                throw new IllegalArgumentException("duplicate metric " + metric.name());
            }
        }
        this.metrics = Map.copyOf(byName);
    }

    public Optional<Metric> metric(String name) {
        return Optional.ofNullable(metrics.get(name));
    }

    /** Metrics in name order, so anything rendered from the catalog is stable. */
    public List<Metric> metrics() {
        return metrics.values().stream()
                .sorted(java.util.Comparator.comparing(Metric::name))
                .toList();
    }

    /** Reads a catalog; {@code origin} names the file in error messages. */
    public static MetricCatalog read(InputStream in, String origin) {
        JsonNode root;
        try {
            root = new ObjectMapper()
                    .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                    .readTree(in);
        } catch (IOException e) {
            throw ContractErrors.catalogNotJson(
                    origin, e.getMessage().lines().findFirst().orElse(""), e);
        }
        List<String> errors = new ArrayList<>();
        List<Metric> metrics = new ArrayList<>();
        JsonNode list = root == null ? null : root.get("metrics");
        if (list == null || !list.isArray() || list.isEmpty()) {
            errors.add("it needs a non-empty array \"metrics\"");
        } else {
            for (int i = 0; i < list.size(); i++) {
                parseMetric(list.get(i), i, errors).ifPresent(metrics::add);
            }
        }
        long distinct = metrics.stream().map(Metric::name).distinct().count();
        if (distinct != metrics.size()) {
            errors.add("metric names must be unique");
        }
        if (!errors.isEmpty()) {
            throw ContractErrors.catalogInvalid(origin, errors);
        }
        return new MetricCatalog(metrics);
    }

    private static Optional<Metric> parseMetric(JsonNode node, int index, List<String> errors) {
        String where = "metrics[" + index + "]";
        String name = text(node, "name");
        String canonical = text(node, "canonical_unit");
        String aggregation = text(node, "aggregation");
        JsonNode units = node.get("units");
        int before = errors.size();
        if (name == null || name.isBlank()) {
            errors.add(where + ".name is missing");
        }
        if (canonical == null || canonical.isBlank()) {
            errors.add(where + ".canonical_unit is missing");
        }
        Aggregation agg = null;
        try {
            agg = aggregation == null ? null : Aggregation.valueOf(aggregation);
        } catch (IllegalArgumentException e) {
            // reported below
        }
        if (agg == null) {
            errors.add(where + ".aggregation must be one of "
                    + java.util.Arrays.stream(Aggregation.values())
                            .map(Enum::name)
                            .collect(java.util.stream.Collectors.joining(", ")));
        }
        Map<String, BigDecimal> factors = new LinkedHashMap<>();
        if (units == null || !units.isObject() || units.isEmpty()) {
            errors.add(where + ".units must be an object of unit -> factor");
        } else {
            for (Iterator<Map.Entry<String, JsonNode>> it = units.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> unit = it.next();
                if (!unit.getValue().isTextual()) {
                    errors.add(where + ".units." + unit.getKey() + " must be a decimal string such as \"0.001\"");
                    continue;
                }
                try {
                    BigDecimal factor = new BigDecimal(unit.getValue().textValue());
                    if (factor.signum() <= 0) {
                        errors.add(where + ".units." + unit.getKey() + " must be positive");
                    }
                    factors.put(unit.getKey(), factor);
                } catch (NumberFormatException e) {
                    errors.add(where + ".units." + unit.getKey() + " is not a decimal");
                }
            }
            if (canonical != null
                    && factors.containsKey(canonical)
                    && factors.get(canonical).compareTo(BigDecimal.ONE) != 0) {
                errors.add(where + ": the canonical unit's factor must be 1");
            }
            if (canonical != null && !factors.containsKey(canonical)) {
                errors.add(where + ": the canonical unit " + canonical + " must be among the accepted units");
            }
        }
        BigDecimal maxQuantity = Metric.DEFAULT_MAX_QUANTITY;
        JsonNode max = node.get("max_quantity");
        if (max != null && !max.isNull()) {
            try {
                maxQuantity = new BigDecimal(max.isTextual() ? max.textValue() : "not a string");
                if (maxQuantity.signum() <= 0
                        || maxQuantity.compareTo(Metric.LARGEST_MAX_QUANTITY) > 0
                        || maxQuantity.stripTrailingZeros().scale() > io.meterlake.validation.Quantities.SCALE) {
                    errors.add(where + ".max_quantity must be positive, at most "
                            + Metric.LARGEST_MAX_QUANTITY.toPlainString() + " and have at most 9 fraction digits");
                }
            } catch (NumberFormatException e) {
                errors.add(where + ".max_quantity must be a decimal string such as \"1000000000000\"");
            }
        }
        Metric.Parameters parameters = parameters(node, where, agg, errors);
        if (errors.size() > before) {
            return Optional.empty();
        }
        return Optional.of(new Metric(name, canonical, factors, agg, maxQuantity, parameters));
    }

    /** The parameters {@code aggregation} takes, each checked; a parameter of another aggregation is an error. */
    private static Metric.Parameters parameters(
            JsonNode node, String where, Aggregation aggregation, List<String> errors) {
        if (aggregation == null) {
            return Metric.Parameters.NONE;
        }
        List<String> taken = switch (aggregation) {
            case UNIQUE_COUNT -> List.of("property");
            case PERCENTILE -> List.of("percentile", "bucket");
            case TIME_WEIGHTED -> List.of("time_unit", "max_hold", "series_by");
            case SUM, MAX, LATEST, COUNT -> List.of();
        };
        for (String parameter : List.of("property", "percentile", "bucket", "time_unit", "max_hold", "series_by")) {
            if (node.has(parameter) && !taken.contains(parameter)) {
                errors.add(where + "." + parameter + " is not a parameter of " + aggregation + "; remove it or change"
                        + " the aggregation");
            }
        }
        switch (aggregation) {
            case UNIQUE_COUNT -> {
                String property = text(node, "property");
                if (property == null || property.isBlank()) {
                    errors.add(where + ": UNIQUE_COUNT needs \"property\", the attribute whose distinct values it"
                            + " counts (e.g. \"user_id\")");
                    return Metric.Parameters.NONE;
                }
                return Metric.Parameters.uniqueCount(property);
            }
            case PERCENTILE -> {
                JsonNode percentile = node.get("percentile");
                boolean percentileOk = percentile != null
                        && percentile.isInt()
                        && percentile.intValue() >= 1
                        && percentile.intValue() <= 100;
                if (!percentileOk) {
                    errors.add(where + ": PERCENTILE needs \"percentile\", a whole number from 1 to 100 (e.g. 95)");
                }
                String bucketText = text(node, "bucket");
                java.time.Duration bucket = bucketText == null
                        ? null
                        : io.meterlake.period.Durations.tryParse(bucketText).orElse(null);
                boolean bucketOk = bucket != null
                        && !bucket.isNegative()
                        && !bucket.isZero()
                        && bucket.getNano() == 0
                        && 86_400 % bucket.getSeconds() == 0;
                if (!bucketOk) {
                    errors.add(where + ": PERCENTILE needs \"bucket\", whole seconds that divide a day (e.g. \"PT5M\"),"
                            + " so that buckets start at every period's start");
                }
                return percentileOk && bucketOk
                        ? Metric.Parameters.percentile(percentile.intValue(), bucket)
                        : Metric.Parameters.NONE;
            }
            case TIME_WEIGHTED -> {
                return timeWeighted(node, where, errors);
            }
            default -> {
                return Metric.Parameters.NONE;
            }
        }
    }

    /** {@code time_unit} (one of {@link Metric#TIME_UNITS}), {@code max_hold}, optional {@code series_by}. */
    private static Metric.Parameters timeWeighted(JsonNode node, String where, List<String> errors) {
        String unitText = text(node, "time_unit");
        java.time.Duration timeUnit = unitText == null ? null : durationOrNull(unitText);
        boolean unitOk = timeUnit != null && Metric.TIME_UNITS.containsKey(timeUnit);
        if (!unitOk) {
            errors.add(where + ": TIME_WEIGHTED needs \"time_unit\", one of \"PT1S\", \"PT1M\", \"PT1H\", \"P1D\""
                    + " (the line's unit is the canonical unit per it, e.g. GB-h)");
        }
        String holdText = text(node, "max_hold");
        java.time.Duration maxHold = holdText == null ? null : durationOrNull(holdText);
        boolean holdOk = maxHold != null && !maxHold.isNegative() && !maxHold.isZero() && maxHold.getNano() == 0;
        if (!holdOk) {
            errors.add(where + ": TIME_WEIGHTED needs \"max_hold\", whole seconds (e.g. \"PT2H\"): how long a level"
                    + " holds without a newer sample");
        }
        List<String> seriesBy = new ArrayList<>();
        JsonNode series = node.get("series_by");
        if (series != null) {
            boolean ok = series.isArray();
            for (JsonNode key : series) {
                ok &= key.isTextual() && !key.textValue().isBlank() && !seriesBy.contains(key.textValue());
                seriesBy.add(key.isTextual() ? key.textValue() : "");
            }
            if (!ok) {
                errors.add(where + ".series_by must be an array of distinct attribute keys (e.g. [\"bucket\"])");
            }
        }
        return unitOk && holdOk ? Metric.Parameters.timeWeighted(timeUnit, maxHold, seriesBy) : Metric.Parameters.NONE;
    }

    private static java.time.Duration durationOrNull(String text) {
        return io.meterlake.period.Durations.tryParse(text).orElse(null);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && value.isTextual() ? value.textValue() : null;
    }
}
