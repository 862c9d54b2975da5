package dev.localbedrock.runtime.catalog;

import java.util.List;

/**
 * The parsed models.yaml: the server settings and the models it serves.
 *
 * @param server server settings (overridable from the command line)
 * @param models entries in file order
 * @param state  where the control plane keeps its durable state
 * @param storage where objects go (S3 endpoint or local folder), for invocation logs and other data
 */
public record Catalog(ServerSettings server, List<ModelEntry> models, StateSettings state, StorageSettings storage) {
    public Catalog {
        models = List.copyOf(models);
    }
}
