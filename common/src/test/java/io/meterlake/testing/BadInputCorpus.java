package io.meterlake.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The bad-input corpus ({@code corpus/bad-input.json}): classes of records, each with the outcome it
 * must get ({@value #ACCEPTED} or a reason code) and its bytes with time placeholders. The stateless
 * rules check it without Spark ({@code EventRulesCorpusTest}); file ingest and the stream check it end
 * to end ({@code BadInputCorpusIT}).
 */
public final class BadInputCorpus {
    public static final String ACCEPTED = "ACCEPTED";

    private BadInputCorpus() {}

    /** One class of the corpus: its name, the outcome it must get, its bytes with time placeholders. */
    public record Case(String name, String reason, byte[] template) {
        /**
         * The bytes with the placeholders replaced by times around {@code now}, for a pipeline that
         * allows {@code maxClockSkew} into the future and {@code maxEventAge} into the past.
         */
        public byte[] render(Instant now, Duration maxClockSkew, Duration maxEventAge) {
            String text = new String(template, StandardCharsets.ISO_8859_1);
            Instant hourAgo = now.minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
            text = text.replace("@NOW-1h@", hourAgo.toString())
                    .replace("@NOW-1h-t@", hourAgo.toString().replace('T', 't'))
                    .replace(
                            "@NOW-1h+02:00@",
                            hourAgo.atOffset(ZoneOffset.ofHours(2)).toString())
                    .replace(
                            "@NOW+365d@",
                            now.plus(Duration.ofDays(365))
                                    .truncatedTo(ChronoUnit.SECONDS)
                                    .toString())
                    .replace(
                            "@FUTURE@",
                            now.plus(maxClockSkew)
                                    .plus(Duration.ofHours(1))
                                    .truncatedTo(ChronoUnit.SECONDS)
                                    .toString())
                    .replace(
                            "@TOO_OLD@",
                            now.minus(maxEventAge)
                                    .minus(Duration.ofDays(1))
                                    .truncatedTo(ChronoUnit.SECONDS)
                                    .toString());
            return text.getBytes(StandardCharsets.ISO_8859_1);
        }
    }

    /** Every class, in the file's order. */
    public static List<Case> cases() {
        JsonNode root;
        try (InputStream in = BadInputCorpus.class.getResourceAsStream("/corpus/bad-input.json")) {
            root = new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Case> cases = new ArrayList<>();
        for (JsonNode entry : root.get("classes")) {
            byte[] bytes = entry.has("hex")
                    ? HexFormat.of().parseHex(entry.get("hex").textValue())
                    : entry.get("payload").textValue().getBytes(StandardCharsets.UTF_8);
            cases.add(
                    new Case(entry.get("class").textValue(), entry.get("reason").textValue(), bytes));
        }
        return cases;
    }
}
