package dev.localbedrock.runtime.catalog;

import java.util.List;

/**
 * The parsed models.yaml: the server settings and the models it serves.
 *
 * @param server server settings (overridable from the command line)
 * @param models entries in file order
 */
public record Catalog(ServerSettings server, List<ModelEntry> models) {
    public Catalog {
        models = List.copyOf(models);
    }
}
