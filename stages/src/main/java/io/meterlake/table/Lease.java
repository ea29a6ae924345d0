package io.meterlake.table;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One holder at a time of a named role on a warehouse (the stream, the publisher), on any Hadoop
 * file system, S3 included, without a lock service.
 *
 * <p>Each contender writes its own claim file under {@code <warehouse>/_meterlake/leases/<name>/}
 * (unique names, written aside and renamed: no two writers touch one file, no reader sees half of
 * one), then lists the directory, and holds the role only once a listing shows no other live claim.
 * Listing is strongly consistent (local disks, HDFS, S3 since 2020): of two contenders, the one
 * whose deciding listing comes last sees the other's claim, so two can never both hold the role. A
 * contender that sees an earlier claim (acquired before, then by id) withdraws at once; one that sees
 * only later claims waits a moment for them to withdraw, so of contenders starting together one wins
 * (up to {@code CONTENTION_ROUNDS} waits, then it withdraws too). Whoever withdraws deletes its claim
 * and names the one it found. A claim is live while it was renewed within its TTL; on the contender's
 * own host, a claim of a process that no longer exists is stale at once, so a restart after a crash
 * on the same machine need not wait. The holder renews its claim ({@link #renew}) and deletes it when
 * done ({@link #close}).
 */
public final class Lease implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Claims in the order they yield to each other: the earlier acquisition first, then the id. */
    private static final Comparator<Holder> RANK =
            Comparator.comparing(Holder::acquiredAt).thenComparing(Holder::id);

    private static final Duration CONTENTION_WAIT = Duration.ofMillis(200);
    private static final int CONTENTION_ROUNDS = 10;
    /** How often {@link #live} lists a directory whose claims keep changing before it gives up. */
    private static final int MAX_LISTINGS = 100;

    /** What a claim file says about its holder. */
    public record Holder(
            String id, String host, long pid, String purpose, Instant acquiredAt, Instant renewedAt, Duration ttl) {
        boolean liveAt(Instant now, String localHost) {
            if (host.equals(localHost)
                    && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)) {
                return false;
            }
            return !renewedAt.plus(ttl).isBefore(now);
        }

        String describe() {
            return purpose + " (host " + host + ", pid " + pid + ", since " + acquiredAt + ", last renewed " + renewedAt
                    + "; if it is gone, its lease expires " + ttl.toSeconds() + " s after that)";
        }
    }

    private final FileSystem fs;
    private final Path dir;
    private final Clock clock;
    private Holder holder;
    private Path file;
    private java.util.concurrent.ScheduledExecutorService renewer;

    private Lease(FileSystem fs, Path dir, Clock clock, Holder holder, Path file) {
        this.fs = fs;
        this.dir = dir;
        this.clock = clock;
        this.holder = holder;
        this.file = file;
    }

    /**
     * Takes the role {@code name} on the warehouse at {@code root}, or refuses (exit 75) naming the
     * current holder. {@code purpose} says who this is, e.g. "stream" or "publish of 2026-10".
     */
    public static Lease acquire(
            Configuration conf, String root, String name, String purpose, Clock clock, Duration ttl) {
        try {
            Path dir = new Path(new Path(root, "_meterlake/leases"), name);
            FileSystem fs = dir.getFileSystem(conf);
            fs.mkdirs(dir);
            Instant now = clock.instant();
            Holder mine = new Holder(
                    UUID.randomUUID().toString(),
                    localHost(),
                    ProcessHandle.current().pid(),
                    purpose,
                    now,
                    now,
                    ttl);
            Lease lease = new Lease(fs, dir, clock, mine, write(fs, dir, mine));
            for (int round = 0; ; round++) {
                List<Holder> others = live(fs, dir, clock.instant()).stream()
                        .filter(holder -> !holder.id().equals(mine.id()))
                        .toList();
                if (others.isEmpty()) {
                    return lease;
                }
                Optional<Holder> before = others.stream()
                        .filter(other -> RANK.compare(other, mine) < 0)
                        .findFirst();
                if (before.isPresent() || round == CONTENTION_ROUNDS) {
                    lease.close();
                    throw WarehouseErrors.leaseHeld(before.orElse(others.get(0)).describe(), name);
                }
                // Only later contenders in sight: they see this claim and withdraw, unless one already holds.
                Thread.sleep(CONTENTION_WAIT.toMillis());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot take the " + name + " lease under " + root, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while taking the " + name + " lease", e);
        }
    }

    /**
     * As {@link #acquire}, but while another holds the role, tries again every {@code POLL} until it is free,
     * for up to {@code maxWait} (measured on the machine's monotonic timer, not {@code clock}); {@code waiting}
     * hears once whom it waits for. Then it refuses as {@link #acquire} does (exit 75, naming the holder).
     */
    public static Lease await(
            Configuration conf,
            String root,
            String name,
            String purpose,
            Clock clock,
            Duration ttl,
            Duration maxWait,
            java.util.function.Consumer<String> waiting) {
        long deadline = System.nanoTime() + maxWait.toNanos();
        boolean told = false;
        while (true) {
            try {
                return acquire(conf, root, name, purpose, clock, ttl);
            } catch (io.meterlake.error.MeterlakeException e) {
                if (e.exitCode() != io.meterlake.error.ExitCodes.NOT_READY || System.nanoTime() - deadline > 0) {
                    throw e;
                }
                if (!told) {
                    waiting.accept(e.getMessage());
                    told = true;
                }
                try {
                    Thread.sleep(POLL.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static final Duration POLL = Duration.ofMillis(100);

    /**
     * Records a fresh renewal time by replacing this holder's claim file whole (an atomic rename on a local or
     * HDFS warehouse, one PUT on S3), so a contender's listing always finds the claim, old or new.
     */
    public synchronized void renew() {
        holder = new Holder(
                holder.id(),
                holder.host(),
                holder.pid(),
                holder.purpose(),
                holder.acquiredAt(),
                clock.instant(),
                holder.ttl());
        try {
            file = write(fs, dir, holder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot renew the lease in " + dir, e);
        }
    }

    public Holder holder() {
        return holder;
    }

    /** Renews the claim every quarter of its TTL on a daemon thread until {@link #close}. */
    public synchronized Lease keepRenewed() {
        if (renewer == null) {
            renewer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, "meterlake-lease-" + dir.getName());
                thread.setDaemon(true);
                return thread;
            });
            long every = Math.max(1, holder.ttl().toMillis() / 4);
            renewer.scheduleAtFixedRate(
                    () -> {
                        try {
                            renew();
                        } catch (RuntimeException e) {
                            // Retried at the next tick; the claim lives for its TTL meanwhile.
                        }
                    },
                    every,
                    every,
                    java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        return this;
    }

    @Override
    public synchronized void close() {
        if (renewer != null) {
            renewer.shutdownNow();
        }
        try {
            fs.delete(file, false);
        } catch (IOException e) {
            // It expires on its own.
        }
    }

    /**
     * The live claims in the directory (the latest renewal of each), holder first; stale files are removed.
     * A listing is used only if every claim it names could still be read: a claim that vanished in between was
     * renewed (its successor written just before) or withdrawn, so the directory is listed again. Otherwise a
     * contender listing just before a renewal and reading just after it would see no holder at all.
     */
    static List<Holder> live(FileSystem fs, Path dir, Instant now) throws IOException {
        for (int attempt = 1; ; attempt++) {
            Optional<List<Holder>> live = liveInOneListing(fs, dir, now);
            if (live.isPresent()) {
                return live.get();
            }
            if (attempt == MAX_LISTINGS) {
                throw new IOException("the claims under " + dir + " changed during " + MAX_LISTINGS + " listings");
            }
        }
    }

    /** {@link #live} from one listing; empty when a claim it lists vanished before it was read. */
    private static Optional<List<Holder>> liveInOneListing(FileSystem fs, Path dir, Instant now) throws IOException {
        String host = localHost();
        java.util.Map<String, Holder> latest = new java.util.HashMap<>();
        for (FileStatus status : fs.listStatus(dir)) {
            if (!status.getPath().getName().endsWith(".json")) {
                continue;
            }
            Optional<Holder> holder = read(fs, status.getPath());
            if (holder.isEmpty() && !fs.exists(status.getPath())) {
                return Optional.empty();
            }
            if (holder.isPresent() && holder.get().liveAt(now, host)) {
                latest.merge(
                        holder.get().id(), holder.get(), (a, b) -> a.renewedAt().isAfter(b.renewedAt()) ? a : b);
            } else if (holder.isPresent()) {
                fs.delete(status.getPath(), false);
            }
        }
        List<Holder> live = new ArrayList<>(latest.values());
        live.sort(RANK);
        return Optional.of(live);
    }

    private static Optional<Holder> read(FileSystem fs, Path file) {
        try (InputStream in = fs.open(file)) {
            JsonNode node = JSON.readTree(in);
            return Optional.of(new Holder(
                    node.get("id").textValue(),
                    node.get("host").textValue(),
                    node.get("pid").longValue(),
                    node.get("purpose").textValue(),
                    Instant.parse(node.get("acquired_at").textValue()),
                    Instant.parse(node.get("renewed_at").textValue()),
                    Duration.ofMillis(node.get("ttl_ms").longValue())));
        } catch (IOException | RuntimeException e) {
            // Gone meanwhile (released), or being written: not a holder this time.
            return Optional.empty();
        }
    }

    /**
     * Writes {@code holder}'s claim as {@code <id>.json}, complete or not at all, replacing its earlier renewal:
     * on S3 one PUT (an object is replaced whole); elsewhere written aside and renamed over it (atomic on a local
     * disk and on HDFS). The name stays the same while the holder holds, so a listing never misses it.
     */
    static Path write(FileSystem fs, Path dir, Holder holder) throws IOException {
        ObjectNode node = JSON.createObjectNode()
                .put("id", holder.id())
                .put("host", holder.host())
                .put("pid", holder.pid())
                .put("purpose", holder.purpose())
                .put("acquired_at", holder.acquiredAt().toString())
                .put("renewed_at", holder.renewedAt().toString())
                .put("ttl_ms", holder.ttl().toMillis());
        byte[] bytes = JSON.writeValueAsString(node).getBytes(StandardCharsets.UTF_8);
        Path file = new Path(dir, holder.id() + ".json");
        if (fs instanceof org.apache.hadoop.fs.LocalFileSystem local) {
            java.nio.file.Path target = local.pathToFile(file).toPath();
            java.nio.file.Path aside = target.resolveSibling("." + holder.id() + "." + UUID.randomUUID() + ".tmp");
            java.nio.file.Files.write(aside, bytes);
            java.nio.file.Files.move(
                    aside,
                    target,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } else if ("s3a".equals(fs.getScheme())) {
            try (FSDataOutputStream out = fs.create(file, true)) {
                out.write(bytes);
            }
        } else {
            Path aside = new Path(dir, "." + holder.id() + "." + UUID.randomUUID() + ".tmp");
            try (FSDataOutputStream out = fs.create(aside, true)) {
                out.write(bytes);
            }
            org.apache.hadoop.fs.FileContext.getFileContext(fs.getUri(), fs.getConf())
                    .rename(aside, file, org.apache.hadoop.fs.Options.Rename.OVERWRITE);
        }
        return file;
    }

    private static String localHost() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
