package io.meterlake.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/** What the gateway reads of a request besides its events: the bearer token, the body up to a limit. */
final class Requests {
    private Requests() {}

    /**
     * Reads and drops what a refused request still sends, up to {@link Gateway#DISCARD_BYTES}: closing a
     * connection with unread bytes resets it, and a client still sending its body (a body over 1 MiB
     * refused on its Content-Length) would see the reset instead of the answer, which says why.
     */
    static void discardRest(Request request) {
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] buffer = new byte[64 * 1024];
            long left = Gateway.DISCARD_BYTES;
            int read;
            while (left > 0 && (read = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0) {
                left -= read;
            }
        } catch (IOException e) {
            // The client went away: nobody to answer.
        }
    }

    /** The token of an {@code Authorization: Bearer <token>} header. */
    static Optional<String> bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String token = authorization.substring(7).trim();
        return token.isEmpty() ? Optional.empty() : Optional.of(token);
    }

    /** The body, or null when it is longer than {@code limit} bytes. */
    static byte[] readAtMost(Request request, int limit) throws IOException {
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] body = in.readNBytes(limit + 1);
            return body.length > limit ? null : body;
        }
    }
}
