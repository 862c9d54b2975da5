package dev.localbedrock.runtime.knowledge;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.agent.AgentIds;
import dev.localbedrock.codecs.agent.IngestionJobBodies;
import dev.localbedrock.runtime.state.DuplicateResourceException;
import dev.localbedrock.runtime.state.IngestionJobRepository;
import dev.localbedrock.runtime.state.JobLeases;
import dev.localbedrock.runtime.state.StoredIngestionJob;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ingestion jobs: Start answers STARTING and queues the job on the one {@code kb-ingest} thread, which syncs the
 * data source into its knowledge base's index ({@link IngestionRun}). One job at a time per data source (a Start
 * while one is unfinished is ConflictException). Stop asks the running job to stop: STOPPING, then STOPPED before
 * its next document.
 *
 * <p>Each unfinished job is leased in the state to the server running it ({@link JobLeases}, as fine-tuning jobs
 * are): taken with its insert, renewed every few seconds, released when it ends. A job whose server died or stopped
 * is claimed by a live replica (at its start, or by the periodic scan once its lease expired) and synced again from
 * the start — ingestion skips every document whose fingerprint is already recorded, so the rerun picks up where
 * the first run got to; a STOPPING one becomes STOPPED. A stop asked through another replica is stored STOPPING
 * and seen by the owner at its next renewal or progress write.
 */
public final class IngestionJobs implements AutoCloseable {
    public static final String STARTING = "STARTING";
    public static final String IN_PROGRESS = "IN_PROGRESS";
    public static final String COMPLETE = "COMPLETE";
    public static final String FAILED = "FAILED";
    public static final String STOPPING = "STOPPING";
    public static final String STOPPED = "STOPPED";
    private static final List<String> UNFINISHED = List.of(STARTING, IN_PROGRESS, STOPPING);
    private static final Logger log = LoggerFactory.getLogger(IngestionJobs.class);

    private final IngestionJobRepository jobs;
    private final IngestionRun.Context context;
    private final Clock clock;
    private final JobLeases leases;
    /** Stop requests of the jobs queued or running here, by job id. */
    private final Map<String, AtomicBoolean> stopRequests = new ConcurrentHashMap<>();
    /** The jobs queued or running here whose lease another server took over. */
    private final java.util.Set<String> lost = ConcurrentHashMap.newKeySet();
    /** Renews this server's leases and resumes jobs whose owner died; started by {@link #recover()}. */
    private final java.util.concurrent.ScheduledExecutorService leaseTimer =
            Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "kb-ingest-leases");
                t.setDaemon(true);
                return t;
            });
    /** One thread: ingestion competes with clients for the embedding model, and one job at a time bounds that. */
    private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "kb-ingest");
        t.setDaemon(true);
        return t;
    });

    IngestionJobs(IngestionJobRepository jobs, IngestionRun.Context context, Clock clock, JobLeases leases) {
        this.jobs = jobs;
        this.context = context;
        this.clock = clock;
        this.leases = leases;
    }

    /**
     * Takes over the jobs a server that ended left unfinished (see the class comment), then renews and scans every
     * renewal period.
     */
    void recover() {
        resumeUnowned(leases.startupClaimTime(clock.instant()));
        long period = leases.renew().toMillis();
        leaseTimer.scheduleWithFixedDelay(this::renewAndScan, period, period, TimeUnit.MILLISECONDS);
    }

    private void resumeUnowned(Instant expiredBefore) {
        for (StoredIngestionJob seen : jobs.withStatus(UNFINISHED)) {
            if (!stopRequests.containsKey(seen.id())) {
                resume(seen.id(), seen.dataSourceId(), expiredBefore);
            }
        }
    }

    private synchronized void resume(String id, String dataSourceId, Instant expiredBefore) {
        if (runner.isShutdown() || stopRequests.containsKey(id)
                || !jobs.claim(id, leases.owner(), expiredBefore, leases.expiry(clock.instant()))) {
            return;
        }
        StoredIngestionJob job = jobs.find(dataSourceId, id).orElse(null);
        if (job == null || !UNFINISHED.contains(job.status())) {
            jobs.release(id, leases.owner());
        } else if (job.status().equals(STOPPING)) {
            jobs.update(job.withStatus(STOPPED, now()));
            jobs.release(id, leases.owner());
            log.info("ingestion job {} of data source {}: left STOPPING by a server that ended, now STOPPED", id,
                    dataSourceId);
        } else {
            log.info("ingestion job {} of data source {}: left {} by a server that ended; syncing again here ({})",
                    id, dataSourceId, job.status(), leases.owner());
            queue(job);
        }
    }

    /** Renews the leases of the jobs queued or running here, passes on stops asked elsewhere, resumes orphans. */
    private void renewAndScan() {
        try {
            Instant now = clock.instant();
            for (Map.Entry<String, AtomicBoolean> e : stopRequests.entrySet()) {
                if (!jobs.renew(e.getKey(), leases.owner(), leases.expiry(now))) {
                    log.warn("ingestion job {}: another server took its lease over; stopping it here", e.getKey());
                    lost.add(e.getKey());
                }
            }
            resumeUnowned(now);
        } catch (RuntimeException e) { // the database may be briefly unreachable: the next period tries again
            log.warn("could not renew ingestion job leases: {}", e.toString());
        }
    }

    /** Runs the job (leased to this server) on the ingestion thread, and releases its lease when it ends. */
    private void queue(StoredIngestionJob job) {
        AtomicBoolean stop = new AtomicBoolean();
        stopRequests.put(job.id(), stop);
        runner.execute(() -> {
            try {
                new IngestionRun(context, jobs, job, stop, () -> !lost.contains(job.id()), clock).run();
            } finally {
                stopRequests.remove(job.id());
                if (!lost.remove(job.id()) && !Thread.currentThread().isInterrupted()) {
                    jobs.release(job.id(), leases.owner());
                }
            }
        });
    }

    /** Starts a sync of the data source; the knowledge base must be ACTIVE. */
    synchronized IngestionJobBodies.Described start(String knowledgeBaseId, String dataSourceId, String kbStatus,
                                                    IngestionJobBodies.Start request) {
        if (request.clientToken() != null) {
            var earlier = jobs.findByClientToken(dataSourceId, request.clientToken());
            if (earlier.isPresent()) {
                return describe(earlier.get());
            }
        }
        if (!kbStatus.equals(KnowledgeBaseService.ACTIVE)) {
            throw BedrockException.validation("Knowledge base " + knowledgeBaseId + " is " + kbStatus
                    + "; start an ingestion job once GetKnowledgeBase says ACTIVE.");
        }
        for (StoredIngestionJob job : jobs.list(dataSourceId)) {
            if (UNFINISHED.contains(job.status())) {
                throw new BedrockException(BedrockErrorType.CONFLICT, "Data source " + dataSourceId
                        + " already has ingestion job " + job.id() + " " + job.status()
                        + "; wait for it to finish, or stop it, before starting another.");
            }
        }
        Instant now = now();
        StoredIngestionJob job = new StoredIngestionJob(AgentIds.newId(), knowledgeBaseId, dataSourceId, STARTING,
                request.description(), IngestionStatistics.zero(), List.of(), now, now, request.clientToken());
        try {
            jobs.create(job, leases.owner(), leases.expiry(clock.instant()));
        } catch (DuplicateResourceException e) {
            throw new BedrockException(BedrockErrorType.CONFLICT, "An ingestion job with this clientToken is being"
                    + " started; retry.");
        }
        queue(job);
        return describe(job);
    }

    IngestionJobBodies.Described get(String dataSourceId, String id) {
        return describe(find(dataSourceId, id));
    }

    /** The data source's jobs, filtered and ordered as the request asks (by default oldest first). */
    List<IngestionJobBodies.Described> list(String dataSourceId, IngestionJobBodies.ListRequest request) {
        Comparator<StoredIngestionJob> order = Comparator.comparing(StoredIngestionJob::startedAt);
        if ("STATUS".equals(request.sortBy())) {
            order = Comparator.comparing(StoredIngestionJob::status).thenComparing(order);
        }
        if (request.descending()) {
            order = order.reversed();
        }
        return jobs.list(dataSourceId).stream()
                .filter(j -> request.statusIn() == null || request.statusIn().contains(j.status()))
                .sorted(order.thenComparing(StoredIngestionJob::id))
                .map(IngestionJobs::describe).toList();
    }

    /** Asks a queued or running job to stop; a finished job cannot be stopped (ConflictException). */
    synchronized IngestionJobBodies.Described stop(String dataSourceId, String id) {
        StoredIngestionJob job = find(dataSourceId, id);
        if (job.status().equals(STOPPING)) {
            return describe(job);
        }
        if (!UNFINISHED.contains(job.status())) {
            throw new BedrockException(BedrockErrorType.CONFLICT, "Ingestion job " + id + " is " + job.status()
                    + "; only a STARTING or IN_PROGRESS job can be stopped.");
        }
        StoredIngestionJob stopping = job.withStatus(STOPPING, now());
        jobs.update(stopping);
        AtomicBoolean stop = stopRequests.get(id);
        if (stop != null) {
            stop.set(true);
        } else if (jobs.claim(id, leases.owner(), clock.instant(), leases.expiry(clock.instant()))) {
            // No live server runs it: nothing to wait for.
            StoredIngestionJob stopped = stopping.withStatus(STOPPED, now());
            jobs.update(stopped);
            jobs.release(id, leases.owner());
            return describe(stopped);
        }
        // Else another replica runs it: it sees STOPPING at its next renewal or progress write.
        return describe(stopping);
    }

    /** Stops the data source's jobs and forgets them and its documents. */
    void forgetDataSource(String dataSourceId) {
        jobs.list(dataSourceId).forEach(j -> stopRequests.getOrDefault(j.id(), new AtomicBoolean()).set(true));
        jobs.deleteDataSource(dataSourceId);
    }

    /** Stops the knowledge base's jobs and forgets them and its documents. */
    void forgetKnowledgeBase(String knowledgeBaseId, List<String> dataSourceIds) {
        dataSourceIds.forEach(ds -> jobs.list(ds).forEach(j -> stopRequests.getOrDefault(j.id(),
                new AtomicBoolean()).set(true)));
        jobs.deleteKnowledgeBase(knowledgeBaseId);
    }

    private StoredIngestionJob find(String dataSourceId, String id) {
        return jobs.find(dataSourceId, id).orElseThrow(() -> BedrockException.notFound("Ingestion job " + id
                + " does not exist in data source " + dataSourceId + "; ListIngestionJobs lists the ones there are."));
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    static IngestionJobBodies.Described describe(StoredIngestionJob j) {
        return new IngestionJobBodies.Described(j.knowledgeBaseId(), j.dataSourceId(), j.id(), j.status(),
                j.description(), j.statistics(), j.failureReasons(), j.startedAt(), j.updatedAt());
    }

    /**
     * Interrupts the running job and waits briefly. It is left as it was (not STOPPED: nobody asked) and its lease
     * released, so another replica (or the next start) syncs it again, from where the documents table says it got.
     */
    @Override
    public void close() {
        leaseTimer.shutdownNow();
        List<String> mine = List.copyOf(stopRequests.keySet());
        runner.shutdownNow();
        try {
            runner.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (String id : mine) {
            try {
                jobs.release(id, leases.owner());
            } catch (RuntimeException e) { // the state may be closing too: the lease then expires
                log.debug("could not release ingestion job {}: {}", id, e.toString());
            }
        }
    }
}
