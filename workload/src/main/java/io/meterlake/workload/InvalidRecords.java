package io.meterlake.workload;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meterlake.config.MeterlakeConfig;
import io.meterlake.validation.ReasonCode;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.SplittableRandom;

/** The generator's invalid records: one way to earn each reason code. */
final class InvalidRecords {
    private InvalidRecords() {}

    /**
     * A record quarantined for {@code reason}: a valid event of the first billable {@code pair}, in the span, made
     * invalid in that one way.
     */
    static String of(
            ReasonCode reason,
            SplittableRandom random,
            long serial,
            WorkloadSpec spec,
            MeterlakeConfig config,
            Instant now,
            String[] pair,
            String overlapTenant,
            String overlapApp) {
        String id = "evt-" + spec.seed() + "-invalid-" + serial;
        Instant inSpan = spec.start()
                .plusMillis(random.nextLong(
                        Duration.between(spec.start(), spec.end()).toMillis()));
        ObjectNode node = new GeneratedEvent(
                        id,
                        "forge-functions",
                        pair[0],
                        pair[1],
                        "functions.invocations",
                        "count",
                        BigDecimal.TEN,
                        true,
                        inSpan,
                        ZoneOffset.UTC,
                        Map.of())
                .node();
        switch (reason) {
            case OVERSIZED -> node.putObject("attributes").put("blob", "x".repeat(70_000));
            case INVALID_ENCODING -> {
                // A lone surrogate, escaped: the line is ASCII, its event_id no Unicode text.
                return node.toString().replace("\"" + id + "\"", "\"" + id + "\\ud800\"");
            }
            case MALFORMED_JSON -> {
                return node.toString().substring(0, 40);
            }
            case UNSUPPORTED_SCHEMA_VERSION -> node.put("schema_version", 2);
            case MISSING_FIELD -> node.remove("tenant_id");
            case BAD_TYPE -> node.put("quantity", true);
            case UNKNOWN_ACTION -> node.put("action", "delete").put("target_event_id", id + "-target");
            case INVALID_TARGET -> node.put("action", "void").put("target_event_id", id);
            case UNKNOWN_METRIC -> node.put("metric", "functions.gpu");
            case UNIT_NOT_ACCEPTED -> node.put("unit", "ms").put("metric", "functions.compute");
            case NON_FINITE_QUANTITY -> node.put("quantity", "NaN");
            case NEGATIVE_QUANTITY -> node.put("quantity", new BigDecimal("-5"));
            case EVENT_TIME_IN_FUTURE ->
                node.put(
                        "event_time",
                        DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(now.plus(WorkloadGenerator.INGEST_WITHIN)
                                .plus(config.maxClockSkew())
                                .plus(Duration.ofDays(1))
                                .atOffset(ZoneOffset.UTC)));
            case EVENT_TOO_OLD ->
                node.put(
                        "event_time",
                        DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(now.minus(config.maxEventAge())
                                .minus(Duration.ofDays(1))
                                .atOffset(ZoneOffset.UTC)));
            case PRECISION_OVERFLOW ->
                node.put("metric", "logs.ingested").put("unit", "B").put("quantity", "1.5");
            case QUANTITY_ABOVE_MAXIMUM ->
                node.put(
                        "quantity",
                        config.catalog()
                                .metric("functions.invocations")
                                .orElseThrow()
                                .maxQuantity()
                                .stripTrailingZeros()
                                .add(java.math.BigDecimal.ONE)
                                .toPlainString());
            case UNATTRIBUTED -> node.put("tenant_id", "tenant-unknown");
            case AMBIGUOUS_ATTRIBUTION -> node.put("tenant_id", overlapTenant).put("app_id", overlapApp);
            default -> throw new IllegalStateException("no generator for " + reason);
        }
        return node.toString();
    }
}
