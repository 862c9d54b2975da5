package dev.localbedrock.runtime.catalog;

import java.util.List;

/**
 * The parsed models.yaml: the server settings and the models it serves.
 *
 * @param server  server settings (overridable from the command line)
 * @param models  entries in file order
 * @param state   where the control plane keeps its durable state
 * @param audit   the audit trail of API calls
 * @param events  the state-change event bus's destinations
 * @param storage where objects go (S3 endpoint or local folder), for invocation logs and other data
 */
public record Catalog(ServerSettings server, List<ModelEntry> models, StateSettings state, AuditSettings audit,
                      EventSettings events, StorageSettings storage) {
    public Catalog {
        models = List.copyOf(models);
    }

    /** The same catalogue with other server settings (the command line's overrides). */
    public Catalog withServer(ServerSettings settings) {
        return new Catalog(settings, models, state, audit, events, storage);
    }

    /** The same catalogue serving only {@code entries} (a command that loads one model). */
    public Catalog withModels(List<ModelEntry> entries) {
        return new Catalog(server, entries, state, audit, events, storage);
    }
}
