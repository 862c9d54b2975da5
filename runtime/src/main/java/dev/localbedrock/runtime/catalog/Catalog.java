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
 * @param vectorStore where knowledge bases keep their vectors
 */
public record Catalog(ServerSettings server, List<ModelEntry> models, StateSettings state, AuditSettings audit,
                      EventSettings events, StorageSettings storage, CustomizationSettings customization,
                      VectorStoreSettings vectorStore) {
    public Catalog {
        models = List.copyOf(models);
    }

    /** A catalogue with the embedded vector store's default folder (beside customization's, under the cache). */
    public Catalog(ServerSettings server, List<ModelEntry> models, StateSettings state, AuditSettings audit,
                   EventSettings events, StorageSettings storage, CustomizationSettings customization) {
        this(server, models, state, audit, events, storage, customization,
                VectorStoreSettings.under(storage.localDir().toAbsolutePath().getParent()));
    }

    /** A catalogue with customization's defaults (custom models under the storage's parent folder). */
    public Catalog(ServerSettings server, List<ModelEntry> models, StateSettings state, AuditSettings audit,
                   EventSettings events, StorageSettings storage) {
        this(server, models, state, audit, events, storage,
                CustomizationSettings.under(storage.localDir().toAbsolutePath().getParent()));
    }

    /** The same catalogue with other server settings (the command line's overrides). */
    public Catalog withServer(ServerSettings settings) {
        return new Catalog(settings, models, state, audit, events, storage, customization, vectorStore);
    }

    /** The same catalogue serving only {@code entries} (a command that loads one model). */
    public Catalog withModels(List<ModelEntry> entries) {
        return new Catalog(server, entries, state, audit, events, storage, customization, vectorStore);
    }
}
