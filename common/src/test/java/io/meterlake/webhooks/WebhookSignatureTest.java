package io.meterlake.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.standardwebhooks.Webhook;
import java.time.Instant;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/** Our signatures are Standard Webhooks' (checked against its own library), and the recipe rejects what it should. */
class WebhookSignatureTest {
    private static final String SECRET = WebhookSignature.newSecret();
    private static final Instant NOW = Instant.parse("2026-12-31T23:59:30Z");

    @Property(tries = 200)
    void signsAsTheStandardsLibraryDoes(
            @ForAll @StringLength(min = 1, max = 40) String id,
            @ForAll @LongRange(min = 0, max = 4_000_000_000L) long timestamp,
            @ForAll String body)
            throws Exception {
        assertThat(WebhookSignature.sign(SECRET, id, timestamp, body))
                .isEqualTo(new Webhook(SECRET).sign(id, timestamp, body));
    }

    @Test
    void aSignedRequestVerifiesAndATamperedOrReplayedOneDoesNot() {
        String body = "{\"type\":\"usage.threshold.crossed\",\"data\":{\"used\":\"800\"}}";
        long at = NOW.getEpochSecond();
        String signature = WebhookSignature.sign(SECRET, "msg_1", at, body);
        assertThat(signature).matches("v1,[A-Za-z0-9+/]{43}=");
        assertThat(WebhookSignature.problem(SECRET, "msg_1", Long.toString(at), signature, body, NOW))
                .isEmpty();
        assertThat(WebhookSignature.problem(
                        SECRET, "msg_1", Long.toString(at), "v0,abc " + signature, body, NOW.plusSeconds(299)))
                .as("one matching v1 among several signatures, within the tolerance")
                .isEmpty();
        assertThat(WebhookSignature.problem(
                        SECRET, "msg_1", Long.toString(at), signature, body.replace("800", "900"), NOW))
                .hasValueSatisfying(problem -> assertThat(problem).startsWith("no v1 signature matches"));
        assertThat(WebhookSignature.problem(SECRET, "msg_2", Long.toString(at), signature, body, NOW))
                .as("another id")
                .isPresent();
        assertThat(WebhookSignature.problem(
                        WebhookSignature.newSecret(), "msg_1", Long.toString(at), signature, body, NOW))
                .as("another secret")
                .isPresent();
        assertThat(WebhookSignature.problem(SECRET, "msg_1", Long.toString(at), signature, body, NOW.plusSeconds(301)))
                .hasValueSatisfying(problem -> assertThat(problem).contains("replayed"));
        assertThat(WebhookSignature.problem(SECRET, "msg_1", "yesterday", signature, body, NOW))
                .hasValueSatisfying(problem -> assertThat(problem).contains("not Unix seconds"));
        assertThat(WebhookSignature.problem(SECRET, null, Long.toString(at), signature, body, NOW))
                .isPresent();
    }

    @Test
    void secretsAreWhsecAndThirtyTwoRandomBytes() {
        assertThat(SECRET).startsWith("whsec_").hasSize(6 + 44);
        assertThat(WebhookSignature.isSecret(SECRET)).isTrue();
        assertThat(WebhookSignature.newSecret()).isNotEqualTo(SECRET);
        assertThat(WebhookSignature.isSecret("whsec_c2hvcnQ=")).as("5 bytes").isFalse();
        assertThat(WebhookSignature.isSecret("whsec_not base64!")).isFalse();
        assertThat(WebhookSignature.isSecret(SECRET.substring(6)))
                .as("no prefix")
                .isFalse();
    }
}
