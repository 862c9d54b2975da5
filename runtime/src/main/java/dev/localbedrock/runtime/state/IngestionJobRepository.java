package dev.localbedrock.runtime.state;

import java.util.List;
import java.util.Optional;

/** Ingestion jobs and the documents they indexed, per data source. Each call is one transaction. */
public interface IngestionJobRepository {
    /** @throws DuplicateResourceException when the id, or the client token within the data source, is taken */
    void create(StoredIngestionJob job);

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
