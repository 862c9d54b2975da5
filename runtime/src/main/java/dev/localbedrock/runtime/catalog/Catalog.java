package dev.localbedrock.runtime.catalog;

import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * The parsed models.yaml: the server settings and the models it serves.
 *
 * @param server        server settings (overridable from the command line)
 * @param models        entries in file order
 * @param state         where the control plane keeps its durable state
 * @param audit         the audit trail of API calls
 * @param events        the state-change event bus's destinations
 * @param storage       where objects go (S3 endpoint or local folder), for invocation logs and other data
 * @param customization where fine-tuning jobs run and custom models are kept
 * @param functions     agents' action-group functions: Lambda ARN or name to the URL that runs it
 * @param vectorStore   where knowledge bases keep their vectors
 */
public record Catalog(ServerSettings server, List<ModelEntry> models, StateSettings state, AuditSettings audit,
                      EventSettings events, StorageSettings storage, CustomizationSettings customization,
                      Map<String, URI> functions, VectorStoreSettings vectorStore) {
    public Catalog {
        models = List.copyOf(models);
        functions = Map.copyOf(functions);
    }

    /**
     * A catalogue with no agent functions and the embedded vector store's default folder (beside customization's,
     * under the cache).
     */
    public Catalog(ServerSettings server, List<ModelEntry> models, StateSettings state, AuditSettings audit,
                   EventSettings events, StorageSettings storage, CustomizationSettings customization) {
        this(server, models, state, audit, events, storage, customization, Map.of(),
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
        return new Catalog(settings, models, state, audit, events, storage, customization, functions, vectorStore);
    }

    /** The same catalogue serving only {@code entries} (a command that loads one model). */
    public Catalog withModels(List<ModelEntry> entries) {
        return new Catalog(server, entries, state, audit, events, storage, customization, functions, vectorStore);
    }
}
