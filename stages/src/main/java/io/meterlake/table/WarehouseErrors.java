package io.meterlake.table;

import io.meterlake.error.MeterlakeException;
import io.meterlake.schema.Tables;

/**
 * Every message of {@code stages}, each written once with its fix (as Delta keeps its messages in
 * {@code DeltaErrors}): a table a command needs is not there yet, a warehouse that cannot be written, a lease
 * another run holds. The stages and the commands that need raw events or entitlements throw these.
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

    /** The warehouse directory cannot be written (exit 2). */
    public static MeterlakeException notWritable(Object directory, String reason) {
        return MeterlakeException.badInput(
                "cannot write to the warehouse " + directory + " (" + reason + ")",
                "pass a writable directory with --warehouse, or fix its permissions");
    }

    /** Another run holds the warehouse's {@code lease} (exit 75: retry once it has finished). */
    public static MeterlakeException leaseHeld(String holder, String lease) {
        return MeterlakeException.busy("another " + holder + " holds this warehouse's " + lease
                + " lease: run this again once it has finished");
    }
}
