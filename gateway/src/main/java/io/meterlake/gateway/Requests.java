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

    /** What reading a body gave: its bytes, or why there are none. */
    record Body(byte[] bytes, boolean tooLarge, boolean late) {}

    /**
     * The body, read as it arrives (never blocking past {@code deadline}, System.nanoTime): too large once
     * it passes {@code limit} bytes, late when the client has not sent all of it by the deadline. A client
     * that sends one byte now and then cannot hold a request slot for longer than the deadline.
     */
    static Body readAtMost(Request request, int limit, long deadline) throws IOException {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        while (true) {
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                java.util.concurrent.CompletableFuture<Void> more = new java.util.concurrent.CompletableFuture<>();
                request.demand(() -> more.complete(null));
                try {
                    more.get(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    return new Body(null, false, true);
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IOException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while reading the body");
                }
                continue;
            }
            if (Content.Chunk.isFailure(chunk)) {
                Throwable failure = chunk.getFailure();
                throw failure instanceof IOException io ? io : new IOException(failure);
            }
            java.nio.ByteBuffer bytes = chunk.getByteBuffer();
            boolean tooLarge = body.size() + bytes.remaining() > limit;
            if (!tooLarge) {
                byte[] copy = new byte[bytes.remaining()];
                bytes.get(copy);
                body.write(copy, 0, copy.length);
            }
            boolean last = chunk.isLast();
            chunk.release();
            if (tooLarge) {
                return new Body(null, true, false);
            }
            if (last) {
                return new Body(body.toByteArray(), false, false);
            }
        }
    }
}
