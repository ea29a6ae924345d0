package io.meterlake.bench.flink;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.functions.ScalarFunction;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;

/**
 * The stream benchmark's peer, as people would write it in Flink SQL: the Kafka topic as a JSON table,
 * ROW_NUMBER deduplication per (source, event_id) keeping the first by event time, and 1-hour tumbling
 * sums per (tenant, metric), into a blackhole sink. Bounded at the topic's end offsets, so the job ends
 * when the preloaded topic is read. Tuned as a Flink user would on a small machine: RocksDB with 1 GB
 * managed memory, mini-batches, checkpoints every 10 s.
 *
 * <p>Usage: {@code FlinkPeer <bootstrap servers> <topic> <work dir>}; prints {@code seconds=<s>}.
 */
public final class FlinkPeer {
    private FlinkPeer() {
    }

    /** ISO-8601 with offset (any fraction) to epoch milliseconds; null when it does not parse. */
    public static final class ParseTime extends ScalarFunction {
        public Long eval(String text) {
            if (text == null) {
                return null;
            }
            try {
                return OffsetDateTime.parse(text).toInstant().toEpochMilli();
            } catch (RuntimeException e) {
                return null;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String topic = args[1];
        Path work = Files.createDirectories(Path.of(args[2]));
        Configuration conf = new Configuration();
        conf.setString("parallelism.default", Integer.toString(Runtime.getRuntime().availableProcessors()));
        conf.setString("state.backend.type", "rocksdb");
        conf.setString("taskmanager.memory.managed.size", "1g");
        conf.setString("execution.checkpointing.interval", "10 s");
        conf.setString("execution.checkpointing.dir", work.resolve("checkpoints").toUri().toString());
        conf.setString("table.exec.mini-batch.enabled", "true");
        conf.setString("table.exec.mini-batch.allow-latency", "1 s");
        conf.setString("table.exec.mini-batch.size", "5000");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        StreamTableEnvironment tables = StreamTableEnvironment.create(env);
        tables.createTemporarySystemFunction("parse_time", ParseTime.class);
        tables.executeSql("CREATE TABLE events ("
                + " source STRING, event_id STRING, tenant_id STRING, metric STRING, quantity DECIMAL(38, 9),"
                + " event_time STRING,"
                + " ts AS TO_TIMESTAMP_LTZ(parse_time(event_time), 3),"
                + " WATERMARK FOR ts AS ts - INTERVAL '1' HOUR"
                + ") WITH ('connector' = 'kafka', 'topic' = '" + topic + "',"
                + " 'properties.bootstrap.servers' = '" + bootstrap + "', 'properties.group.id' = 'flink-peer',"
                + " 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',"
                + " 'format' = 'json', 'json.ignore-parse-errors' = 'true', 'json.fail-on-missing-field' = 'false')");
        tables.executeSql("CREATE TEMPORARY VIEW deduplicated AS SELECT source, event_id, tenant_id, metric, quantity, ts"
                + " FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY source, event_id ORDER BY ts ASC) AS rn"
                + " FROM events WHERE ts IS NOT NULL AND event_id IS NOT NULL) WHERE rn = 1");
        tables.executeSql("CREATE TABLE hourly (tenant_id STRING, metric STRING, window_start TIMESTAMP(3),"
                + " quantity DECIMAL(38, 9), events BIGINT) WITH ('connector' = 'blackhole')");
        long started = System.nanoTime();
        tables.executeSql("INSERT INTO hourly SELECT tenant_id, metric, window_start, SUM(quantity), COUNT(*)"
                + " FROM TABLE(TUMBLE(TABLE deduplicated, DESCRIPTOR(ts), INTERVAL '1' HOUR))"
                + " GROUP BY tenant_id, metric, window_start, window_end").await();
        System.out.println("seconds=" + (System.nanoTime() - started) / 1e9);
    }
}
