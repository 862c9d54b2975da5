package dev.localbedrock.runtime.state;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Customization jobs and custom models. Each call is one transaction: wholly written or not at all. */
public interface CustomizationRepository {

    /**
     * Stores a new job with its tags in one transaction.
     *
     * @throws DuplicateResourceException when the ARN, the job name or the client request token is taken
     */
    default void createJob(StoredCustomizationJob job, Map<String, String> jobTags) {
        createJob(job, jobTags, null, null, null);
    }

    /**
     * Stores a new job already leased to {@code leaseOwner} until {@code leaseExpiresAt} (both null: no lease), so
     * no other replica's scan can claim it between its insert and its creator's claim; with {@code limits}, only
     * when its custom model name is free (no custom model and no job in progress has it) and the limits hold,
     * checked under a lock that serialises job creation across replicas.
     *
     * @throws DuplicateResourceException when the ARN, the job name or the client request token is taken
     * @throws JobRefusedException        when the custom model name is in use or a limit would be passed
     */
    void createJob(StoredCustomizationJob job, Map<String, String> jobTags, String leaseOwner,
                   java.time.Instant leaseExpiresAt, JobLimits limits);

    /**
     * Leases the job to {@code owner} until {@code expiresAt} when its lease is free, expired before
     * {@code expiredBefore}, or already the owner's (one conditional UPDATE: of racing owners exactly one wins).
     *
     * @return whether {@code owner} holds the lease now
     */
    boolean claimJob(String arn, String owner, java.time.Instant expiredBefore, java.time.Instant expiresAt);

    /** Extends the owner's lease. @return false when another replica took the job over (or it is gone) */
    boolean renewJob(String arn, String owner, java.time.Instant expiresAt);

    /** Releases the owner's lease (the job's row keeps the owner as the replica that last ran it). */
    void releaseJob(String arn, String owner);

    /** The job's lease; empty when there is no such job. */
    Optional<JobLease> jobLease(String arn);

    Optional<StoredCustomizationJob> findJobByArn(String arn);

    Optional<StoredCustomizationJob> findJobByName(String name);

    /** The job an earlier create with this idempotency token made, if any. */
    Optional<StoredCustomizationJob> findJobByClientRequestToken(String token);

    /** Every job, oldest first (ties by ARN); the service filters, sorts and pages. */
    List<StoredCustomizationJob> listJobs();

    /**
     * Replaces the job's status, failure message, custom model ARN, metrics, last-modified and end times.
     *
     * @return whether the job existed
     */
    boolean updateJob(StoredCustomizationJob job);

    /**
     * Replaces only the job's metrics and last-modified time (an epoch's checkpoint), so a status another replica
     * wrote meanwhile (Stopping) stays. @return whether the job existed
     */
    boolean updateJobMetrics(String arn, Double trainingLoss, List<Double> validationLosses,
                             java.time.Instant lastModifiedAt);

    /**
     * Marks the job Completed and creates its custom model with its tags, in one transaction: a crash leaves both
     * or neither, never a completed job without its model or a model of a job still in progress.
     *
     * @throws DuplicateResourceException when the model's ARN or name is taken
     */
    void completeJob(StoredCustomizationJob completed, StoredCustomModel model, Map<String, String> modelTags);

    Optional<StoredCustomModel> findModelByArn(String arn);

    Optional<StoredCustomModel> findModelByName(String name);

    /** Every custom model, oldest first (ties by ARN). */
    List<StoredCustomModel> listModels();

    /** Deletes the custom model and its tags together (its job stays). @return whether it existed */
    boolean deleteModel(String arn);
}
