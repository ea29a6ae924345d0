package io.meterlake.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed webhooks the Standard Webhooks way: each request carries {@code webhook-id}, {@code webhook-timestamp}
 * (Unix seconds) and {@code webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">}, the key being the
 * bytes of the endpoint's secret ({@code whsec_} and their base64). {@link #problem} is the verification recipe a
 * receiver follows (docs/notifications.md): the signature over the exact body bytes, compared in constant time,
 * and a timestamp within {@link #TOLERANCE} of the receiver's clock, so a captured request cannot be replayed later.
 */
public final class WebhookSignature {
    public static final String ID = "webhook-id";
    public static final String TIMESTAMP = "webhook-timestamp";
    public static final String SIGNATURE = "webhook-signature";
    /** How far a request's timestamp may lie from the receiver's clock. */
    public static final Duration TOLERANCE = Duration.ofMinutes(5);

    private static final String PREFIX = "whsec_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private WebhookSignature() {}

    /** A new secret: {@code whsec_} and 32 random bytes in base64. */
    public static String newSecret() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return PREFIX + Base64.getEncoder().encodeToString(key);
    }

    /** Whether {@code secret} is one ({@code whsec_} and base64 of at least 24 bytes). */
    public static boolean isSecret(String secret) {
        try {
            return secret.startsWith(PREFIX) && key(secret).length >= 24;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** {@code v1,<base64 HMAC-SHA256 of "id.timestamp.body">} under {@code secret}. */
    public static String sign(String secret, String id, long timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key(secret), "HmacSHA256"));
            byte[] signed = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(signed);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    /**
     * Why a request does not verify under {@code secret} at {@code now}; empty when it does. {@code signatures} is
     * the header's value: space-separated {@code version,signature} pairs, of which one {@code v1} must match.
     */
    public static Optional<String> problem(
            String secret, String id, String timestamp, String signatures, String body, Instant now) {
        if (id == null || timestamp == null || signatures == null) {
            return Optional.of("missing " + ID + ", " + TIMESTAMP + " or " + SIGNATURE);
        }
        long seconds;
        try {
            seconds = Long.parseLong(timestamp.trim());
        } catch (NumberFormatException e) {
            return Optional.of(TIMESTAMP + " '" + timestamp + "' is not Unix seconds");
        }
        if (Math.abs(now.getEpochSecond() - seconds) > TOLERANCE.toSeconds()) {
            return Optional.of(TIMESTAMP + " " + seconds + " is more than " + TOLERANCE.toMinutes()
                    + " minutes from now (" + now.getEpochSecond() + "): replayed or a wrong clock");
        }
        byte[] expected = sign(secret, id, seconds, body).getBytes(StandardCharsets.US_ASCII);
        for (String given : signatures.trim().split(" +")) {
            if (given.startsWith("v1,") && MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.US_ASCII))) {
                return Optional.empty();
            }
        }
        return Optional.of("no v1 signature matches: the body, the id or the timestamp was changed, or another secret");
    }

    private static byte[] key(String secret) {
        return Base64.getDecoder().decode(secret.startsWith(PREFIX) ? secret.substring(PREFIX.length()) : secret);
    }
}
