package io.meterlake.cli;

import static io.meterlake.cli.BillingPeriodsCheck.json;
import static io.meterlake.cli.BillingPeriodsCheck.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meterlake.spark.SparkSessions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code limits load} and {@code limits show} on a real Delta table: a load writes a version only when the set
 * changes, a bad file writes nothing, and show (without Spark) gives back what was loaded and which limit applies
 * to a subscription.
 */
// Its in-process jobs set the test JVM's one Spark session's Hadoop settings (the default S3 endpoint): not while
// S3EndToEndIT's jobs read the bucket through the same session (seen: 14 minutes of S3A retries on the wrong port).
@org.junit.jupiter.api.parallel.ResourceLock(SharedStack.STREAM_IN_PROCESS)
class LimitsIT {
    private static final String HEADER =
            "limit_id,plan,subscription_id,metric,limit_amount,enforcement,thresholds,valid_from,valid_to";

    @TempDir
    Path dir;

    @Test
    void loadsTheWholeSetShowsItBackAndResolvesASubscriptionsLimits() throws IOException {
        String warehouse = dir.resolve("w").toString();
        Path entitlements = Files.writeString(
                dir.resolve("e.csv"),
                "entitlement_id,subscription_id,billing_account_id,tenant_id,app_id,plan,valid_from,valid_to\n"
                        + "e-1,s-1,a-1,t-1,app-1,standard,2026-01-01T00:00:00Z,\n");
        run(warehouse, 0, "entitlements", "load", entitlements.toString());
        Path limits = Files.writeString(
                dir.resolve("l.csv"),
                HEADER + "\n"
                        + "std-calls,standard,,functions.invocations,1000000,soft,50%;80%;100%,2026-01-01T00:00:00Z,\n"
                        + "std-egress,standard,,network.egress,10.5,hard,9.25,2026-01-01T00:00:00Z,\n"
                        + "s1-calls,,s-1,functions.invocations,2000000,hard,100%,2026-12-01T00:00:00Z,"
                        + "2027-01-01T00:00:00Z\n");

        CommandLineTest.Run loaded = run(warehouse, 0, "limits", "load", limits.toString());
        assertThat(loaded.out()).isEqualTo("loaded: 3 limits (3 added, 0 changed, 0 removed)\n");
        long sessions = SparkSessions.requests();
        JsonNode all = json(run(warehouse, 0, "limits", "show", "--all", "--format", "json"));
        assertThat(SparkSessions.requests())
                .as("Spark sessions 'limits show' asked for")
                .isEqualTo(sessions);
        long version = all.get("version").asLong();
        assertThat(ids(all)).containsExactly("std-calls", "std-egress", "s1-calls");
        JsonNode calls = all.get("limits").get(0);
        assertThat(calls.get("limit_amount").textValue()).isEqualTo("1000000.000000000");
        assertThat(calls.get("unit").textValue()).isNotBlank();
        assertThat(calls.get("thresholds").findValuesAsText("threshold")).containsExactly("50%", "80%", "100%");
        assertThat(calls.get("thresholds").findValuesAsText("amount")).containsExactly("500000", "800000", "1000000");
        assertThat(all.get("limits").get(1).get("enforcement").textValue()).isEqualTo("hard");
        assertThat(all.get("limits").get(2).get("valid_to").textValue()).isEqualTo("2027-01-01T00:00:00Z");

        // The subscription's own limit in December, its plan's on Dec 31 -> Jan 1 and before December.
        assertThat(applying(warehouse, "s-1", "2026-12-31T23:59:59Z")).containsExactly("s1-calls", "std-egress");
        assertThat(applying(warehouse, "s-1", "2027-01-01T00:00:00Z")).containsExactly("std-calls", "std-egress");
        assertThat(applying(warehouse, "s-1", "2026-11-01T00:30:00Z")).containsExactly("std-calls", "std-egress");
        assertThat(applying(warehouse, "s-9", "2026-12-01T00:30:00Z"))
                .as("no entitlement: no plan")
                .isEmpty();
        assertThat(run(warehouse, 0, "limits", "show", "--subscription", "s-1", "--at", "2026-12-01T00:30:00Z")
                        .out())
                .contains("2 limits applying to s-1 on standard at 2026-12-01T00:30:00Z (limits v" + version + ")");

        // The same file again writes nothing; a changed set writes one version.
        assertThat(run(warehouse, 0, "limits", "load", limits.toString()).out())
                .isEqualTo("unchanged: the 3 limits are what the file says; nothing written\n");
        Path changed = Files.writeString(
                dir.resolve("l2.csv"),
                HEADER + "\n"
                        + "std-calls,standard,,functions.invocations,1000000,soft,50%;90%,2026-01-01T00:00:00Z,\n"
                        + "std-kvs,standard,,kvs.reads,5,soft,,2026-01-01T00:00:00Z,\n");
        assertThat(run(warehouse, 0, "limits", "load", changed.toString(), "--dry-run")
                        .out())
                .isEqualTo("dry run: would load 2 limits (1 added, 1 changed, 2 removed); nothing written\n");
        JsonNode written = json(run(warehouse, 0, "limits", "load", changed.toString(), "--format", "json"));
        assertThat(written.get("written").asBoolean()).isTrue();
        assertThat(written.get("removed").toString()).isEqualTo("[\"s1-calls\",\"std-egress\"]");
        JsonNode now = json(run(warehouse, 0, "limits", "show", "--all", "--format", "json"));
        assertThat(now.get("version").asLong()).as("one version written").isEqualTo(version + 1);
        assertThat(ids(now)).containsExactly("std-calls", "std-kvs");

        // A bad file: one line naming each problem, exit 2, nothing written.
        Path bad = Files.writeString(
                dir.resolve("bad.csv"), HEADER + "\nx,standard,,kvs.reads,0,soft,,2026-01-01T00:00:00Z,\n");
        CommandLineTest.Run refused = run(warehouse, 2, "limits", "load", bad.toString());
        assertThat(refused.err())
                .contains("line 2: limit_amount '0' is not a positive decimal with at most 9 fraction digits")
                .hasLineCount(1);
        assertThat(json(run(warehouse, 0, "limits", "show", "--all", "--format", "json"))
                        .get("version")
                        .asLong())
                .isEqualTo(version + 1);
    }

    @Test
    void aWarehouseWithoutLimitsSaysHowToLoadThem() {
        String warehouse = dir.resolve("empty").toString();
        assertThat(run(warehouse, 0, "limits", "show").out())
                .isEqualTo("no limits table in " + warehouse + ": load one with 'meterlake limits load <csv>'\n");
        assertThat(json(run(warehouse, 0, "limits", "show", "--format", "json")).get("limits"))
                .isEmpty();
    }

    private static List<String> applying(String warehouse, String subscription, String at) {
        return ids(json(
                run(warehouse, 0, "limits", "show", "--subscription", subscription, "--at", at, "--format", "json")));
    }

    private static List<String> ids(JsonNode shown) {
        List<String> ids = new ArrayList<>();
        shown.get("limits").forEach(limit -> ids.add(limit.get("limit_id").textValue()));
        return ids;
    }
}
