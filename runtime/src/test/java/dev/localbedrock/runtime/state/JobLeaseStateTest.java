package dev.localbedrock.runtime.state;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The job leases of migration V8 (customization and ingestion jobs): two stores on one database, as two replicas
 * have, race to claim the same job and exactly one wins; a live lease is not taken, an expired or released one is;
 * renewal fails once another owner took the job over. On SQLite here; {@link PostgresJobLeaseStateTest} runs the
 * same cases on PostgreSQL.
 */
class JobLeaseStateTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final int RACES = 20;
    @TempDir
    Path dir;

    String url() {
        return "jdbc:sqlite:" + dir.resolve("state/control-plane.db");
    }

    static StoredCustomizationJob job(String arn) {
        return new StoredCustomizationJob(arn, "job-" + arn.substring(arn.lastIndexOf('/') + 1), "base",
                "arn:base", "model-" + arn.substring(arn.lastIndexOf('/') + 1), null, "arn:aws:iam::1:role/R",
                "InProgress", null, Map.of("epochCount", "1"), "s3://d/t.jsonl", null, "s3://o/p", null, Map.of(),
                null, List.of(), T0, T0, null, null);
    }

    static StoredIngestionJob ingestion(String id) {
        return new StoredIngestionJob(id, "KB00000001", "DS00000001", "IN_PROGRESS", null, Map.of(), List.of(), T0,
                T0, null);
    }

    @Test
    void ofTwoRacingOwnersExactlyOneClaimsAJob() throws Exception {
        try (StateStore a = StateStore.open(url()); StateStore b = StateStore.open(url())) {
            ExecutorService threads = Executors.newFixedThreadPool(2);
            try {
                for (int i = 0; i < RACES; i++) {
                    String arn = "arn:job/" + i;
                    a.customization().createJob(job(arn), Map.of()); // no lease: a pre-V8 row
                    a.ingestionJobs().create(ingestion("IJ" + String.format("%08d", i)));
                    Instant now = T0.plusSeconds(60);
                    String id = "IJ" + String.format("%08d", i);
                    List<String> winners = race(threads,
                            () -> a.customization().claimJob(arn, "A", now, now.plusSeconds(15)) ? "A" : null,
                            () -> b.customization().claimJob(arn, "B", now, now.plusSeconds(15)) ? "B" : null);
                    assertEquals(1, winners.size(), "customization job " + arn + " claimed by " + winners);
                    assertEquals(Optional.of(new JobLease(winners.get(0), now.plusSeconds(15))),
                            b.customization().jobLease(arn));
                    List<String> ingestionWinners = race(threads,
                            () -> a.ingestionJobs().claim(id, "A", now, now.plusSeconds(15)) ? "A" : null,
                            () -> b.ingestionJobs().claim(id, "B", now, now.plusSeconds(15)) ? "B" : null);
                    assertEquals(1, ingestionWinners.size(), "ingestion job " + id + " claimed by "
                            + ingestionWinners);
                    assertEquals(ingestionWinners.get(0), a.ingestionJobs().lease(id).orElseThrow().owner());
                }
            } finally {
                threads.shutdownNow();
            }
        }
    }

    @Test
    void aLiveLeaseIsKeptAndAnExpiredOrReleasedOneIsTakenOver() {
        try (StateStore a = StateStore.open(url()); StateStore b = StateStore.open(url())) {
            CustomizationRepository ra = a.customization();
            CustomizationRepository rb = b.customization();
            ra.createJob(job("arn:job/x"), Map.of(), "A", T0.plusSeconds(15), null); // leased with its insert
            assertFalse(rb.claimJob("arn:job/x", "B", T0.plusSeconds(10), T0.plusSeconds(25)), "live: kept");
            assertTrue(ra.claimJob("arn:job/x", "A", T0.plusSeconds(10), T0.plusSeconds(25)), "its own: renewed");
            assertTrue(ra.renewJob("arn:job/x", "A", T0.plusSeconds(30)));
            assertFalse(rb.claimJob("arn:job/x", "B", T0.plusSeconds(29), T0.plusSeconds(45)), "still live");
            assertTrue(rb.claimJob("arn:job/x", "B", T0.plusSeconds(31), T0.plusSeconds(46)), "expired: taken");
            assertFalse(ra.renewJob("arn:job/x", "A", T0.plusSeconds(40)), "A lost it");
            assertEquals(Optional.of(new JobLease("B", T0.plusSeconds(46))), ra.jobLease("arn:job/x"));
            ra.releaseJob("arn:job/x", "A"); // not A's: nothing changes
            assertEquals(Optional.of(new JobLease("B", T0.plusSeconds(46))), ra.jobLease("arn:job/x"));
            rb.releaseJob("arn:job/x", "B");
            JobLease released = ra.jobLease("arn:job/x").orElseThrow();
            assertEquals("B", released.owner(), "the last owner stays recorded");
            assertNull(released.expiresAt());
            assertFalse(released.liveAt(T0));
            assertFalse(rb.renewJob("arn:job/x", "B", T0.plusSeconds(60)), "a released lease is not renewed");
            assertTrue(ra.claimJob("arn:job/x", "A", T0, T0.plusSeconds(15)), "released: free at once");
            assertFalse(rb.claimJob("arn:not-there", "B", T0, T0.plusSeconds(15)), "no such job");
            assertEquals(Optional.empty(), rb.jobLease("arn:not-there"));

            IngestionJobRepository ia = a.ingestionJobs();
            IngestionJobRepository ib = b.ingestionJobs();
            ia.create(ingestion("IJ00000099"), "A", T0.plusSeconds(15));
            assertFalse(ib.claim("IJ00000099", "B", T0.plusSeconds(14), T0.plusSeconds(30)));
            assertTrue(ib.claim("IJ00000099", "B", T0.plusSeconds(16), T0.plusSeconds(31)));
            assertFalse(ia.renew("IJ00000099", "A", T0.plusSeconds(20)));
            assertTrue(ib.renew("IJ00000099", "B", T0.plusSeconds(40)));
            assertEquals(Optional.of(new JobLease("B", T0.plusSeconds(40))), ia.lease("IJ00000099"));
            // The job's other columns are untouched by leases.
            assertEquals("IN_PROGRESS", ia.find("DS00000001", "IJ00000099").orElseThrow().status());
            assertEquals("InProgress", ra.findJobByArn("arn:job/x").orElseThrow().status());
        }
    }

    /** Runs both claims at once (released together by a barrier); the names of those that won. */
    private static List<String> race(ExecutorService threads, Callable<String> first, Callable<String> second)
            throws Exception {
        CyclicBarrier start = new CyclicBarrier(2);
        List<Future<String>> claims = new ArrayList<>();
        for (Callable<String> claim : List.of(first, second)) {
            claims.add(threads.submit(() -> {
                start.await(10, TimeUnit.SECONDS);
                return claim.call();
            }));
        }
        List<String> winners = new ArrayList<>();
        for (Future<String> f : claims) {
            String won = f.get(30, TimeUnit.SECONDS);
            if (won != null) {
                winners.add(won);
            }
        }
        return winners;
    }
}
