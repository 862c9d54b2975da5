package dev.localbedrock.runtime;

import dev.localbedrock.runtime.catalog.CustomModelArn;
import dev.localbedrock.runtime.catalog.ModelEntry;
import dev.localbedrock.runtime.catalog.ModelIdResolver;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Answers "which served model, under whose capacity" for any model identifier a client sends. Two layers: the
 * catalogue's ids (base ids, versioned ids, foundation-model ARNs — fixed at startup, {@link ModelIdResolver}'s rules)
 * and identifiers added at run time (a provisioned throughput's ARN and name, a custom model's ARN), which the control
 * plane registers when it creates them and removes when it deletes them. The run-time layer is consulted first, by
 * exact identifier. Safe for concurrent use: lookups happen on every request, registrations rarely.
 */
public final class ModelDirectory {

    private final ModelIdResolver<ServedModel> catalogue;
    private final Map<String, ModelTarget> runtime = new ConcurrentHashMap<>();

    /** The catalogue layer: each served model under its id and aliases. */
    public ModelDirectory(List<ServedModel> served) {
        this.catalogue = new ModelIdResolver<>(ModelIdResolver.index(served, s -> ids(s.entry()), s -> s));
    }

    /**
     * @throws dev.localbedrock.codecs.BedrockException ValidationException for an identifier that cannot be a model
     *                                                  id, ResourceNotFoundException for one that is not served
     */
    public ModelTarget resolve(String modelId) {
        ModelTarget added = modelId == null ? null : runtime.get(modelId);
        if (added == null && CustomModelArn.is(modelId)) {
            // The guide: a custom model is served only through provisioned throughput.
            throw dev.localbedrock.codecs.BedrockException.validation("Invocation of model ID " + modelId
                    + " with on-demand throughput isn't supported. Create provisioned throughput for the custom model"
                    + " (CreateProvisionedModelThroughput) and invoke its ARN.");
        }
        return added != null ? added : ModelTarget.onDemand(catalogue.resolve(modelId));
    }

    /**
     * Makes {@code identifier} resolve to {@code target} until it is removed.
     *
     * @throws IllegalStateException when the identifier is already registered to another target
     */
    public void register(String identifier, ModelTarget target) {
        Objects.requireNonNull(identifier, "identifier");
        ModelTarget before = runtime.putIfAbsent(identifier, Objects.requireNonNull(target, "target"));
        if (before != null && !before.equals(target)) {
            throw new IllegalStateException(identifier + " already resolves to another model");
        }
    }

    /**
     * Stops {@code identifier} resolving; a catalogue id it shadowed resolves again.
     *
     * @return what it resolved to, or null when it was not registered
     */
    public ModelTarget remove(String identifier) {
        return runtime.remove(identifier);
    }

    private static List<String> ids(ModelEntry entry) {
        List<String> ids = new ArrayList<>();
        ids.add(entry.id());
        ids.addAll(entry.aliases());
        return ids;
    }
}
