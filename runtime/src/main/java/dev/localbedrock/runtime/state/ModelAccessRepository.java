package dev.localbedrock.runtime.state;

import java.util.List;
import java.util.Optional;

/** Model access records, one per foundation model id. Each call is one transaction. */
public interface ModelAccessRepository {
    Optional<ModelAccess> find(String modelId);

    /** Every record, by model id. */
    List<ModelAccess> list();

    /** Creates or replaces the record for its model id. */
    void put(ModelAccess access);

    /** @return whether there was a record to delete */
    boolean delete(String modelId);
}
