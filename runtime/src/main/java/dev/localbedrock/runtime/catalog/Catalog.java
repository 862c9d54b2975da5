package dev.localbedrock.runtime.catalog;

import java.util.List;

/**
 * The parsed models.yaml: the server settings and the models it serves.
 *
 * @param server server settings (overridable from the command line)
 * @param models entries in file order
 * @param state  where the control plane keeps its durable state
 */
public record Catalog(ServerSettings server, List<ModelEntry> models, StateSettings state) {
    public Catalog {
        models = List.copyOf(models);
    }
}
