package io.meterlake.output;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OutputTest {
    @Test
    void aCountOfOneIsSingular() {
        assertThat(Output.count(1, "entitlement")).isEqualTo("1 entitlement");
        assertThat(Output.count(0, "entitlement")).isEqualTo("0 entitlements");
        assertThat(Output.count(2, "token")).isEqualTo("2 tokens");
        assertThat(Output.count(1, "mismatch", "mismatches")).isEqualTo("1 mismatch");
        assertThat(Output.count(3, "identity", "identities")).isEqualTo("3 identities");
    }
}
