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
    void createJob(StoredCustomizationJob job, Map<String, String> jobTags);

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
