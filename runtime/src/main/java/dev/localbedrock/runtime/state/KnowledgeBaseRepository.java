package dev.localbedrock.runtime.state;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Knowledge bases and their data sources. Each call is one transaction. */
public interface KnowledgeBaseRepository {
    /**
     * Creates the knowledge base and its tags together.
     *
     * @throws DuplicateResourceException when the id, ARN, name or client token is taken
     */
    void create(StoredKnowledgeBase kb, Map<String, String> tags);

    Optional<StoredKnowledgeBase> find(String id);

    Optional<StoredKnowledgeBase> findByClientToken(String token);

    /** Every knowledge base, oldest first (ties by id). */
    List<StoredKnowledgeBase> list();

    /**
     * Writes name, status, definition, failure reasons and update time.
     *
     * @return false when there is no such knowledge base
     * @throws DuplicateResourceException when the new name is taken
     */
    boolean update(StoredKnowledgeBase kb);

    /** Deletes the knowledge base, its data sources and its tags; false when there was none. */
    boolean delete(String id);

    /** @throws DuplicateResourceException when the id, or the name or token within the knowledge base, is taken */
    void createDataSource(StoredDataSource ds);

    Optional<StoredDataSource> findDataSource(String knowledgeBaseId, String id);

    Optional<StoredDataSource> findDataSourceByClientToken(String knowledgeBaseId, String token);

    /** A knowledge base's data sources, oldest first (ties by id). */
    List<StoredDataSource> listDataSources(String knowledgeBaseId);

    /** @throws DuplicateResourceException when the new name is taken within the knowledge base */
    boolean updateDataSource(StoredDataSource ds);

    boolean deleteDataSource(String knowledgeBaseId, String id);
}
