package io.meterlake.gateway;

import java.io.IOException;
import java.util.Optional;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/** What the gateway reads of a request besides its events: the bearer token, the body up to a limit. */
final class Requests {
    private Requests() {}

    /**
     * Reads and drops what a refused request still sends, up to {@link Gateway#DISCARD_BYTES} and no later
     * than {@code deadline}: closing a connection with unread bytes resets it, and a client still sending
     * its body (a body over 1 MiB refused on its Content-Length) would see the reset instead of the answer,
     * which says why. A client that trickles cannot hold the thread past the deadline.
     */
    static void discardRest(Request request, long deadline) {
        try {
            read(request, Gateway.DISCARD_BYTES, deadline, null);
        } catch (IOException e) {
            // The client went away: nobody to answer.
        }
    }

    /** The token of {@code tokens} the request's {@code Authorization: Bearer <token>} header presents, if any. */
    static Optional<Tokens.Token> token(org.eclipse.jetty.server.Request request, Tokens tokens) {
        return bearer(request.getHeaders().get(org.eclipse.jetty.http.HttpHeader.AUTHORIZATION))
                .flatMap(tokens::authenticate);
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
        Body read = read(request, limit, deadline, body);
        return read.tooLarge() || read.late() ? read : new Body(body.toByteArray(), false, false);
    }

    /** Reads chunks as they arrive into {@code sink} (null: dropped) until the end, {@code limit} or the deadline. */
    private static Body read(Request request, long limit, long deadline, java.io.ByteArrayOutputStream sink)
            throws IOException {
        long size = 0;
        while (true) {
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                if (!awaitMore(request, deadline)) {
                    return new Body(null, false, true);
                }
                continue;
            }
            if (Content.Chunk.isFailure(chunk)) {
                Throwable failure = chunk.getFailure();
                throw failure instanceof IOException io ? io : new IOException(failure);
            }
            java.nio.ByteBuffer bytes = chunk.getByteBuffer();
            size += bytes.remaining();
            boolean tooLarge = size > limit;
            if (!tooLarge && sink != null) {
                byte[] copy = new byte[bytes.remaining()];
                bytes.get(copy);
                sink.write(copy, 0, copy.length);
            }
            boolean last = chunk.isLast();
            chunk.release();
            if (tooLarge || last) {
                return new Body(null, tooLarge, false);
            }
        }
    }

    /** Waits for more of the body until {@code deadline}; false when it did not come. */
    private static boolean awaitMore(Request request, long deadline) throws IOException {
        java.util.concurrent.CompletableFuture<Void> more = new java.util.concurrent.CompletableFuture<>();
        request.demand(() -> more.complete(null));
        try {
            more.get(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while reading the body");
        }
    }
}
