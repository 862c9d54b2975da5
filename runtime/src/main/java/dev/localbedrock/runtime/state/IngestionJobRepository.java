package dev.localbedrock.runtime.state;

import java.util.List;
import java.util.Optional;

/** Ingestion jobs and the documents they indexed, per data source. Each call is one transaction. */
public interface IngestionJobRepository {
    /** @throws DuplicateResourceException when the id, or the client token within the data source, is taken */
    default void create(StoredIngestionJob job) {
        create(job, null, null);
    }

    /** Stores a new job already leased to {@code leaseOwner} (both null: no lease), as the customization jobs do. */
    void create(StoredIngestionJob job, String leaseOwner, java.time.Instant leaseExpiresAt);

    /**
     * Leases the job to {@code owner} when its lease is free, expired before {@code expiredBefore}, or already the
     * owner's. @return whether {@code owner} holds it now
     */
    boolean claim(String id, String owner, java.time.Instant expiredBefore, java.time.Instant expiresAt);

    /** Extends the owner's lease. @return false when another replica took the job over (or it is gone) */
    boolean renew(String id, String owner, java.time.Instant expiresAt);

    /** Releases the owner's lease. */
    void release(String id, String owner);

    /** The job's lease; empty when there is no such job. */
    Optional<JobLease> lease(String id);

    Optional<StoredIngestionJob> find(String dataSourceId, String id);

    Optional<StoredIngestionJob> findByClientToken(String dataSourceId, String token);

    /** A data source's jobs, oldest first (ties by id). */
    List<StoredIngestionJob> list(String dataSourceId);

    /** Every job in one of {@code statuses}, oldest first: what a restart finds unfinished. */
    List<StoredIngestionJob> withStatus(List<String> statuses);

    /** Writes status, statistics, failure reasons and update time; false when there is no such job. */
    boolean update(StoredIngestionJob job);

    /** The documents a data source has indexed, by key. */
    List<StoredDocument> documents(String dataSourceId);

    /** Records (or replaces) what was indexed for one document. */
    void putDocument(StoredDocument document);

    void deleteDocument(String dataSourceId, String key);

    /** Deletes a data source's jobs and documents. */
    void deleteDataSource(String dataSourceId);

    /** Deletes the jobs and documents of every data source of a knowledge base. */
    void deleteKnowledgeBase(String knowledgeBaseId);
}
