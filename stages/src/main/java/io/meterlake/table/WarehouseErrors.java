package io.meterlake.table;

import io.meterlake.error.MeterlakeException;
import io.meterlake.schema.Tables;

/**
 * The warehouse's errors, each written once with its fix: a table a command needs is not there yet (exit 2).
 * The stages and commands that need raw events or entitlements throw these.
 */
public final class WarehouseErrors {
    private WarehouseErrors() {}

    /** No entitlements table in {@code root} to attribute {@code records} with (e.g. "the file's records"). */
    public static MeterlakeException noEntitlements(String root, String records) {
        return MeterlakeException.badInput(
                "the warehouse " + root + " has no " + Tables.ENTITLEMENTS + " table to attribute " + records + " with",
                "load one first with 'meterlake entitlements load <file.csv>'");
    }

    /** No raw events table in {@code root}: nothing was ingested into it. */
    public static MeterlakeException noRawEvents(String root) {
        return MeterlakeException.badInput(
                "the warehouse " + root + " has no " + Tables.RAW_USAGE_EVENTS + " table",
                "ingest events first ('meterlake events ingest <file>') or run the stream");
    }
}
