package io.meterlake.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventBatchTest {
    private static List<String> split(String body, EventBatch.Format format) throws EventBatch.Refused {
        return EventBatch.split(body.getBytes(StandardCharsets.UTF_8), format).stream()
                .map(bytes -> new String(bytes, StandardCharsets.UTF_8))
                .toList();
    }

    @Test
    void anArrayIsCutIntoTheExactBytesOfItsElements() throws Exception {
        assertThat(split(
                        " [ {\"a\" : 1.50, \"b\":[1,{}]} ,\n{\"c\":\"x,]\"},7, \"s\" , null ] \n",
                        EventBatch.Format.JSON_ARRAY))
                .containsExactly("{\"a\" : 1.50, \"b\":[1,{}]}", "{\"c\":\"x,]\"}", "7", "\"s\"", "null");
    }

    @Test
    void ndjsonIsOneEventPerLineAndKeepsALineThatIsNotJsonAsAnEvent() throws Exception {
        assertThat(split("{\"a\":1}\r\n\n  \n{oops\n{\"b\":2}", EventBatch.Format.NDJSON))
                .containsExactly("{\"a\":1}", "", "  ", "{oops", "{\"b\":2}");
    }

    /** An NDJSON body is cut exactly as a file is: the one definition of a record (JsonLines). */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("io.meterlake.testing.RecordSplittingCases#all")
    void ndjsonIsCutAsAFileIs(io.meterlake.testing.RecordSplittingCases.Case c) throws Exception {
        if (c.records().stream().noneMatch(r -> r.startsWith("{"))) {
            assertThatThrownBy(() -> EventBatch.split(c.body(), EventBatch.Format.NDJSON))
                    .isInstanceOfSatisfying(
                            EventBatch.Refused.class,
                            e -> assertThat(e.status()).isEqualTo(400));
            return;
        }
        assertThat(EventBatch.split(c.body(), EventBatch.Format.NDJSON).stream()
                        .map(bytes -> new String(bytes, StandardCharsets.UTF_8))
                        .toList())
                .isEqualTo(c.records());
    }

    @Test
    void refusesWhatIsNotABatch() {
        assertStatus("{\"a\":1}", EventBatch.Format.JSON_ARRAY, 400);
        assertStatus("[{\"a\":1}", EventBatch.Format.JSON_ARRAY, 400);
        assertStatus("[{\"a\":1}] []", EventBatch.Format.JSON_ARRAY, 400);
        assertStatus("[]", EventBatch.Format.JSON_ARRAY, 400);
        assertStatus("", EventBatch.Format.NDJSON, 400);
        assertStatus("\n\n", EventBatch.Format.NDJSON, 400);
        assertStatus("a,b\n1,2", EventBatch.Format.NDJSON, 400);
        assertStatus(
                "[" + String.join(",", Collections.nCopies(EventBatch.MAX_EVENTS + 1, "{}")) + "]",
                EventBatch.Format.JSON_ARRAY,
                413);
        assertStatus(
                String.join("\n", Collections.nCopies(EventBatch.MAX_EVENTS + 1, "{}")), EventBatch.Format.NDJSON, 413);
    }

    @Test
    void knowsItsMediaTypes() {
        assertThat(EventBatch.Format.of("application/json")).isEqualTo(EventBatch.Format.JSON_ARRAY);
        assertThat(EventBatch.Format.of("Application/JSON; charset=UTF-8")).isEqualTo(EventBatch.Format.JSON_ARRAY);
        assertThat(EventBatch.Format.of("application/x-ndjson")).isEqualTo(EventBatch.Format.NDJSON);
        assertThat(EventBatch.Format.of("application/json; charset=latin1")).isNull();
        assertThat(EventBatch.Format.of("text/plain")).isNull();
        assertThat(EventBatch.Format.of(null)).isNull();
    }

    @Test
    void tokensAreFoundByTheirHashAndBadFilesAreNamedLineByLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tokens");
        io.meterlake.signing.PrivateFiles.write(
                file, "# comment\nsvc " + Tokens.sha256("secret-1") + " a,b  # trailing\n");
        Tokens tokens = Tokens.read(file);
        assertThat(tokens.authenticate("secret-1"))
                .get()
                .extracting(Tokens.Token::name)
                .isEqualTo("svc");
        assertThat(tokens.authenticate("secret-1").get().owns("b")).isTrue();
        assertThat(tokens.authenticate("secret-1").get().owns("c")).isFalse();
        assertThat(tokens.authenticate("secret-2")).isEmpty();
        assertThat(Requests.bearer("Bearer  secret-1 ")).contains("secret-1");
        assertThat(Requests.bearer("Basic c2VjcmV0")).isEmpty();

        io.meterlake.signing.PrivateFiles.write(
                file, "svc secret-1 a\nsvc " + Tokens.sha256("x") + "\nother " + Tokens.sha256("y") + " ,\n");
        assertThatThrownBy(() -> Tokens.read(file))
                .hasMessageContaining("line 1: the second field is not a SHA-256")
                .hasMessageContaining("line 2 has 2 fields")
                .hasMessageContaining("line 3: token 'other' owns no source")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret-1"));
        assertThatThrownBy(() -> Tokens.read(dir.resolve("missing"))).hasMessageContaining("does not exist");
    }

    private static void assertStatus(String body, EventBatch.Format format, int status) {
        assertThatThrownBy(() -> split(body, format))
                .isInstanceOf(EventBatch.Refused.class)
                .satisfies(e ->
                        assertThat(((EventBatch.Refused) e).status()).as(body).isEqualTo(status));
    }

    /** A body in UTF-16 or UTF-32, with a byte-order mark or without, is refused 415 in either form. */
    @Test
    void aWideEncodingIsRefusedAsNotUtf8() {
        String body = "[{\"event_id\":\"e-1\"}]";
        java.util.Map<String, byte[]> bodies = new java.util.LinkedHashMap<>();
        bodies.put("UTF-16", ("\uFEFF" + body).getBytes(StandardCharsets.UTF_16LE));
        bodies.put("UTF-16 ", ("\uFEFF" + body).getBytes(StandardCharsets.UTF_16BE));
        bodies.put("UTF-16  ", body.getBytes(StandardCharsets.UTF_16LE));
        bodies.put("UTF-32", ("\uFEFF" + body).getBytes(java.nio.charset.Charset.forName("UTF-32LE")));
        bodies.put("UTF-32 ", body.getBytes(java.nio.charset.Charset.forName("UTF-32BE")));
        bodies.forEach((encoding, bytes) -> {
            for (EventBatch.Format format : EventBatch.Format.values()) {
                assertThatThrownBy(() -> EventBatch.split(bytes, format))
                        .as(encoding + " " + format)
                        .isInstanceOfSatisfying(
                                EventBatch.Refused.class,
                                refused -> assertThat(refused.status()).isEqualTo(415))
                        .hasMessage("the body is " + encoding.strip()
                                + ", not UTF-8: send it in UTF-8, the only encoding the gateway takes");
            }
        });
        // UTF-8, with its byte-order mark too, is what the gateway reads.
        assertThat(EventBatch.wideEncoding(("\uFEFF" + body).getBytes(StandardCharsets.UTF_8)))
                .isNull();
        assertThat(EventBatch.wideEncoding("7".getBytes(StandardCharsets.UTF_8)))
                .isNull();
    }

    /** Every source a rejected event's text names, however it is broken. */
    @Test
    void aRejectedEventsSourcesAreReadLeniently() {
        assertThat(EventBatch.namedSources("{\"event_id\":\"x\",,\"source\":\"forge-kvs\"}"))
                .containsExactly("forge-kvs");
        assertThat(EventBatch.namedSources("{\"source\":\"a\",\"source\" : \"b\"}"))
                .containsExactly("a", "b");
        assertThat(EventBatch.namedSources("{\"source\":\"for\\u0067e-kvs\", \"quantity\": }"))
                .containsExactly("forge-kvs");
        assertThat(EventBatch.namedSources("{\"source\":\"cut off")).isEmpty();
        assertThat(EventBatch.namedSources("{\"sources\":\"x\",\"source\":7}")).isEmpty();
        assertThat(EventBatch.namedSources(null)).isEmpty();
    }

    /** CloudEvents: one structured event as the body, or a batch as an array; each produced as sent. */
    @Test
    void cloudEventsAreOneEventOrAnArrayOfThem() throws Exception {
        String event = "{\"specversion\":\"1.0\",\"id\":\"e-1\"}";
        assertThat(EventBatch.Format.of("application/cloudevents+json")).isEqualTo(EventBatch.Format.CLOUDEVENT);
        assertThat(EventBatch.Format.of("application/cloudevents-batch+json; charset=UTF-8"))
                .isEqualTo(EventBatch.Format.CLOUDEVENTS_BATCH);
        assertThat(split(" " + event + "\n", EventBatch.Format.CLOUDEVENT)).containsExactly(event);
        assertThat(split("[" + event + ", " + event + "]", EventBatch.Format.CLOUDEVENTS_BATCH))
                .containsExactly(event, event);
        assertThatThrownBy(() -> split(event + event, EventBatch.Format.CLOUDEVENT))
                .isInstanceOfSatisfying(
                        EventBatch.Refused.class,
                        refused -> assertThat(refused.status()).isEqualTo(400));
        assertThatThrownBy(() -> split("  ", EventBatch.Format.CLOUDEVENT))
                .hasMessage("the batch is empty: send at least one event");
    }
}
