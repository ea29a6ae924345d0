package io.meterlake.streaming.sink;

import org.apache.spark.sql.SparkSession;

/** Transaction ids of the stream's idempotent writes. */
final class StreamIds {
    /** Set by Spark on the thread that runs a micro-batch: the query's id, stable across restarts. */
    private static final String QUERY_ID_PROPERTY = "sql.streaming.queryId";

    private StreamIds() {}

    /**
     * {@code meterlake-stream-<query>-<query id>}: a new checkpoint gives a new query id and so a new
     * app id, which matters because batch ids (the txn versions) restart at 0 with a new checkpoint.
     */
    static String appId(SparkSession spark, String query) {
        String queryId = spark.sparkContext().getLocalProperty(QUERY_ID_PROPERTY);
        if (queryId == null) {
            throw new IllegalStateException("not running inside a streaming micro-batch");
        }
        return appId(query, queryId);
    }

    static String appId(String query, String queryId) {
        return "meterlake-stream-" + query + "-" + queryId;
    }
}
