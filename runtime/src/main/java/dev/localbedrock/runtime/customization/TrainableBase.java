package dev.localbedrock.runtime.customization;

import dev.localbedrock.engines.TextTokenizer;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A model a job can fine-tune: the served text model a base identifier names (a foundation model, or a custom model
 * to refine further), with what training needs of it.
 *
 * @param id           what the job records as its base: the catalogue id, or the custom model's ARN
 * @param foundationId the catalogue id at the root (a custom model's base): model access and ARNs name it
 * @param arn          the base model ARN the job reports ({@code baseModelArn})
 * @param checkpoint   the Hugging Face checkpoint folder its weights are read from
 * @param tokenizer    its tokenizer (the serving one: the training tokens are the tokens InvokeModel will see)
 * @param eosId        the token a trained answer ends with, so the custom model stops after it
 * @param contextTokens the most tokens one record (prompt, answer and end token) may have on this model
 */
public record TrainableBase(String id, String foundationId, String arn, Path checkpoint, TextTokenizer tokenizer,
                            int eosId, int contextTokens) {
    public TrainableBase {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(foundationId, "foundationId");
        Objects.requireNonNull(arn, "arn");
        Objects.requireNonNull(checkpoint, "checkpoint");
        Objects.requireNonNull(tokenizer, "tokenizer");
    }

    /** Resolves a job's {@code baseModelIdentifier}. */
    @FunctionalInterface
    public interface Resolver {
        /**
         * @throws dev.localbedrock.codecs.BedrockException ResourceNotFoundException for a model not served,
         *                                                  ValidationException for one that cannot be fine-tuned
         */
        TrainableBase resolve(String identifier);
    }
}
