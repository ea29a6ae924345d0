package io.meterlake.table;

import java.util.List;

/**
 * What a Delta failure means for Meterlake, read from its exception chain: a version that can no longer be
 * read, a gap in a table's log. Delta names these only in exception classes and messages, so this is the one
 * place that reads them.
 */
public final class DeltaFailures {
    private DeltaFailures() {}

    /**
     * Whether {@code failure} (or a cause of it) says that a table version can no longer be read: its
     * log or data files are gone (vacuumed, log retention). Any other failure is not that.
     */
    public static boolean isVersionUnreadable(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            String name = cause.getClass().getSimpleName();
            String message = String.valueOf(cause.getMessage());
            if (cause instanceof java.io.FileNotFoundException
                    || name.equals("VersionNotFoundException")
                    || name.equals("DeltaFileNotFoundException")
                    || message.contains("DELTA_VERSIONS_NOT_CONTIGUOUS")
                    || message.contains("DELTA_FILE_NOT_FOUND")
                    || message.contains("DELTA_LOG_FILE_NOT_FOUND")
                    || message.contains("Cannot time travel Delta table to version")) {
                return true;
            }
        }
        return false;
    }

    /**
     * When {@code failure} says a table's Delta log has a gap (a commit file was deleted), which
     * versions are missing, e.g. "version 3 is missing"; empty for any other failure.
     */
    public static java.util.Optional<String> logGap(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            String message = String.valueOf(cause.getMessage());
            if (!message.contains("DELTA_VERSIONS_NOT_CONTIGUOUS")) {
                continue;
            }
            java.util.regex.Matcher versions =
                    java.util.regex.Pattern.compile("\\(([0-9, ]+)\\)").matcher(message);
            long[] present = versions.find()
                    ? java.util.Arrays.stream(versions.group(1).split(","))
                            .map(String::trim)
                            .mapToLong(Long::parseLong)
                            .toArray()
                    : new long[0];
            return java.util.Optional.of(missing(present));
        }
        return java.util.Optional.empty();
    }

    /** The versions missing between these present ones, e.g. "version 3 is missing". */
    static String missing(long[] present) {
        long[] sorted = java.util.Arrays.stream(present).sorted().toArray();
        List<String> missing = new java.util.ArrayList<>();
        for (int i = 1; i < sorted.length; i++) {
            for (long v = sorted[i - 1] + 1; v < sorted[i]; v++) {
                missing.add(Long.toString(v));
            }
        }
        return missing.isEmpty()
                ? "versions are missing"
                : (missing.size() == 1 ? "version " : "versions ") + String.join(", ", missing)
                        + (missing.size() == 1 ? " is" : " are") + " missing";
    }
}
