package io.meterlake.attribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterlake.error.MeterlakeException;
import io.meterlake.model.Entitlement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EntitlementsCsvTest {
    private static final String HEADER = String.join(",", EntitlementsCsv.HEADER);

    @Test
    void readsOpenAndClosedEntitlementsWithQuotesAndOffsets(@TempDir Path dir) throws IOException {
        Path csv = Files.writeString(
                dir.resolve("e.csv"),
                HEADER + "\n"
                        + "e1,s1,a1,acme,app-1,standard,2026-01-01T00:00:00Z,2026-10-16T02:00:00+02:00\n"
                        + "e2,s2,a1,acme,app-1,\"premium, annual\",2026-10-16T00:00:00Z,\n");

        List<Entitlement> entitlements = EntitlementsCsv.read(csv);

        assertThat(entitlements)
                .containsExactly(
                        new Entitlement(
                                "e1",
                                "s1",
                                "a1",
                                "acme",
                                "app-1",
                                "standard",
                                Instant.parse("2026-01-01T00:00:00Z"),
                                Instant.parse("2026-10-16T00:00:00Z")),
                        new Entitlement(
                                "e2",
                                "s2",
                                "a1",
                                "acme",
                                "app-1",
                                "premium, annual",
                                Instant.parse("2026-10-16T00:00:00Z"),
                                null));
    }

    @Test
    void reportsEveryMalformedLine(@TempDir Path dir) throws IOException {
        Path csv = Files.writeString(
                dir.resolve("e.csv"),
                HEADER + "\n"
                        + "e1,s1,a1,acme,app-1,standard,2026-01-01,\n"
                        + "e2,s2,a1,acme,app-1,std,2026-10-16T00:00:00Z,2026-10-01T00:00:00Z\n"
                        + "e2,,a1,acme,app-1,std,2026-10-16T00:00:00Z,\n"
                        + "e4,too,few\n");

        assertThatThrownBy(() -> EntitlementsCsv.read(csv))
                .isInstanceOf(MeterlakeException.class)
                .hasMessageContaining("line 2: valid_from '2026-01-01' is not ISO-8601 with an offset")
                .hasMessageContaining("line 3: valid_from must be before valid_to")
                .hasMessageContaining("line 4: subscription_id is empty")
                .hasMessageContaining("line 4: entitlement_id e2 appears twice")
                .hasMessageContaining("line 5: 3 fields, the header has 8");
    }

    @Test
    void explainsAMissingHeaderColumnAndAMissingFile(@TempDir Path dir) throws IOException {
        Path csv = Files.writeString(dir.resolve("e.csv"), "entitlement_id,plan\n");

        assertThatThrownBy(() -> EntitlementsCsv.read(csv)).hasMessageContaining("the header lacks column tenant_id");
        assertThatThrownBy(() -> EntitlementsCsv.read(dir.resolve("nope.csv"))).hasMessageContaining("does not exist");
    }
}
