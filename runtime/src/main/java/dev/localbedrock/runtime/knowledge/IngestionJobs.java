package dev.localbedrock.runtime.knowledge;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.agent.AgentIds;
import dev.localbedrock.codecs.agent.IngestionJobBodies;
import dev.localbedrock.runtime.state.DuplicateResourceException;
import dev.localbedrock.runtime.state.IngestionJobRepository;
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
 * its next document. A job a stop of the server interrupted is FAILED when the server starts again.
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
    /** Stop requests of the jobs queued or running, by job id. */
    private final Map<String, AtomicBoolean> stopRequests = new ConcurrentHashMap<>();
    /** One thread: ingestion competes with clients for the embedding model, and one job at a time bounds that. */
    private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "kb-ingest");
        t.setDaemon(true);
        return t;
    });

    IngestionJobs(IngestionJobRepository jobs, IngestionRun.Context context, Clock clock) {
        this.jobs = jobs;
        this.context = context;
        this.clock = clock;
    }

    /** Jobs a stop of the server left unfinished: FAILED (STOPPED if a stop had been asked), to be started again. */
    void recover() {
        for (StoredIngestionJob job : jobs.withStatus(UNFINISHED)) {
            boolean stopping = job.status().equals(STOPPING);
            List<String> reasons = new java.util.ArrayList<>(job.failureReasons());
            if (!stopping) {
                reasons.add("The server stopped while the job ran; start a new ingestion job to finish the sync.");
            }
            jobs.update(job.withProgress(stopping ? STOPPED : FAILED, job.statistics(), reasons, now()));
            log.info("ingestion job {} of data source {}: left {} by a stop, now {}", job.id(), job.dataSourceId(),
                    job.status(), stopping ? STOPPED : FAILED);
        }
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
            jobs.create(job);
        } catch (DuplicateResourceException e) {
            throw new BedrockException(BedrockErrorType.CONFLICT, "An ingestion job with this clientToken is being"
                    + " started; retry.");
        }
        AtomicBoolean stop = new AtomicBoolean();
        stopRequests.put(job.id(), stop);
        runner.execute(() -> {
            try {
                new IngestionRun(context, jobs, job, stop, clock).run();
            } finally {
                stopRequests.remove(job.id());
            }
        });
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
        AtomicBoolean stop = stopRequests.get(id);
        if (stop == null || !UNFINISHED.contains(job.status())) {
            throw new BedrockException(BedrockErrorType.CONFLICT, "Ingestion job " + id + " is " + job.status()
                    + "; only a STARTING or IN_PROGRESS job can be stopped.");
        }
        StoredIngestionJob stopping = job.withStatus(STOPPING, now());
        jobs.update(stopping);
        stop.set(true);
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
     * Interrupts the running job and waits briefly. It is left as it was (not STOPPED: nobody asked), so the next
     * start marks it FAILED, and a new job resumes the sync where the documents table says it got to.
     */
    @Override
    public void close() {
        runner.shutdownNow();
        try {
            runner.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
