package io.meterlake.streaming.sink;

/** Names of the two streaming queries, as Spark's UI and progress events show them. */
public final class StreamJobNames {
    public static final String RAW = "meterlake-raw";
    public static final String PROVISIONAL = "meterlake-provisional";

    private StreamJobNames() {}
}
