package io.meterlake.error;

/** Process exit codes of every Meterlake command; Airflow and scripts branch on them. */
public final class ExitCodes {
    /** Done. */
    public static final int OK = 0;
    /** The job or check ran and failed, e.g. a verification mismatch. */
    public static final int FAILED = 1;
    /** Bad usage, configuration or input file; nothing was written. */
    public static final int USAGE = 2;
    /**
     * Retry later (sysexits' EX_TEMPFAIL): not ready yet (e.g. the period has not closed), busy (another run
     * holds the lease), or a service the command needs (Kafka, Trino, the tenant front door) is unreachable.
     */
    public static final int NOT_READY = 75;

    private ExitCodes() {}
}
