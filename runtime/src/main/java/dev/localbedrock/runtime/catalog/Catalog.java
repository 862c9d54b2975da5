package dev.localbedrock.runtime.catalog;

import java.util.List;

/**
 * The parsed models.yaml: the server settings and the models it serves.
 *
 * @param server server settings (overridable from the command line)
 * @param models entries in file order
 * @param state  where the control plane keeps its durable state
 * @param audit  the audit trail of API calls
 * @param events the state-change event bus's destinations
 */
public record Catalog(ServerSettings server, List<ModelEntry> models, StateSettings state, AuditSettings audit,
                      EventSettings events) {
    public Catalog {
        models = List.copyOf(models);
    }

    /** A catalogue built in code: no audit trail, events published to nobody. */
    public Catalog(ServerSettings server, List<ModelEntry> models, StateSettings state) {
        this(server, models, state, AuditSettings.disabled(), EventSettings.none());
    }

    /** The same catalogue with other server settings (the command line's overrides). */
    public Catalog withServer(ServerSettings settings) {
        return new Catalog(settings, models, state, audit, events);
    }
}
