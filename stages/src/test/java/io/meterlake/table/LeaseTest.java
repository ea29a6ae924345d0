package io.meterlake.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterlake.error.ExitCodes;
import io.meterlake.error.MeterlakeException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeaseTest {
    private static final Duration TTL = Duration.ofSeconds(60);
    private static final Configuration CONF = new Configuration();

    @TempDir
    Path dir;

    @Test
    void aSecondHolderIsRefusedNamingTheFirstUntilItIsReleased() {
        Lease first = Lease.acquire(CONF, dir.toString(), "stream", "stream", Clock.systemUTC(), TTL);

        assertThatThrownBy(() -> Lease.acquire(CONF, dir.toString(), "stream", "stream", Clock.systemUTC(), TTL))
                .isInstanceOf(MeterlakeException.class)
                .satisfies(e -> assertThat(((MeterlakeException) e).exitCode()).isEqualTo(ExitCodes.NOT_READY))
                .hasMessageStartingWith("another stream (host ")
                .hasMessageContaining("pid " + ProcessHandle.current().pid())
                .hasMessageContaining("holds this warehouse's stream lease");
        first.renew();
        assertThatThrownBy(() -> Lease.acquire(CONF, dir.toString(), "stream", "stream", Clock.systemUTC(), TTL))
                .isInstanceOf(MeterlakeException.class);

        first.close();
        Lease.acquire(CONF, dir.toString(), "stream", "stream", Clock.systemUTC(), TTL)
                .close();
        // Another role is another lease.
        Lease publish = Lease.acquire(CONF, dir.toString(), "publish", "publish", Clock.systemUTC(), TTL);
        Lease.acquire(CONF, dir.toString(), "stream", "stream", Clock.systemUTC(), TTL)
                .close();
        publish.close();
    }

    @Test
    void aClaimNotRenewedWithinItsTtlExpires() {
        Instant now = Instant.now();
        Lease.acquire(
                CONF,
                dir.toString(),
                "stream",
                "stream",
                Clock.fixed(now.minus(TTL).minusSeconds(1), ZoneOffset.UTC),
                TTL);

        Lease taken = Lease.acquire(CONF, dir.toString(), "stream", "stream", Clock.fixed(now, ZoneOffset.UTC), TTL);

        assertThat(taken.holder().acquiredAt()).isEqualTo(now);
        taken.close();
    }

    @Test
    void onTheSameHostAClaimOfAProcessThatIsGoneIsStaleAtOnce() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        org.apache.hadoop.fs.Path leases = new org.apache.hadoop.fs.Path(dir.toString(), "_meterlake/leases/stream");
        FileSystem fs = leases.getFileSystem(CONF);
        fs.mkdirs(leases);
        Instant now = Instant.now();
        Lease.write(
                fs,
                leases,
                new Lease.Holder(
                        "crashed",
                        InetAddress.getLocalHost().getHostName(),
                        gone.pid(),
                        "stream",
                        now.minusSeconds(5),
                        now,
                        TTL));

        Lease taken = Lease.acquire(CONF, dir.toString(), "stream", "stream", Clock.systemUTC(), TTL);

        assertThat(taken.holder().pid()).isEqualTo(ProcessHandle.current().pid());
        taken.close();
        // A live claim of another host is respected, whatever its pid.
        Lease.write(
                fs,
                leases,
                new Lease.Holder("elsewhere", "another-host", gone.pid(), "stream", now.minusSeconds(5), now, TTL));
        assertThatThrownBy(() -> Lease.acquire(CONF, dir.toString(), "stream", "stream", Clock.systemUTC(), TTL))
                .hasMessageContaining("host another-host");
    }

    @Test
    void ofContendersStartingTogetherExactlyOneHolds() throws Exception {
        int contenders = 8;
        ExecutorService pool = Executors.newFixedThreadPool(contenders);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Lease>> results = new ArrayList<>();
        for (int i = 0; i < contenders; i++) {
            results.add(pool.submit(() -> {
                start.await();
                try {
                    return Lease.acquire(CONF, dir.toString(), "publish", "publish", Clock.systemUTC(), TTL);
                } catch (MeterlakeException refused) {
                    return null;
                }
            }));
        }
        start.countDown();
        List<Lease> held = new ArrayList<>();
        for (Future<Lease> result : results) {
            Lease lease = result.get();
            if (lease != null) {
                held.add(lease);
            }
        }
        pool.shutdown();

        assertThat(held).hasSize(1);
        held.get(0).close();
        Lease.acquire(CONF, dir.toString(), "publish", "publish", Clock.systemUTC(), TTL)
                .close();
    }

    /**
     * A holder renewing as fast as it can while contenders keep trying: none ever gets in. (Before a claim that
     * vanished between the listing and its read made the listing be taken again, a contender listing just before
     * a renewal and reading just after it saw no holder: 17 of 111 renewals let one in.)
     */
    @Test
    void renewalsNeverLetAContenderIn() throws Exception {
        Lease holder = Lease.acquire(CONF, dir.toString(), "publish", "publish", Clock.systemUTC(), TTL);
        java.util.concurrent.atomic.AtomicBoolean renewing = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
        List<String> intruders = java.util.Collections.synchronizedList(new ArrayList<>());
        int contenders = 4;
        ExecutorService pool = Executors.newFixedThreadPool(contenders);
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < contenders; i++) {
            running.add(pool.submit(() -> {
                while (renewing.get()) {
                    attempts.incrementAndGet();
                    try {
                        Lease intruder =
                                Lease.acquire(CONF, dir.toString(), "publish", "intruder", Clock.systemUTC(), TTL);
                        intruders.add(intruder.holder().id());
                        intruder.close();
                    } catch (MeterlakeException refused) {
                        // As it should be.
                    }
                }
                return null;
            }));
        }
        for (int renewal = 0; renewal < 400; renewal++) {
            holder.renew();
        }
        renewing.set(false);
        for (Future<?> contender : running) {
            contender.get();
        }
        pool.shutdown();
        holder.close();

        assertThat(attempts.get())
                .as("contenders tried while the holder renewed")
                .isGreaterThan(100);
        assertThat(intruders).as("contenders that got in beside the holder").isEmpty();
    }

    /** await: waits while another holds the role and takes it once free; past its wait, refuses naming the holder. */
    @Test
    void awaitTakesTheRoleOnceTheHolderLetsGoOrGivesUpNamingIt() throws Exception {
        Lease holder = Lease.acquire(CONF, dir.toString(), "raw-writer", "stream batch 7", Clock.systemUTC(), TTL);
        assertThatThrownBy(() -> Lease.await(
                        CONF,
                        dir.toString(),
                        "raw-writer",
                        "ingest",
                        Clock.systemUTC(),
                        TTL,
                        Duration.ofMillis(300),
                        waitingFor -> {}))
                .hasMessageContaining("stream batch 7");
        java.util.concurrent.CountDownLatch waiting = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CompletableFuture<Lease> next =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> Lease.await(
                        CONF,
                        dir.toString(),
                        "raw-writer",
                        "ingest",
                        Clock.systemUTC(),
                        TTL,
                        Duration.ofMinutes(2),
                        waitingFor -> {
                            assertThat(waitingFor).contains("stream batch 7");
                            waiting.countDown();
                        }));
        assertThat(waiting.await(2, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
        assertThat(next).isNotDone();
        holder.close();
        Lease taken = next.get(2, java.util.concurrent.TimeUnit.MINUTES);
        assertThat(taken.holder().purpose()).isEqualTo("ingest");
        taken.close();
    }
}
