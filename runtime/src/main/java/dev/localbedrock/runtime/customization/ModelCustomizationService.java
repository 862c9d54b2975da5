package dev.localbedrock.runtime.customization;

import dev.localbedrock.runtime.catalog.CustomModelArn;
import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.runtime.catalog.CustomizationSettings;
import dev.localbedrock.runtime.controlplane.ModelAccessService;
import dev.localbedrock.runtime.state.CustomizationRepository;
import dev.localbedrock.runtime.state.DuplicateResourceException;
import dev.localbedrock.runtime.state.JobLeases;
import dev.localbedrock.runtime.state.JobLimits;
import dev.localbedrock.runtime.state.JobRefusedException;
import dev.localbedrock.runtime.state.ProvisionedModelRepository;
import dev.localbedrock.runtime.state.StoredCustomModel;
import dev.localbedrock.runtime.state.StoredCustomizationJob;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Fine-tuning jobs and the custom models they make: Create, Get, List and Stop jobs; List, Get and Delete custom
 * models — over the durable state, with every job state change published as the guide's EventBridge event.
 *
 * <p>A created job is stored InProgress and handed to a training thread of its own ({@code max_concurrent_jobs} of
 * them, so training never runs on a request thread or in the serving scheduler). There {@link JobTraining} reads and
 * checks the data, trains, and writes the weights; this class moves the job through the guide's state machine as it
 * reports: an epoch's end stores its losses (the checkpoint a stop keeps), success stores the custom model and
 * Completed in one transaction, a dataset problem stores Failed with the guide's message. Stop moves InProgress to
 * Stopping at once; the training stops after its step in flight and the job becomes Stopped, with no custom model.
 *
 * <p>Each unfinished job is leased in the state to the server training it ({@link JobLeases}): the lease is taken
 * with the job's insert, renewed every few seconds while it trains, and released when it ends. Several replicas on
 * one database therefore train each job once, and a job whose server died (a crash, kill -9) or stopped (a
 * shutdown releases its leases) is claimed by a live replica — at its start, or by the periodic scan once the lease
 * expired — and trained again from the beginning (training is seeded by the job, so it trains the same way); a
 * Stopping job found so is Stopped. Each renewal also reads the job's status, so a stop asked through another
 * replica reaches the training within a renewal period. A server that lost a job's lease (it was paused past the
 * lease) stops training it and leaves it to the new owner.
 *
 * <p>A job's weights are written to {@code <models_dir>/<job id>}; at start the server removes any folder there that
 * no custom model owns and no unfinished job writes — a half-written model is never visible. Replicas that resume
 * each other's jobs and serve each other's custom models need one shared models directory.
 */
public final class ModelCustomizationService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ModelCustomizationService.class);
    /** The guide's message for a failure that is not the data's (L5544). */
    public static final String INTERNAL_ERROR =
            "Encountered an unexpected error when processing the request, please try again";
    static final Pattern JOB_NAME = Pattern.compile("[a-zA-Z0-9](-*[a-zA-Z0-9+\\-.])*");
    static final Pattern MODEL_NAME = Pattern.compile("([0-9a-zA-Z][_-]?)+");
    static final Pattern ROLE_ARN = Pattern.compile("arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+");
    static final Pattern S3_URI = Pattern.compile("s3://[a-z0-9][.\\-a-z0-9]{1,61}[a-z0-9](/.*)?");
    private static final char[] ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private final CustomizationRepository repository;
    private final CustomModels models;
    private final TrainableBase.Resolver bases;
    private final ModelAccessService access;
    private final ProvisionedModelRepository provisioned;
    private final JobTraining training;
    /** Where jobs' metrics files are read back from (their output locations). */
    private final JobStorage storage;
    private final CustomizationJobEvents events;
    private final CustomizationSettings settings;
    private final String region;
    private final String account;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final ExecutorService trainers;
    private final JobLeases leases;
    /** Renews this server's leases and resumes jobs whose owner died. */
    private final java.util.concurrent.ScheduledExecutorService leaseTimer;
    /** The jobs training now, by ARN. */
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private volatile boolean closing;

    /** A training job's live state: its stop flag and latest progress. */
    private static final class Running implements JobControl {
        private final ModelCustomizationService service;
        private final String jobArn;
        private final Path modelDir;
        private volatile boolean stop;
        /** Another replica took the job over (this one missed its renewals): stop and leave the job to it. */
        private volatile boolean lost;
        private volatile TrainingProgress progress;

        Running(ModelCustomizationService service, String jobArn, Path modelDir) {
            this.service = service;
            this.jobArn = jobArn;
            this.modelDir = modelDir;
        }

        @Override
        public boolean stopRequested() {
            return stop || lost || service.closing;
        }

        @Override
        public void progress(TrainingProgress p) {
            progress = p;
        }

        @Override
        public void checkpoint(double trainingLoss, List<Double> validationLosses) {
            service.checkpoint(jobArn, trainingLoss, validationLosses);
        }

        @Override
        public Path modelDirectory() {
            return modelDir;
        }
    }

    /**
     * @param access      model access (a job needs access to its base model), or null when every model may be used
     * @param provisioned the provisioned models, so a custom model a provisioned throughput serves is not deleted
     * @param storage     the object store the jobs' output locations are in (their metrics files are read back)
     */
    public ModelCustomizationService(CustomizationRepository repository, TrainableBase.Resolver bases,
                                     ModelAccessService access, ProvisionedModelRepository provisioned,
                                     JobTraining training, JobStorage storage, CustomizationJobEvents events,
                                     CustomizationSettings settings, String region, String account, Clock clock) {
        this(repository, bases, access, provisioned, training, storage, events, settings, region, account, clock,
                JobLeases.singleProcess());
    }

    /** @param leases how this server leases its jobs in the state (shared by replicas, or its own) */
    public ModelCustomizationService(CustomizationRepository repository, TrainableBase.Resolver bases,
                                     ModelAccessService access, ProvisionedModelRepository provisioned,
                                     JobTraining training, JobStorage storage, CustomizationJobEvents events,
                                     CustomizationSettings settings, String region, String account, Clock clock,
                                     JobLeases leases) {
        this.repository = repository;
        this.leases = leases;
        this.models = new CustomModels(repository);
        this.bases = bases;
        this.access = access;
        this.provisioned = provisioned;
        this.training = training;
        this.storage = storage;
        this.events = events;
        this.settings = settings;
        this.region = region;
        this.account = account;
        this.clock = clock;
        AtomicInteger n = new AtomicInteger();
        this.trainers = Executors.newFixedThreadPool(settings.maxConcurrentJobs(), r -> {
            Thread t = new Thread(r, "fine-tuning-" + n.incrementAndGet());
            t.setDaemon(true);
            // Below the serving threads: a busy machine serves first and trains with what is left.
            t.setPriority(Thread.NORM_PRIORITY - 2);
            return t;
        });
        log.info("customization jobs are leased as {} (lease {} ms, renewed every {} ms)", leases.owner(),
                leases.lease().toMillis(), leases.renew().toMillis());
        removeOrphanWeights();
        resumeUnowned(leases.startupClaimTime(clock.instant()));
        this.leaseTimer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "customization-leases");
            t.setDaemon(true);
            return t;
        });
        long period = leases.renew().toMillis();
        leaseTimer.scheduleWithFixedDelay(this::renewAndScan, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * Claims every unfinished job whose lease is free or expired before {@code expiredBefore} and settles it: a
     * Stopping job becomes Stopped, an InProgress one trains again here (see the class comment).
     */
    private void resumeUnowned(Instant expiredBefore) {
        for (StoredCustomizationJob stored : repository.listJobs()) {
            CustomizationJob job = CustomizationJob.fromStored(stored);
            if (!job.status().terminal() && !running.containsKey(job.jobArn()) && !closing) {
                resume(job, expiredBefore);
            }
        }
    }

    private synchronized void resume(CustomizationJob seen, Instant expiredBefore) {
        if (closing || running.containsKey(seen.jobArn()) || !repository.claimJob(seen.jobArn(), leases.owner(),
                expiredBefore, leases.expiry(clock.instant()))) {
            return; // training here already, or a live replica holds it
        }
        CustomizationJob job = get(seen.jobArn()); // as it is now that it is ours
        if (job.status() == JobStatus.Stopping) {
            log.info("customization job {} was stopping when its server ended; it is Stopped", job.jobName());
            finish(job.jobArn(), JobStatus.Stopped, null, null);
            return;
        }
        if (job.status() != JobStatus.InProgress) {
            repository.releaseJob(job.jobArn(), leases.owner());
            return;
        }
        TrainableBase base;
        try {
            base = bases.resolve(job.baseModelId());
        } catch (BedrockException e) {
            if (leases.exclusive()) {
                log.warn("customization job {} cannot resume: its base model {} is not served ({})", job.jobName(),
                        job.baseModelId(), e.getMessage());
                finish(job.jobArn(), JobStatus.Failed, INTERNAL_ERROR, null);
            } else { // another replica may serve it
                repository.releaseJob(job.jobArn(), leases.owner());
            }
            return;
        }
        log.warn("customization job {} was left in progress by a server that ended; it trains again here ({})",
                job.jobName(), leases.owner());
        start(job, base);
    }

    /**
     * Every renewal period: renews the leases of the jobs training here (a lost one stops its training), passes on
     * a stop asked through another replica, and resumes jobs whose owner's lease expired.
     */
    private void renewAndScan() {
        try {
            Instant now = clock.instant();
            for (Running r : running.values()) {
                if (!repository.renewJob(r.jobArn, leases.owner(), leases.expiry(now))) {
                    log.warn("customization job {}: another server took its lease over; stopping it here",
                            r.jobArn);
                    r.lost = true;
                } else if (repository.findJobByArn(r.jobArn).map(j -> j.status().equals(JobStatus.Stopping.name()))
                        .orElse(false)) {
                    r.stop = true;
                }
            }
            resumeUnowned(now);
        } catch (RuntimeException e) { // the database may be briefly unreachable: the next period tries again
            log.warn("could not renew customization job leases: {}", e.toString());
        }
    }

    /**
     * Deletes folders under the models directory that no custom model owns and no unfinished job writes (a write
     * or a delete cut short). The folder is listed first: a folder written after the jobs were listed belongs to a
     * job that was unfinished then, or whose custom model the later model listing sees.
     */
    private void removeOrphanWeights() {
        Path dir = settings.modelsDir();
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> children;
        try (Stream<Path> listed = Files.list(dir)) {
            children = listed.toList();
        } catch (IOException e) {
            log.warn("cannot list {}: {}", dir, e.toString());
            return;
        }
        Set<String> writing = new HashSet<>();
        for (StoredCustomizationJob j : repository.listJobs()) {
            if (!JobStatus.valueOf(j.status()).terminal()) {
                writing.add(CustomizationJob.fromStored(j).jobId());
            }
        }
        Set<Path> owned = new HashSet<>();
        for (StoredCustomModel m : repository.listModels()) {
            owned.add(Path.of(m.weightsDir()).toAbsolutePath().normalize());
        }
        for (Path child : children) {
            String name = child.getFileName().toString();
            // A job's folder, or the hidden ".<folder>.tmp-…" its final write renames into place.
            String folder = name.startsWith(".") && name.contains(".tmp-")
                    ? name.substring(1, name.indexOf(".tmp-")) : name;
            if (!owned.contains(child.toAbsolutePath().normalize()) && !writing.contains(folder)) {
                log.info("removing {}: no custom model owns it (an interrupted write or delete)", child);
                deleteTree(child);
            }
        }
    }

    /**
     * Creates a job (or returns the one an earlier call with the same client request token created) and starts its
     * training.
     *
     * @throws BedrockException ValidationException for a bad field or hyperparameter, ResourceNotFoundException for a
     *                          base model not served, AccessDeniedException without access to it, ConflictException
     *                          for a job or custom model name in use, ServiceQuotaExceededException past the jobs or
     *                          custom models quota
     */
    public synchronized CustomizationJob create(CreateJobRequest r) {
        if (r.clientRequestToken() != null) {
            Optional<StoredCustomizationJob> earlier = repository.findJobByClientRequestToken(r.clientRequestToken());
            if (earlier.isPresent()) {
                return CustomizationJob.fromStored(earlier.get());
            }
        }
        if (closing) {
            throw new BedrockException(BedrockErrorType.SERVICE_UNAVAILABLE, "The server is shutting down.");
        }
        checkPattern(r.jobName(), "jobName", JOB_NAME, 63, "[a-zA-Z0-9](-*[a-zA-Z0-9\\+\\-\\.])*");
        checkPattern(r.customModelName(), "customModelName", MODEL_NAME, 63, "([0-9a-zA-Z][_-]?)+");
        checkPattern(r.roleArn(), "roleArn", ROLE_ARN, 2048, "arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+");
        checkPattern(r.trainingS3Uri(), "trainingDataConfig.s3Uri", S3_URI, 1024, S3_URI.pattern());
        checkPattern(r.outputS3Uri(), "outputDataConfig.s3Uri", S3_URI, 1024, S3_URI.pattern());
        if (r.validationS3Uri() != null) {
            checkPattern(r.validationS3Uri(), "validationDataConfig.validators[0].s3Uri", S3_URI, 1024,
                    S3_URI.pattern());
        }
        String type = r.customizationType() == null ? "FINE_TUNING" : r.customizationType();
        if (!type.equals("FINE_TUNING")) {
            throw BedrockException.validation("The customization type " + type + " is not supported by this "
                    + "server; use FINE_TUNING (supervised fine-tuning on input/output pairs).");
        }
        Hyperparameters hyper = Hyperparameters.parse(r.hyperParameters());
        TrainableBase base = bases.resolve(r.baseModelIdentifier());
        if (access != null && !access.granted(base.foundationId())) {
            throw new BedrockException(BedrockErrorType.ACCESS_DENIED, ModelAccessService.NO_ACCESS);
        }
        if (repository.findJobByName(r.jobName()).isPresent()) {
            throw new BedrockException(BedrockErrorType.CONFLICT, "A model customization job named " + r.jobName()
                    + " already exists.");
        }
        Instant now = clock.instant();
        String jobArn = "arn:aws:bedrock:" + region + ":" + account + ":model-customization-job/"
                + base.foundationId() + "/" + newId();
        CustomizationJob job = new CustomizationJob(jobArn, r.jobName(), r.customModelName(), null, r.roleArn(),
                JobStatus.InProgress, null, now, now, null, base.arn(), hyper, r.trainingS3Uri(),
                r.validationS3Uri(), r.outputS3Uri(), base.id(), r.kmsKeyId(), r.customModelTags(), null,
                List.of(), r.clientRequestToken());
        try {
            // The custom model name and the limits are checked in the insert's transaction, under a lock every
            // replica's create takes, so replicas creating jobs at once cannot pass them together.
            repository.createJob(job.toStored(), r.jobTags(), leases.owner(), leases.expiry(now),
                    new JobLimits(settings.maxConcurrentJobs(), settings.maxCustomModels()));
        } catch (DuplicateResourceException e) {
            throw new BedrockException(BedrockErrorType.CONFLICT, "A model customization job named " + r.jobName()
                    + " already exists.");
        } catch (JobRefusedException e) {
            throw refusal(e, r.customModelName());
        }
        events.changed(job);
        start(job, base);
        return job;
    }

    private BedrockException refusal(JobRefusedException e, String customModelName) {
        return switch (e.reason()) {
            case MODEL_NAME_IN_USE -> new BedrockException(BedrockErrorType.CONFLICT, "A custom model named "
                    + customModelName + " already exists or is being trained.");
            case ACTIVE_JOBS -> new BedrockException(BedrockErrorType.SERVICE_QUOTA_EXCEEDED, "At most "
                    + settings.maxConcurrentJobs() + " model customization jobs may be in progress at once ("
                    + e.count() + " are); wait for one to end or stop one (customization.max_concurrent_jobs).");
            case CUSTOM_MODELS -> new BedrockException(BedrockErrorType.SERVICE_QUOTA_EXCEEDED, "At most "
                    + settings.maxCustomModels() + " custom models may exist at once; delete one first "
                    + "(customization.max_custom_models).");
        };
    }

    /** Trains the job (leased to this server) on a training thread, its weights into its own folder. */
    private void start(CustomizationJob job, TrainableBase base) {
        String modelId = newId();
        Path folder = settings.modelsDir().resolve(job.jobId());
        deleteTree(folder); // what an earlier owner's final write left, when it died in it
        Running control = new Running(this, job.jobArn(), folder);
        running.put(job.jobArn(), control);
        trainers.execute(() -> train(job, base, control, modelId));
    }

    /** A training thread's whole run of one job. */
    private void train(CustomizationJob job, TrainableBase base, Running control, String modelId) {
        JobTraining.Outcome outcome;
        try {
            outcome = training.run(job, base, control);
        } catch (Throwable e) {
            if (control.lost) {
                leave(control);
                return;
            }
            failed(job, control, e);
            return;
        }
        if (control.lost) {
            leave(control);
        } else if (closing) {
            // A shutdown, not a client's stop: the job did not finish; its lease is released for another replica
            // (or this server's next start) to train it again.
            deleteTree(control.modelDirectory());
            running.remove(job.jobArn());
            repository.releaseJob(job.jobArn(), leases.owner());
            log.info("customization job {} interrupted by the shutdown; released for another server to resume",
                    job.jobName());
        } else if (outcome == JobTraining.Outcome.STOPPED) {
            deleteTree(control.modelDirectory());
            finish(job.jobArn(), JobStatus.Stopped, null, null);
        } else if (outcome != JobTraining.Outcome.COMPLETED || !Files.isDirectory(control.modelDirectory())) {
            // A training that reports no outcome, or Completed without weights, must not make a model that cannot load.
            log.error("customization job {} ended as {} without weights in {}", job.jobName(), outcome,
                    control.modelDirectory());
            deleteTree(control.modelDirectory());
            finish(job.jobArn(), JobStatus.Failed, INTERNAL_ERROR, null);
        } else {
            String modelArn = CustomModelArn.of(region, account, base.foundationId(), modelId);
            finish(job.jobArn(), JobStatus.Completed, null, new StoredCustomModel(modelArn, job.outputModelName(),
                    job.jobArn(), control.modelDirectory().toAbsolutePath().toString(), clock.instant()));
        }
    }

    private void failed(CustomizationJob job, Running control, Throwable e) {
        deleteTree(control.modelDirectory()); // whatever a failed run wrote is no model
        if (e instanceof DatasetException || e instanceof TrainingFailedException) {
            finish(job.jobArn(), JobStatus.Failed, e.getMessage(), null);
        } else {
            log.error("customization job {} failed", job.jobName(), e);
            finish(job.jobArn(), JobStatus.Failed, INTERNAL_ERROR, null);
        }
    }

    /** The job's lease went to another server, which trains it again into the same folder: touch nothing. */
    private void leave(Running control) {
        running.remove(control.jobArn, control);
        log.warn("customization job {}: stopped here, another server owns it now", control.jobArn);
    }

    /** Stores a job's final status (and, for Completed, its custom model in the same transaction). */
    private synchronized void finish(String jobArn, JobStatus status, String failure, StoredCustomModel model) {
        running.remove(jobArn); // under the lock: a stop either reached the training or finds the job settled
        try {
            settle(jobArn, status, failure, model);
        } finally {
            repository.releaseJob(jobArn, leases.owner());
        }
    }

    private void settle(String jobArn, JobStatus status, String failure, StoredCustomModel model) {
        CustomizationJob current = CustomizationJob.fromStored(repository.findJobByArn(jobArn).orElseThrow());
        Instant now = clock.instant();
        if (current.status().terminal()) {
            log.warn("customization job {} is already {}; not moving it to {}", current.jobName(), current.status(),
                    status);
            if (model != null) {
                deleteTree(Path.of(model.weightsDir()));
            }
            return;
        }
        if (model != null) {
            CustomizationJob done = current.completed(model.arn(), now);
            try {
                repository.completeJob(done.toStored(), model, current.customModelTags());
            } catch (RuntimeException e) {
                log.error("customization job {}: the custom model could not be stored", current.jobName(), e);
                deleteTree(Path.of(model.weightsDir()));
                store(current.moveTo(JobStatus.Failed, INTERNAL_ERROR, now));
                return;
            }
            events.changed(done);
            return;
        }
        store(current.moveTo(status, failure, now));
    }

    /** Stores an epoch's losses; only those columns, so a stop another replica stored meanwhile stays. */
    private void checkpoint(String jobArn, double trainingLoss, List<Double> validationLosses) {
        repository.updateJobMetrics(jobArn, trainingLoss, validationLosses, clock.instant());
    }

    private void store(CustomizationJob job) {
        repository.updateJob(job.toStored());
        events.changed(job);
    }

    /**
     * Asks a job to stop: InProgress becomes Stopping now, Stopped once its training has stopped.
     *
     * @throws BedrockException ResourceNotFoundException for no such job, ValidationException for a finished one
     */
    public synchronized void stop(String identifier) {
        CustomizationJob job = get(identifier);
        JobStatus next = job.status().stop(job.jobName());
        if (job.status() == JobStatus.Stopping) {
            return;
        }
        Running control = running.get(job.jobArn());
        store(job.moveTo(next, null, clock.instant()));
        if (control != null) {
            control.stop = true;
        } else if (repository.claimJob(job.jobArn(), leases.owner(), clock.instant(),
                leases.expiry(clock.instant()))) {
            // No live server trains it (its thread ended, or its server died): nothing to wait for.
            finish(job.jobArn(), JobStatus.Stopped, null, null);
        }
        // Else another replica trains it: it reads Stopping at its next renewal and stops.
    }

    /** The job a name or ARN names. @throws BedrockException ResourceNotFoundException when there is none */
    public CustomizationJob get(String identifier) {
        Optional<StoredCustomizationJob> found = identifier.startsWith("arn:")
                ? repository.findJobByArn(identifier) : repository.findJobByName(identifier);
        return found.map(CustomizationJob::fromStored).orElseThrow(() -> BedrockException.notFound(
                "The model customization job " + identifier + " is not found."));
    }

    /** The job's metrics files as they are now in its output location. */
    public JobMetrics metrics(String identifier) {
        CustomizationJob job = get(identifier);
        return storage.readMetrics(JobStorage.S3Location.parse(job.outputS3Uri()), job.jobId());
    }

    /** A training job's latest progress, or null when it is not training. */
    public TrainingProgress progress(String jobArn) {
        Running r = running.get(jobArn);
        return r == null ? null : r.progress;
    }

    /** Every job, oldest first. */
    public List<CustomizationJob> jobs() {
        return repository.listJobs().stream().map(CustomizationJob::fromStored).toList();
    }

    /** Every custom model, oldest first. */
    public List<CustomModel> models() {
        return models.list();
    }

    /** The custom model a name or ARN names. @throws BedrockException ResourceNotFoundException when none */
    public CustomModel model(String identifier) {
        return models.find(identifier).orElseThrow(() -> BedrockException.notFound(
                "The custom model " + identifier + " is not found."));
    }

    /**
     * Deletes a custom model and its weights.
     *
     * @throws BedrockException ResourceNotFoundException for none, ConflictException while a provisioned throughput
     *                          serves it
     */
    public synchronized void deleteModel(String identifier) {
        CustomModel model = model(identifier);
        List<String> users = provisioned.list().stream().filter(p -> p.modelId().equals(model.arn())
                || p.desiredModelId().equals(model.arn())).map(p -> p.name()).toList();
        if (!users.isEmpty()) {
            throw new BedrockException(BedrockErrorType.CONFLICT, "The custom model " + model.name()
                    + " is used by provisioned throughput " + users + "; delete it first.");
        }
        repository.deleteModel(model.arn());
        deleteTree(model.weights());
    }

    private static void checkPattern(String value, String field, Pattern pattern, int max, String shown) {
        if (value == null || value.isEmpty() || value.length() > max || !pattern.matcher(value).matches()) {
            throw BedrockException.validation("1 validation error detected: Value '" + clip(value) + "' at '"
                    + field + "' failed to satisfy constraint: Member must satisfy regular expression pattern: "
                    + shown + " (1 to " + max + " characters)");
        }
    }

    private static String clip(String s) {
        return s == null ? "null" : s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    private String newId() {
        char[] id = new char[12];
        for (int i = 0; i < id.length; i++) {
            id[i] = ID_CHARS[random.nextInt(ID_CHARS.length)];
        }
        return new String(id);
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", root, e.toString());
        }
    }

    /**
     * Stops every training and releases its lease (a shutdown is not the client's stop: the job stays InProgress and
     * another replica, or the next start, trains it again) and waits up to {@code graceMillis} for them to end.
     */
    public void shutdown(long graceMillis) {
        closing = true;
        leaseTimer.shutdownNow();
        trainers.shutdown();
        try {
            if (!trainers.awaitTermination(Math.max(1, graceMillis), TimeUnit.MILLISECONDS)) {
                log.warn("fine-tuning still running after {} ms; their leases expire and another server (or the"
                        + " next start) trains those jobs again", graceMillis);
                trainers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        shutdown(10_000);
    }
}
