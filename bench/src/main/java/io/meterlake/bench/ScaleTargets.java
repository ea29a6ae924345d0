package io.meterlake.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The scale benchmark's rows and its targets: what each command read at each history size, against the smallest. */
final class ScaleTargets {
    private ScaleTargets() {}

    /** A row of the results: one command at one history, with its ratios to the first history's. */
    static Map<String, Object> row(
            int size, long rawRows, String command, InputMetrics.Measure measure, InputMetrics.Measure base) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("history_months", size);
        row.put("raw_rows", rawRows);
        row.put("command", command);
        row.put("records_read", measure.records());
        row.put("bytes_read", measure.bytes());
        row.put("seconds", Benchmark.seconds(measure.elapsed()));
        row.put("records_ratio", share(measure.records(), base.records()));
        row.put("bytes_ratio", share(measure.bytes(), base.bytes()));
        row.put(
                "seconds_ratio",
                share(measure.elapsed().toNanos(), base.elapsed().toNanos()));
        return row;
    }

    /**
     * The targets: the largest history against the one before it (6 months with 3 by default), into
     * {@code targets} and {@code extra}; what was compared, as text.
     */
    static String targets(
            List<Integer> sizes,
            Map<Integer, Map<String, InputMetrics.Measure>> measured,
            Map<String, Object> extra,
            Map<String, Object> targets) {
        int oldest = sizes.get(sizes.size() - 1);
        boolean met = true;
        String compared = "";
        if (sizes.size() >= 2) {
            int previous = sizes.get(sizes.size() - 2);
            compared = oldest + " months ÷ " + previous;
            for (String command : measured.get(oldest).keySet()) {
                InputMetrics.Measure before = measured.get(previous).get(command);
                InputMetrics.Measure now2 = measured.get(oldest).get(command);
                double records = share(now2.records(), before.records());
                double bytes = share(now2.bytes(), before.bytes());
                double secs = share(now2.elapsed().toNanos(), before.elapsed().toNanos());
                boolean commandMet = records <= ScaleBench.READ_TARGET
                        && bytes <= ScaleBench.READ_TARGET
                        && secs <= ScaleBench.SECONDS_TARGET;
                met &= commandMet;
                Map<String, Object> figures = new LinkedHashMap<>();
                figures.put("records_ratio", records);
                figures.put("bytes_ratio", bytes);
                figures.put("seconds_ratio", secs);
                figures.put("met", commandMet);
                targets.put(command, figures);
            }
            extra.put("targets_compare_months", List.of(previous, oldest));
            extra.put("targets", targets);
            extra.put("targets_met", met);
        }
        return compared;
    }

    static double share(long value, long base) {
        return base == 0 ? (value == 0 ? 1.0 : Double.POSITIVE_INFINITY) : Math.round(value * 1000.0 / base) / 1000.0;
    }
}
