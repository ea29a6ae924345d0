package io.meterlake.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meterlake.validation.Quantities;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ground-truth file of {@code generate --truth-out}: counts, and the expected billing lines with
 * quantities as decimal strings of 9 fraction digits (as {@code periods show --format json} prints them).
 */
public final class TruthJson {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TruthJson() {}

    public static ObjectNode toJson(Truth truth) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("records", truth.records());
        root.put("accepted", truth.accepted());
        ObjectNode quarantined = root.putObject("quarantined");
        truth.quarantined().forEach(quarantined::put);
        root.put("duplicates", truth.duplicates());
        root.put("conflicts", truth.conflicts());
        if (truth.beforeLateEntitlements() != null) {
            ObjectNode early = root.putObject("before_late_entitlements");
            early.put("accepted", truth.beforeLateEntitlements().accepted());
            ObjectNode earlyQuarantined = early.putObject("quarantined");
            truth.beforeLateEntitlements().quarantined().forEach(earlyQuarantined::put);
        }
        if (!truth.corrections().isEmpty()) {
            ObjectNode corrections = root.putObject("corrections");
            truth.corrections()
                    .forEach((period, counts) -> corrections
                            .putObject(period)
                            .put("applied", counts.applied())
                            .put("superseded", counts.superseded())
                            .put("rejected", counts.rejected()));
        }
        ArrayNode lines = root.putArray("lines");
        for (Truth.Line line : truth.lines()) {
            lines.addObject()
                    .put("period", line.period())
                    .put("subscription_id", line.subscriptionId())
                    .put("billing_account_id", line.billingAccountId())
                    .put("plan", line.plan())
                    .put("metric", line.metric())
                    .put("unit", line.unit())
                    .put("quantity", Quantities.render(line.quantity()))
                    .put("event_count", line.eventCount());
        }
        return root;
    }

    public static void write(Truth truth, Path file) {
        try {
            MAPPER.writeValue(file.toFile(), toJson(truth));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Truth read(Path file) {
        try {
            JsonNode root = MAPPER.readTree(file.toFile());
            TreeMap<String, Long> quarantined = counts(root.get("quarantined"));
            JsonNode before = root.get("before_late_entitlements");
            Truth.Early early = before == null
                    ? null
                    : new Truth.Early(before.get("accepted").longValue(), counts(before.get("quarantined")));
            List<Truth.Line> lines = new ArrayList<>();
            for (JsonNode line : root.get("lines")) {
                lines.add(new Truth.Line(
                        line.get("period").textValue(),
                        line.get("subscription_id").textValue(),
                        line.get("billing_account_id").textValue(),
                        line.get("plan").textValue(),
                        line.get("metric").textValue(),
                        line.get("unit").textValue(),
                        new BigDecimal(line.get("quantity").textValue()),
                        line.get("event_count").longValue()));
            }
            TreeMap<String, Truth.Corrections> corrections = new TreeMap<>();
            if (root.has("corrections")) {
                root.get("corrections")
                        .fields()
                        .forEachRemaining(entry -> corrections.put(
                                entry.getKey(),
                                new Truth.Corrections(
                                        entry.getValue().get("applied").longValue(),
                                        entry.getValue().get("superseded").longValue(),
                                        entry.getValue().get("rejected").longValue())));
            }
            return new Truth(
                    root.get("records").longValue(),
                    root.get("accepted").longValue(),
                    quarantined,
                    root.get("duplicates").longValue(),
                    root.get("conflicts").longValue(),
                    lines,
                    early,
                    corrections);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static TreeMap<String, Long> counts(JsonNode node) {
        TreeMap<String, Long> counts = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            counts.put(entry.getKey(), entry.getValue().longValue());
        }
        return counts;
    }
}
