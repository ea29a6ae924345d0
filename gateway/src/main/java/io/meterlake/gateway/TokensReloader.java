package io.meterlake.gateway;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The gateway's tokens, read again whenever the tokens file changes (checked every {@link #PERIOD_SECONDS}
 * s): a token added or revoked with {@code gateway tokens} counts without a restart. A file with every token
 * revoked is taken (everyone gets 401); a file that cannot be used (exposed, broken) is not: the tokens of
 * before stay, and the gateway's log says why, once per change.
 */
final class TokensReloader implements AutoCloseable {
    static final int PERIOD_SECONDS = 1;

    private final Path file;
    private final String what;
    private final PrintWriter log;
    private final AtomicReference<Tokens> current;
    private final ScheduledExecutorService poller;
    private List<Object> seen;

    /** {@code what}: how the log names these tokens ("tokens", "read tokens"). */
    TokensReloader(Path file, Tokens initial, String what, PrintWriter log) {
        this.file = file;
        this.what = what;
        this.log = log;
        this.current = new AtomicReference<>(initial);
        this.seen = version();
        this.poller = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "gateway-tokens-reload");
            thread.setDaemon(true);
            return thread;
        });
        poller.scheduleWithFixedDelay(this::reloadIfChanged, PERIOD_SECONDS, PERIOD_SECONDS, TimeUnit.SECONDS);
    }

    Tokens current() {
        return current.get();
    }

    /** What tells one state of the file from another: its identity (a move makes a new one), time and size. */
    private List<Object> version() {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return java.util.Arrays.asList(attributes.fileKey(), attributes.lastModifiedTime(), attributes.size());
        } catch (IOException e) {
            return List.of("missing");
        }
    }

    private void reloadIfChanged() {
        List<Object> now = version();
        if (Objects.equals(now, seen)) {
            return;
        }
        seen = now;
        try {
            Tokens tokens = Tokens.read(file, true);
            current.set(tokens);
            log.println("gateway: " + what + " reloaded from " + file + " ("
                    + io.meterlake.output.Output.count(tokens.size(), "token") + ")");
        } catch (RuntimeException e) {
            log.println("gateway: the " + what + " file changed but cannot be used, keeping the "
                    + io.meterlake.output.Output.count(current.get().size(), "token") + " of before: "
                    + e.getMessage());
        }
        log.flush();
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
