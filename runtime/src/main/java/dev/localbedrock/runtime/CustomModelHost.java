package dev.localbedrock.runtime;

import dev.localbedrock.runtime.catalog.CustomModelArn;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.runtime.catalog.ModelEntry;
import dev.localbedrock.runtime.controlplane.CustomModelServing;
import dev.localbedrock.runtime.customization.CustomModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Loads custom models for provisioned throughput: the merged checkpoint a job wrote, under its foundation entry's
 * settings (engine, device, batching, family), as a model of its own with its own worker — loaded for the first
 * provisioned model on it and freed after the last one is deleted. Loading takes a while (an ONNX Runtime entry
 * builds its graph from the checkpoint the first time), so it runs on the decode thread of the Create call that
 * needs it, never on an event loop.
 */
final class CustomModelHost implements CustomModelServing {
    private static final Logger log = LoggerFactory.getLogger(CustomModelHost.class);
    private static final long UNLOAD_GRACE_MILLIS = 30_000;

    private final ModelRegistry registry;
    private final Function<String, Optional<CustomModel>> models;
    private final Map<String, Hosted> hosted = new HashMap<>();

    private record Hosted(Loaded loaded, Set<String> users) {
    }

    CustomModelHost(ModelRegistry registry, Function<String, Optional<CustomModel>> models) {
        this.registry = registry;
        this.models = models;
    }

    @Override
    public Optional<String> arnOf(String identifier) {
        if (identifier == null || identifier.isEmpty()
                || identifier.startsWith("arn:") && !CustomModelArn.is(identifier)) {
            return Optional.empty();
        }
        return models.apply(identifier).map(CustomModel::arn);
    }

    @Override
    public synchronized Loaded acquire(String customModelArn, String user) {
        Hosted h = hosted.get(customModelArn);
        if (h == null) {
            CustomModel model = models.apply(customModelArn).orElseThrow(() -> BedrockException.notFound(
                    "The custom model " + customModelArn + " is not found."));
            String foundationId = CustomModelArn.foundationId(model.arn());
            ServedModel base = registry.directory().resolve(foundationId).model();
            ModelEntry entry = base.entry().customModel(model.arn(), model.name(), model.weights());
            log.info("loading custom model {} ({}) from {}", model.name(), model.arn(), model.weights());
            h = new Hosted(new Loaded(registry.loadAdditional(entry), foundationId), new HashSet<>());
            hosted.put(customModelArn, h);
        }
        h.users().add(user);
        return h.loaded();
    }

    @Override
    public synchronized void release(String customModelArn, String user) {
        Hosted h = hosted.get(customModelArn);
        if (h == null || !h.users().remove(user) || !h.users().isEmpty()) {
            return;
        }
        hosted.remove(customModelArn);
        log.info("unloading custom model {}: no provisioned throughput serves it", customModelArn);
        registry.unloadAdditional(h.loaded().model().entry(), UNLOAD_GRACE_MILLIS);
    }
}
