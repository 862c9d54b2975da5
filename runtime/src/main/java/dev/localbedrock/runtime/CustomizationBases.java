package dev.localbedrock.runtime;

import dev.localbedrock.runtime.catalog.CustomModelArn;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.runtime.catalog.GeneratedModels;
import dev.localbedrock.runtime.catalog.ModelEntry;
import dev.localbedrock.runtime.controlplane.FoundationModels;
import dev.localbedrock.runtime.customization.CustomModel;
import dev.localbedrock.runtime.customization.TrainableBase;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which served model a job's {@code baseModelIdentifier} fine-tunes: a foundation model (its id or ARN) of a text
 * family, with the checkpoint its entry loads; or a custom model (its ARN or name), refined from its own weights with
 * its foundation model's tokenizer. Provisioned models and embedding models cannot be fine-tuned.
 */
final class CustomizationBases implements TrainableBase.Resolver {
    private final ModelDirectory directory;
    private final FoundationModels foundation;
    private final Function<String, Optional<CustomModel>> customModels;

    CustomizationBases(ModelDirectory directory, FoundationModels foundation,
                       Function<String, Optional<CustomModel>> customModels) {
        this.directory = directory;
        this.foundation = foundation;
        this.customModels = customModels;
    }

    @Override
    public TrainableBase resolve(String identifier) {
        if (identifier == null || identifier.isEmpty()) {
            throw BedrockException.validation("1 validation error detected: Value null at 'baseModelIdentifier' "
                    + "failed to satisfy constraint: Member must not be null");
        }
        Optional<CustomModel> custom = CustomModelArn.is(identifier) || !identifier.startsWith("arn:")
                ? customModels.apply(identifier) : Optional.empty();
        if (custom.isPresent()) {
            CustomModel m = custom.get();
            String foundationId = CustomModelArn.foundationId(m.arn());
            ServedModel.Text text = text(directory.resolve(foundationId), identifier);
            return base(m.arn(), foundationId, m.arn(), m.weights(), text);
        }
        if (CustomModelArn.is(identifier)) {
            throw BedrockException.notFound("The custom model " + identifier + " is not found.");
        }
        ModelTarget target = directory.resolve(identifier);
        if (target.capacityTag() != null) {
            throw BedrockException.validation("The model " + identifier + " is a provisioned model; fine-tune its "
                    + "foundation model or a custom model instead.");
        }
        ServedModel.Text text = text(target, identifier);
        String id = text.entry().id();
        return base(id, id, foundation.arn(id), checkpointOf(text.entry()), text);
    }

    private static TrainableBase base(String id, String foundationId, String arn, Path checkpoint,
                                      ServedModel.Text text) {
        DecoderModel model = text.worker().model();
        int eos = model.info().eosTokenIds().stream().mapToInt(Integer::intValue).min().orElseThrow(() ->
                BedrockException.validation("The model " + foundationId + " has no end-of-sequence token, so a "
                        + "fine-tuned answer could not end; it cannot be fine-tuned."));
        return new TrainableBase(id, foundationId, arn, checkpoint, model.tokenizer(), eos,
                text.worker().contextTokens());
    }

    private static ServedModel.Text text(ModelTarget target, String identifier) {
        if (target.model() instanceof ServedModel.Text text) {
            return text;
        }
        throw BedrockException.validation("The model " + identifier + " is an embedding model; only text "
                + "generation models can be fine-tuned.");
    }

    /** The Hugging Face checkpoint folder an entry loads (a generated model is written first if needed). */
    static Path checkpointOf(ModelEntry entry) {
        if (entry.source() instanceof ModelEntry.Directory d) {
            return d.path();
        }
        if (entry.source() instanceof ModelEntry.Generated g) {
            return GeneratedModels.ensure(g);
        }
        throw BedrockException.validation("The model " + entry.id() + " is not loaded from a Hugging Face "
                + "checkpoint and cannot be fine-tuned.");
    }
}
